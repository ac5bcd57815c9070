"""An answer statement that joins two names its passage writes far apart is not printed
(``answer_checks.names_apart``, the policy's ``answer_names_within``). The passages are
the seeds' own, as `brief ask` showed them to the 1.5B."""

from __future__ import annotations

from conftest import SEEDS
from pydantic import ValidationError

from pipeline.ask.answer_checks import names_apart, unsupported
from pipeline.ask.answer_reply import AnswerReply
from pipeline.stages.policy import LENIENT, NAMES_WITHIN_WORDS, STRICT


def _span(name: str, start: int, end: int) -> str:
    return next(SEEDS.glob(f"{name}_*.txt")).read_text(encoding="utf-8")[start:end]


# 004 L471-489: Kai-Fu Lee started the company behind "Yee34B"; ~270 words later the guest
# says Chinese developers put open models "on platforms like Hugging Face"
KAI_FU_LEE = _span("004", 44328, 46167)
QUESTION = "Where has Kai-Fu Lee worked, according to the guest in Beijing?"


def test_two_names_the_passage_writes_far_apart_are_not_a_relation_it_states() -> None:
    # the 1.5B's answer (thirty-seventh round); every word but "worked" is in the passage
    wrong = "Kai-Fu Lee worked at Hugging Face."
    gap = names_apart(wrong, [KAI_FU_LEE], QUESTION, NAMES_WITHIN_WORDS)
    assert gap is not None and gap[:2] == ("Kai-Fu Lee", "Hugging Face") and gap[2] > 200
    assert unsupported(wrong, [KAI_FU_LEE], STRICT, QUESTION) == (
        f"they name Kai-Fu Lee and Hugging Face only {gap[2]} words apart, never together"
    )
    # what the passage says of the two, each near its name, passes
    said = "Yee34B comes from the company that Kai-Fu Lee started."
    assert unsupported(said, [KAI_FU_LEE], STRICT) is None
    # a strong model's policy does not judge distances
    assert LENIENT.answer_names_within is None
    assert unsupported(wrong, [KAI_FU_LEE], LENIENT, QUESTION) is None


def test_the_re_ask_names_the_two_names() -> None:
    data = {
        "answerable": True,
        "statements": [{"text": "Kai-Fu Lee worked at Hugging Face.", "passages": [1]}],
    }
    context = {"passages": {1: KAI_FU_LEE}, "question": QUESTION, "policy": STRICT}
    try:
        AnswerReply.model_validate(data, context=context)
    except ValidationError as error:
        assert "Kai-Fu Lee and Hugging Face only" in str(error)
        assert "set answerable to false" in str(error)
    else:
        raise AssertionError("the joined names were printed")


def test_names_in_two_cited_passages_and_names_written_otherwise_are_not_judged() -> None:
    # dev q05, answered right: passage 1 (000 L646-713) writes "Danwang's book is
    # Breakneck" and "America is run by lawyers"; passage 2 (000 L75-104) writes "Dan Wang"
    first, second = _span("000", 46310, 48250), _span("000", 6976, 8701)
    question = "According to Dan Wang's book Breakneck, who runs America and who runs China?"
    right = (
        "According to Dan Wang's book Breakneck, America is run by lawyers and China is "
        "run by engineers."
    )
    assert names_apart(right, [first, second], question, NAMES_WITHIN_WORDS) is None
    # the same passages joined into one text would have judged "Dan Wang" (written
    # together only in the second) against "Breakneck" (only in the first)
    assert names_apart(right, [first + " " + second], question, NAMES_WITHIN_WORDS) is not None
