"""A model's reply: the schema it is asked to follow, the JSON taken out of its text,
its validation, and the text of the one re-ask when it does not validate.

``pipeline.model.client.ModelClient.structured`` puts these together: it sends
``reply_schema``, validates the reply with ``validated`` and, once, re-asks with
``reask_text`` of the error; ``from_cache`` reads a stored result back under today's
rules.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)

CUT_OFF = "\x00length"  # marks a reply that ended at max_tokens
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


Narrowing = dict[str, Any]  # a field name -> an item schema, or a dict's keys


@functools.cache
def _schema_text(schema: type[BaseModel]) -> str:
    return json.dumps(schema.model_json_schema())


def reply_schema(schema: type[BaseModel], narrow: Narrowing | None = None) -> dict[str, Any]:
    """The one function that makes the schema of a reply model for a call: pydantic's
    schema, array items narrowed for this call. ``pipeline.model.providers.response_format``
    then shapes it for the client's rung (strict-valid by construction below "full")."""
    return narrow_items(json_schema_of(schema), narrow or {})


def json_schema_of(schema: type[BaseModel]) -> dict[str, Any]:
    """``schema.model_json_schema()``, generated once per class (it costs ~5 ms, a
    quarter of a call's client-side CPU against a fast server); a fresh copy each time."""
    return dict(json.loads(_schema_text(schema)))


def narrow_items(json_schema: dict[str, Any], narrow: Narrowing) -> dict[str, Any]:
    """A copy of ``json_schema`` where every array-of-scalars property named in ``narrow``
    gets the given item schema (at any depth, including ``$defs``), and every dict
    property named with a list of keys becomes an object of exactly those keys, in that
    order (a map's points, keyed by the sentence each states: llama.cpp's grammar
    enforces the keys and their order)."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {key: walk(value) for key, value in node.items()}
            for name, prop in (out.get("properties") or {}).items():
                items = prop.get("items") or {}
                values = prop.get("additionalProperties")
                wanted = narrow.get(name)
                if isinstance(wanted, dict) and items.get("type") in ("string", "integer"):
                    prop["items"] = dict(wanted)
                elif isinstance(wanted, list) and isinstance(values, dict):
                    out["properties"][name] = {
                        **{k: v for k, v in prop.items() if not k.endswith("Properties")},
                        "properties": {key: dict(values) for key in wanted},
                        "required": list(wanted),
                        "additionalProperties": False,
                    }
            return out
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(json_schema) if narrow else json_schema


def extract_json(text: str) -> Any:
    """Parse a JSON object out of a reply. Deterministic cleanups only, each of which
    cannot change what a complete reply says: strip code fences, drop prose around the
    outermost braces, drop trailing commas. A reply cut off mid-object stays invalid."""
    stripped = _FENCE.sub("", text.strip())
    try:
        return json.loads(stripped)
    except json.JSONDecodeError:
        start, end = stripped.find("{"), stripped.rfind("}")
        if start == -1 or end <= start:
            raise
        body = stripped[start : end + 1]
        try:
            return json.loads(body)
        except json.JSONDecodeError:
            return json.loads(_TRAILING_COMMA.sub(r"\1", body))


def validated(
    reply: str, schema: type[T], context: dict[str, Any] | None
) -> tuple[dict[str, Any], T]:
    """The reply's JSON object and the ``schema`` instance made from it; a ``ValueError``
    or ``ValidationError`` says what is wrong (a cut-off reply always is)."""
    if reply.startswith(CUT_OFF):
        raise ValueError("the reply was cut off at the token limit; answer more briefly")
    data = extract_json(reply)
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    return data, schema.model_validate(data, context=context)


# stored beside a result the model gave only when asked again: its first reply
FIRST_REPLY = "_first_reply"


def from_cache(cached: dict[str, Any], schema: type[T], context: dict[str, Any] | None) -> T | None:
    """A stored result as ``schema`` under today's rules, or None (ask again: it was stored
    under rules it no longer meets). A result the model gave only when asked again gives
    way to its first reply when the rules now take that reply, as a call would today: an
    answer refused by a check later loosened, then "not answerable" when asked again, was
    the cached refusal of every rerun (thirty-second round)."""
    data = dict(cached)
    first = data.pop(FIRST_REPLY, None)
    if isinstance(first, str):
        try:
            return validated(first, schema, context)[1]
        except (ValueError, ValidationError):
            pass  # refused still: the result asked again stands
    try:
        return schema.model_validate(data, context=context)
    except ValidationError:
        return None


def short_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'reply'}: {e['msg']}" for e in exc.errors()[:5]
        )
    return str(exc)[:300]


def reask_text(exc: Exception) -> str:
    return (
        "Your reply was not valid: "
        + short_error(exc)
        + ". Reply again with the corrected JSON object only."
    )
