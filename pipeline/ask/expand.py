"""A question widened for BM25 by a passage the model imagines answering it (the
``expand_questions`` setting; ``pipeline.ask.answer``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from pipeline.errors import ModelAuthError, ModelError, ModelUnreachable
from pipeline.model.client import ModelClient
from pipeline.model.prompts import load_prompt

# the imagined passage of ``expand``: two sentences (the 1.5B writes 40-60 tokens)
EXPANSION_MAX_TOKENS = 120
EXPANSION_MAX_CHARS = 600


class Expansion(BaseModel):
    """A passage the model imagines answering the question: only searched with."""

    passage: str = Field(
        max_length=EXPANSION_MAX_CHARS,
        description="two sentences a speaker might say that answer the question",
    )


def expand(question: str, client: ModelClient) -> str:
    """The question followed by the words of a passage the model imagines answering it
    (HyDE: Gao et al., 2022), for BM25: a question worded unlike its passage ("the Golden
    State's bullet-train line") gains the words the speakers use ("California", "high-speed
    rail"). The passage is never shown, quoted or cited; the question's embedding is still
    the question's own. A failed call leaves the question as it is."""
    try:
        reply = client.structured(
            stage="ask",
            prompt=load_prompt("expand"),
            variables={"question": question},
            schema=Expansion,
            max_tokens=EXPANSION_MAX_TOKENS,
        )
    except (ModelAuthError, ModelUnreachable):
        raise
    except ModelError:
        return question
    return f"{question} {reply.passage}"
