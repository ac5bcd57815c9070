"""One short model call of the brief stages: a prompt over a list of items (a theme's
notes, a source's themes, a cross-source group's statements), and the reply's sentences
joined. Reduce and synthesize both ask this way, one subject at a time."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from pipeline.errors import ModelAuthError, ModelError, ModelUnreachable
from pipeline.model.client import ModelClient
from pipeline.model.prompts import boundary_for, load_prompt

Reply = TypeVar("Reply", bound=BaseModel)


def ask_about(
    client: ModelClient,
    stage: str,
    prompt: str,
    items: str,
    schema: type[Reply],
    max_tokens: int,
    *,
    one_line: bool,
    **variables: str,
) -> Reply:
    """One call of the brief stages: a prompt over a list of items (a theme's notes, the
    themes of an overview, a cross-source group's statements), shown between boundary
    lines, answered as ``schema`` (on one line when the policy's ``one_line_replies``)."""
    reply = client.structured(
        stage=stage,
        prompt=load_prompt(prompt, one_line=one_line),
        variables={"boundary": boundary_for(items), "items": items, **variables},
        schema=schema,
        max_tokens=max_tokens,
    )
    assert isinstance(reply, schema)
    return reply


def ask_or_failure(
    client: ModelClient,
    stage: str,
    prompt: str,
    items: str,
    schema: type[Reply],
    max_tokens: int,
    *,
    one_line: bool,
    **variables: str,
) -> Reply | ModelError:
    """``ask_about``, with a reply that fails (after the client's re-ask and retries)
    returned, not raised, so that the caller leaves out only that part; bad credentials
    or an unreachable server still stop the run."""
    try:
        return ask_about(
            client, stage, prompt, items, schema, max_tokens, one_line=one_line, **variables
        )
    except (ModelAuthError, ModelUnreachable):
        raise
    except ModelError as exc:
        return exc


def joined(sentences: list[str]) -> str:
    """A reply's sentences as one text, each ending with a full stop (and only one: the
    1.5B once ended a sentence "technology.,")."""
    parts = [s.strip().rstrip(",;:").rstrip() for s in sentences]
    return " ".join(p if p[-1] in ".!?" else p + "." for p in parts if p)
