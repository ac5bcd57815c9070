"""Rules that patch a small model's habits, by name.

Grounding and structure checks (citations owned by code, quotes cut by code, names that
must be in the chunk) hold for every model and live in the stages. The rules here only
make up for what a small embedded model does badly (copying text between fields, citing
sentence numbers by habit); a strong hosted model is not held back by them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from pipeline.settings import Settings


class ModelPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description='"strict" | "lenient"')
    repeat_prefix: int = Field(
        description="two texts whose first N letters and digits match count as one "
        "(a looping model's copy cut off at another length); 0: only identical texts"
    )
    rebuild_copied_summaries: bool = Field(
        description="a summary that copies the overview or an earlier summary is rebuilt "
        "from its own points instead of being kept"
    )
    cited_sentences_per_statement: int = Field(
        description="at most this many of the sentences the model cites for one point are "
        "kept (the ones sharing most words with the point)"
    )
    replace_habitual_citation: bool = Field(
        description='when no cited sentence shares a word with the point (a model citing "1, '
        "2, 3\" by habit), cite the chunk's best-matching sentence instead"
    )


STRICT = ModelPolicy(
    name="strict",
    repeat_prefix=60,
    rebuild_copied_summaries=True,
    cited_sentences_per_statement=2,
    replace_habitual_citation=True,
)
LENIENT = ModelPolicy(
    name="lenient",
    repeat_prefix=0,
    rebuild_copied_summaries=False,
    cited_sentences_per_statement=3,
    replace_habitual_citation=False,
)


def policy_for(settings: Settings) -> ModelPolicy:
    """``settings.model_policy``: "strict", "lenient" or "auto" (embedded model: strict)."""
    choice = getattr(settings, "model_policy", "auto")
    if choice == "strict":
        return STRICT
    if choice == "lenient":
        return LENIENT
    return STRICT if settings.embedded else LENIENT
