"""An answer statement that joins two names its passage writes far apart, or lends a claim
to a person its passage names elsewhere, is not printed (``name_places.names_apart``,
``name_places.said_far_from``, the policy's ``answer_names_within``); a name the passage
runs together is named. The passages are the seeds' own, as `brief ask` showed them to
the 1.5B."""

from __future__ import annotations

from conftest import SEEDS
from pydantic import ValidationError

from pipeline.ask.answer_checks import unsupported
from pipeline.ask.answer_reply import AnswerReply
from pipeline.ask.name_places import names_apart, said_far_from
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


# 000 L650-658: the passage writes the name run together, "Danwang’s book"
BREAKNECK = _span("000", 46392, 46634)


def test_a_name_the_passage_writes_run_together_is_named() -> None:
    # the 1.5B's first reply to "What does Dan Wang's book say about lawyers and
    # engineers?" (fortieth round): right, but refused for "the passages do not name Dan,
    # Wang" and then answered "not found"
    said = "Dan Wang's book says that America is run by lawyers."
    assert unsupported(said, [BREAKNECK], STRICT) is None
    assert unsupported("Deep Seek trained on H800s.", ["DeepSeek trained on H800s."]) is None
    # another name is still not named there, nor a name's words the passage lacks
    assert unsupported("Dan Chen's book says that America is run by lawyers.", [BREAKNECK]) == (
        "the passages do not name Dan, Chen"
    )
    assert unsupported("Wang Dan's book says that America is run by lawyers.", [BREAKNECK]) == (
        "the passages do not name Wang, Dan"
    )


# 003 L136-156: the host says he once talked with Kai-Fu Lee, who called Zuckerberg "the most
# Chinese" of American CEOs; some 250 words on, he says Zuckerberg said in an earnings call
# "we're going to have a one billion people serving AI agent"
ZUCKERBERG = _span("003", 12298, 14198)
ASKED = "What did Kai-Fu Lee say about Mark Zuckerberg, and which AI startup is he behind?"


def test_a_claim_lent_to_a_person_the_passage_names_elsewhere_is_not_printed() -> None:
    # the 1.5B's answer to dev q58 (fortieth round): refused before only because "We're"
    # counted as a name
    lent = (
        "Kai-Fu Lee said that Mark Zuckerberg is the only one so far out of the American big "
        "tech that actually openly said, 'We're going to have a one billion people serving AI "
        "agent,' right?"
    )
    assert said_far_from(lent, [ZUCKERBERG], ASKED, NAMES_WITHIN_WORDS) == "Kai-Fu Lee"
    assert unsupported(lent, [ZUCKERBERG], STRICT, ASKED) == (
        "they write what it says Kai-Fu Lee said, but not near Kai-Fu Lee"
    )
    # what he did say, next to his name, passes; so does a claim no name is said to hold
    said = "Kai-Fu Lee called Mark Zuckerberg the most Chinese of all American CEOs."
    assert said_far_from(said, [ZUCKERBERG], ASKED, NAMES_WITHIN_WORDS) is None
    assert unsupported(said, [ZUCKERBERG], STRICT, ASKED) is None
    plain = "Zuckerberg said he is going to have a one billion people serving AI agent."
    assert said_far_from(plain, [ZUCKERBERG], ASKED, NAMES_WITHIN_WORDS) is None
    assert unsupported(lent, [ZUCKERBERG], LENIENT, ASKED) is None
    by = "According to Kai-Fu Lee, Zuckerberg will have a one billion people serving AI agent."
    assert said_far_from(by, [ZUCKERBERG], ASKED, NAMES_WITHIN_WORDS) == "Kai-Fu Lee"
