"""One short model call of the brief stages: a prompt over a list of items (a theme's
notes, a source's themes, a cross-source group's statements), and the reply's sentences
joined. Reduce and synthesize both ask this way, one subject at a time."""

from __future__ import annotations

import functools
from typing import Annotated, Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, Field, create_model

from pipeline.errors import ModelAuthError, ModelError, ModelUnreachable
from pipeline.languages import writing_language
from pipeline.model.client import ModelClient
from pipeline.model.prompts import boundary_for, load_prompt
from pipeline.text import cut_back, ended

Reply = TypeVar("Reply", bound=BaseModel)


@functools.cache
def with_short_sentences(schema: type[Reply], chars: int) -> type[Reply]:
    """``schema`` whose lists of sentences hold sentences of at most ``chars`` characters
    each, and whose text fields (a title, a cross-source theme's point) hold at most as
    many, in the reply schema (llama.cpp's grammar ends a sentence there; the list's own
    bounds stay). A reply of the class is one of ``schema``."""
    short = Annotated[str, Field(max_length=chars)]
    fields: dict[str, Any] = {}
    for name, info in schema.model_fields.items():
        if info.annotation is str:
            fields[name] = (short, Field(description=info.description))
        elif get_origin(info.annotation) is list and get_args(info.annotation) == (str,):
            low = next((r.min_length for r in info.metadata if hasattr(r, "min_length")), None)
            high = next((r.max_length for r in info.metadata if hasattr(r, "max_length")), None)
            field = Field(description=info.description, min_length=low, max_length=high)
            fields[name] = (list[short], field)  # type: ignore[valid-type]
    return create_model(schema.__name__, __base__=schema, **fields)  # type: ignore[call-overload, no-any-return]


def ask_about(
    client: ModelClient,
    stage: str,
    prompt: str,
    items: str,
    schema: type[Reply],
    max_tokens: int,
    *,
    one_line: bool,
    sentence_chars: int = 0,
    **variables: str,
) -> Reply:
    """One call of the brief stages: a prompt over a list of items (a theme's notes, the
    themes of an overview, a cross-source group's statements), shown between boundary
    lines, answered as ``schema`` (on one line when the policy's ``one_line_replies``),
    each of its sentences at most ``sentence_chars`` long when that is set (the policy's
    ``sentence_max_chars``; a sentence the grammar ended is cut back to a clause end). Items
    not in English are to be written about in their language (``writing_language``)."""
    asked = with_short_sentences(schema, sentence_chars) if sentence_chars else schema
    reply = client.structured(
        stage=stage,
        prompt=load_prompt(prompt, one_line=one_line, language=writing_language(items)),
        variables={"boundary": boundary_for(items), "items": items, **variables},
        schema=asked,
        max_tokens=max_tokens,
    )
    assert isinstance(reply, schema)
    if not sentence_chars:
        return reply
    cut: dict[str, Any] = {
        name: [cut_back(x, sentence_chars) for x in value]
        for name, value in reply
        if isinstance(value, list) and all(isinstance(x, str) for x in value)
    }
    cut |= {
        name: cut_back(value, sentence_chars) for name, value in reply if isinstance(value, str)
    }
    return reply.model_copy(update=cut)


def ask_or_failure(
    client: ModelClient,
    stage: str,
    prompt: str,
    items: str,
    schema: type[Reply],
    max_tokens: int,
    *,
    one_line: bool,
    sentence_chars: int = 0,
    **variables: str,
) -> Reply | ModelError:
    """``ask_about``, with a reply that fails (after the client's re-ask and retries)
    returned, not raised, so that the caller leaves out only that part; bad credentials
    or an unreachable server still stop the run."""
    try:
        return ask_about(
            client,
            stage,
            prompt,
            items,
            schema,
            max_tokens,
            one_line=one_line,
            sentence_chars=sentence_chars,
            **variables,
        )
    except (ModelAuthError, ModelUnreachable):
        raise
    except ModelError as exc:
        return exc


def joined(sentences: list[str]) -> str:
    """A reply's sentences as one text, each ending with a full stop (and only one: the
    1.5B once ended a sentence "technology.,")."""
    parts = [s.strip().rstrip(",;:").rstrip() for s in sentences]
    return " ".join(ended(p) for p in parts if p)
