"""How each model provider takes a reply schema: the rung ladder, by rule.

A reply schema reaches the model on one of four rungs (``schema_mode``):

- ``full``: ``response_format: json_schema`` with the reply model's own schema, every
  keyword kept. llama.cpp's server (the embedded model), vLLM, LM Studio and Ollama
  compile it into a grammar, so every keyword is enforced while decoding. The request
  is byte for byte what it was before rungs existed (warm caches stay valid).
- ``strict``: OpenAI structured outputs: ``strict: true`` and a schema made strict by
  ``strict_schema`` (every object closed with ``additionalProperties: false``, every
  property required, ``$ref`` inlined, keywords outside OpenAI's subset moved into the
  description). Valid under the strictest dialect, so any provider that takes
  json_schema takes it.
- ``json_schema``: the same strict-shaped schema, ``strict: false``, without the
  keywords the provider does not take (Anthropic's output_format and Gemini's schema
  subset; litellm maps it to a tool, ``output_format`` or ``responseSchema``).
- ``json_object``: JSON mode, the schema written into the system message.

On every rung the client still validates the reply against the full pydantic model
and re-asks with the error, so a keyword moved into a description is still enforced.
Which rung a provider gets is the table ``FAMILIES`` (one row per provider family);
the ``schema_mode`` setting overrides it. A provider that rejects a schema (HTTP 400
naming the schema) fails with a message naming the next rung down.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Rung = Literal["full", "strict", "json_schema", "json_object"]
LADDER: tuple[Rung, ...] = ("strict", "json_schema", "json_object")
DEFAULT_RUNG: Rung = "full"

# OpenAI strict mode: the keywords it takes (platform.openai.com/docs/guides/structured-outputs,
# "Supported schemas"); anything else is moved into the description
OPENAI_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "anyOf",
        "description",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
    }
)
# Anthropic output_format (litellm filter_anthropic_output_schema, from the SDK):
# no numeric, string-length or array-size constraints
ANTHROPIC_KEYWORDS = OPENAI_KEYWORDS - {
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
}
# Gemini: litellm sends responseJsonSchema (a JSON Schema subset) for 2.x models and
# responseSchema (an OpenAPI 3.0 subset) for older ones; what both take:
# no const, no exclusive bounds, no multipleOf, no pattern
GEMINI_KEYWORDS = OPENAI_KEYWORDS - {
    "const",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "pattern",
}
_CONSTRAINT_WORDS = {
    "minLength": "at least {} characters",
    "maxLength": "at most {} characters",
    "minimum": "at least {}",
    "maximum": "at most {}",
    "exclusiveMinimum": "more than {}",
    "exclusiveMaximum": "less than {}",
    "minItems": "at least {} items",
    "maxItems": "at most {} items",
    "multipleOf": "a multiple of {}",
    "const": "always {}",
    "pattern": "matching the regular expression {}",
}


class Family(BaseModel):
    """One provider family: how a user names it, and the rung it gets."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    prefixes: tuple[str, ...] = Field(description="litellm model-string prefixes")
    rung: Rung
    keywords: frozenset[str] = Field(
        default=OPENAI_KEYWORDS,
        description="schema keywords kept on the strict and json_schema rungs",
    )
    rule: str = Field(description="the provider's documented structured-output rule")
    local_base: tuple[str, str] | None = Field(
        default=None,
        description="a local server's address without --api-base: (the environment "
        "variable litellm reads it from, the address litellm uses when it is not set)",
    )

    def local_address(self) -> str | None:
        """Where litellm sends this family's requests when no --api-base is given, for a
        server that runs on the user's machine (Ollama), else None."""
        if self.local_base is None:
            return None
        variable, default = self.local_base
        return os.environ.get(variable) or default


FAMILIES: tuple[Family, ...] = (
    Family(
        name="llama.cpp server",
        prefixes=(),
        rung="full",
        rule="json_schema compiled into a GBNF grammar; every keyword enforced",
    ),
    Family(
        name="OpenAI",
        prefixes=("openai/", "gpt-", "o1", "o3", "o4"),
        rung="strict",
        rule="strict: additionalProperties false and every property required on every object",
    ),
    Family(
        name="Azure OpenAI",
        prefixes=("azure/",),
        rung="strict",
        rule="as OpenAI (same structured-outputs API)",
    ),
    Family(
        name="OpenRouter",
        prefixes=("openrouter/",),
        rung="strict",
        rule="OpenAI's response_format, passed to the routed model",
    ),
    Family(
        name="Mistral",
        prefixes=("mistral/",),
        rung="strict",
        rule="custom structured outputs: response_format json_schema with strict",
    ),
    Family(
        name="Anthropic",
        prefixes=("anthropic/", "claude-"),
        rung="json_schema",
        keywords=ANTHROPIC_KEYWORDS,
        rule="litellm maps json_schema to a forced tool (or output_format on newer models)",
    ),
    Family(
        name="Gemini",
        prefixes=("gemini/", "vertex_ai/"),
        rung="json_schema",
        keywords=GEMINI_KEYWORDS,
        rule="litellm maps json_schema to responseSchema, an OpenAPI 3.0 subset",
    ),
    Family(
        name="Groq",
        prefixes=("groq/",),
        rung="json_schema",
        rule="json_schema without strict on most models; litellm uses a tool otherwise",
    ),
    Family(
        name="Ollama",
        prefixes=("ollama/", "ollama_chat/"),
        rung="full",
        rule="the schema goes in `format`; Ollama compiles it into a llama.cpp grammar",
        local_base=("OLLAMA_API_BASE", "http://localhost:11434"),
    ),
    Family(
        name="vLLM",
        prefixes=("hosted_vllm/",),
        rung="full",
        rule="response_format json_schema, guided decoding (xgrammar/outlines)",
    ),
    Family(
        name="LM Studio",
        prefixes=("lm_studio/",),
        rung="full",
        rule="response_format json_schema, grammar-constrained (llama.cpp or MLX)",
    ),
)
_LLAMA_CPP = FAMILIES[0]
_UNKNOWN = Family(
    name="other",
    prefixes=(),
    rung="json_schema",
    rule="unknown provider: json_schema without strict (the validator enforces the rest)",
)


def family_of(model: str | None) -> Family:
    """The provider family of a litellm model string (None: the embedded model or a
    llama.cpp server named by ``api_base`` alone)."""
    if model is None:
        return _LLAMA_CPP
    for family in FAMILIES:
        if any(model.startswith(prefix) for prefix in family.prefixes):
            return family
    return _UNKNOWN


def rung_for(model: str | None, schema_mode: str = "auto") -> Rung:
    """The rung a call to ``model`` uses: the family's rung unless ``schema_mode`` names one."""
    if schema_mode != "auto":
        return schema_mode  # type: ignore[return-value]  # settings validated it
    return family_of(model).rung


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = _inline(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
            rest = {k: _inline(v, defs) for k, v in node.items() if k != "$ref"}
            return {**target, **rest}
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def strict_schema(schema: dict[str, Any], keywords: frozenset[str] = OPENAI_KEYWORDS) -> dict:
    """``schema`` (pydantic's JSON schema) made valid under OpenAI's strict dialect, keeping
    only ``keywords``: ``$ref`` inlined, every object closed and all its properties
    required, ``allOf``/``oneOf`` of one member unwrapped (``oneOf`` becomes ``anyOf``),
    every other keyword dropped, constraints moved into the description in words."""
    inlined = _inline(copy.deepcopy(schema), schema.get("$defs", {}))

    def walk(node: dict[str, Any]) -> dict[str, Any]:
        for key in ("allOf", "oneOf"):
            if key in node:
                members = node.pop(key)
                if len(members) == 1:
                    node = {**members[0], **node}
                else:
                    node["anyOf"] = members
        out: dict[str, Any] = {}
        notes: list[str] = []
        for key, value in node.items():
            if key == "properties":
                out[key] = {name: walk(sub) for name, sub in value.items()}
            elif key == "items" and isinstance(value, dict):
                out[key] = walk(value)
            elif key == "anyOf":
                out[key] = [walk(sub) for sub in value]
            elif key in keywords and key != "additionalProperties":
                out[key] = value
            elif key in _CONSTRAINT_WORDS:
                notes.append(_CONSTRAINT_WORDS[key].format(json.dumps(value)))
        if out.get("type") == "object" or "properties" in out:
            out["type"] = "object"
            out.setdefault("properties", {})
            out["required"] = list(out["properties"])
            out["additionalProperties"] = False
        if notes and "description" in keywords:
            text = out.get("description", "")
            out["description"] = (text + " " if text else "") + f"({'; '.join(notes)})"
        return out

    return walk(inlined)


def response_format(rung: Rung, name: str, schema: dict[str, Any], model: str | None) -> dict:
    """The ``response_format`` litellm gets for one call on ``rung``."""
    if rung == "full":
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": True},
        }
    if rung == "json_object":
        return {"type": "json_object"}
    keywords = family_of(model).keywords if rung == "json_schema" else OPENAI_KEYWORDS
    return {
        "type": "json_schema",
        "json_schema": {
            "name": name,
            "schema": strict_schema(schema, keywords),
            "strict": rung == "strict",
        },
    }


def with_schema_in_prompt(messages: list[dict[str, str]], schema: dict) -> list[dict[str, str]]:
    """JSON mode: the messages with the schema appended to the system message."""
    text = "\n\nReply with one JSON object only, valid under this JSON schema:\n" + json.dumps(
        schema, separators=(",", ":")
    )
    out = [dict(m) for m in messages]
    if out and out[0]["role"] == "system":
        out[0]["content"] += text
    else:
        out.insert(0, {"role": "system", "content": text.strip()})
    return out


def next_rung(rung: Rung) -> Rung | None:
    """The next rung down the ladder, or None at the bottom."""
    if rung == "full":
        return "strict"
    at = LADDER.index(rung)
    return LADDER[at + 1] if at + 1 < len(LADDER) else None


def schema_rejected_hint(rung: Rung) -> str:
    """What to do when a provider answers 400 about the schema."""
    lower = next_rung(rung)
    if lower is None:
        return "the provider rejected JSON mode too: this model cannot give structured replies"
    return (
        f"the provider rejected the reply schema on the '{rung}' rung: set "
        f'schema_mode = "{lower}" in brief.toml (or BRIEF_SCHEMA_MODE={lower}); '
        "the ladder is strict -> json_schema -> json_object"
    )


def server_key(key: str | None, api_base: str | None) -> str | None:
    """The API key a request carries: the configured one; else, for a server at
    ``api_base``, a placeholder (the OpenAI SDK wants some key, and a local server takes
    any), never the provider's key from the environment (it would go to that server);
    else None, so that litellm reads the provider's own variable (``OPENAI_API_KEY``,
    ``ANTHROPIC_API_KEY`` ...). Sending the placeholder to a hosted provider too, as
    before, every request to OpenAI went out as "Bearer no-key" with the key exported."""
    if key:
        return key
    return "no-key" if api_base else None


def missing_key(model: str) -> str | None:
    """What is missing before a hosted provider can be asked anything: its key's
    environment variable (``litellm.validate_environment``: "ANTHROPIC_API_KEY is not
    set ..."), or None. Only ``*_API_KEY`` names count: Ollama's optional
    ``OLLAMA_API_BASE``, Azure's base and version, and AWS credentials (a profile or role
    will do) are not asked for here; a request without them fails with its own error."""
    from pipeline.model.llm import litellm  # imported by the first request, not before

    try:
        report = litellm.validate_environment(model=model)
    except Exception:  # a model litellm cannot place: its first request says so
        return None
    keys = [k for k in report.get("missing_keys") or [] if k.endswith("_API_KEY")]
    if report.get("keys_in_environment") or not keys:
        return None
    return (
        f"{' or '.join(keys)} is not set: {model} reads its key from there; export it, "
        "or set BRIEF_API_KEY (api_key in brief.toml)"
    )


def unknown_model_hint(model: str) -> str:
    return (
        f"litellm does not know the model {model!r}: name it as provider/model, for example "
        "openai/gpt-4o-mini, anthropic/claude-3-5-haiku-latest, gemini/gemini-2.0-flash, "
        "ollama_chat/llama3.1 or hosted_vllm/<served name> with --api-base "
        "(docs.litellm.ai/docs/providers)"
    )


__all__ = [
    "DEFAULT_RUNG",
    "FAMILIES",
    "LADDER",
    "Family",
    "Rung",
    "family_of",
    "missing_key",
    "next_rung",
    "response_format",
    "rung_for",
    "schema_rejected_hint",
    "server_key",
    "strict_schema",
    "unknown_model_hint",
    "with_schema_in_prompt",
]
