"""Model policy: the rules that patch a small model's habits, each named, in one place.

A 0.5B model copies a sentence from one passage and cites another, restates the
question instead of answering it, and pads answers with loosely related sentences; the
checks that catch those habits also refuse a strong model's correct paraphrases. So they
are a policy that follows the model: ``STRICT`` for the embedded small models,
``LENIENT`` for strong hosted ones (``policy_for``; the ``model_policy`` setting
overrides the default).

Not here, because they protect grounding and safety for every model and are never
relaxed: cited ids must be among those supplied; every number (chip models like "H800"
included) and every name in a statement must appear in the passages it cites; a number
in the question must appear in the cited passages; quotes are cut from the source by
code; foreign URLs are filtered; repeated titles are dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from pipeline.settings import Settings


class ModelPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(description='"strict" (embedded small models) or "lenient" (strong models)')
    answer_support: float = Field(
        description=(
            "share of an answer statement's content words (stemmed, stop words out) that "
            "the passages it cites must contain; catches a small model's statement pinned "
            "to an unrelated passage, and refuses a strong model's paraphrase"
        ),
        ge=0.0,
        le=1.0,
    )
    answer_moves_citation: bool = Field(
        description=(
            "a statement that another supplied passage states better (more of its words) is "
            "re-cited to that passage (small models copy from one passage and cite another)"
        )
    )
    answer_must_share_question_word: bool = Field(
        description=(
            "some statement must share a word with the question (or be a short phrase quoted "
            "from its passage): small models answer with a true but unrelated sentence"
        )
    )
    quantity_answer: Literal["digits", "digits_or_words"] = Field(
        description=(
            'a quantity question ("how many", "what year"...) needs a number the question '
            'does not contain: written in digits, or also in words ("twelve percent")'
        )
    )


STRICT = ModelPolicy(
    name="strict",
    answer_support=0.6,
    answer_moves_citation=True,
    answer_must_share_question_word=True,
    quantity_answer="digits",
)
LENIENT = ModelPolicy(
    name="lenient",
    answer_support=0.3,
    answer_moves_citation=False,
    answer_must_share_question_word=False,
    quantity_answer="digits_or_words",
)
POLICIES = {p.name: p for p in (STRICT, LENIENT)}


def policy_for(settings: Settings) -> ModelPolicy:
    """``settings.model_policy``; "auto": the embedded model (or a llama.cpp server named
    by api_base alone) -> STRICT, any named model -> LENIENT."""
    if settings.model_policy != "auto":
        return POLICIES[settings.model_policy]
    return STRICT if settings.model is None else LENIENT


__all__ = ["LENIENT", "POLICIES", "STRICT", "ModelPolicy", "policy_for"]
