"""An answer about a meeting whose transcript labels its speakers: a statement the model
opens with a speaker label ("Eluned Morgan AM: In relation to teaching, ...", as the 1.5B
answered QMSum's education_18 questions) is printed as what that speaker said, quoted
when it is their own words (``pipeline.ask.printed``), and is not printed when the claim
is another speaker's (``name_places.said_in_other_turns``). The transcript is made up,
in the shape of a committee's."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ScriptedClient, processed

from pipeline.ask.answer import answer_question
from pipeline.ask.answer_checks import unsupported
from pipeline.ask.corpus import open_corpus
from pipeline.ask.name_places import said_in_other_turns, speaker_label, turns_of
from pipeline.ask.printed import printed, said_by
from pipeline.stages.policy import LENIENT, STRICT

MEETING = (
    "Chair Jones: Thank you all for coming. The first questions are from Ann Smith.\n"
    "Ann Smith: Thank you, Chair. Are the colleges recruiting enough teachers into the "
    "priority places this year?\n"
    "Minister Price: Thank you, Ann. Over recent years we have only recruited to about 65 "
    "per cent of those targets, so there is still work to do. We have raised the financial "
    "incentives for priority subjects to twenty thousand pounds a year.\n"
    "Ann Smith: Is money the whole answer? In England the bursaries are larger and yet "
    "applications keep falling short.\n"
    "Minister Price: The research shows that money alone will not get people onto "
    "these courses, which is why we set up an advisory group on recruitment.\n"
    "Chair Jones: Thank you. We'll move on to university mergers.\n"
)
OWN_WORDS = (
    "Minister Price: Over recent years we have only recruited to about 65 per cent of those "
    "targets, so there is still work to do."
)
QUESTION = "What did Minister Price say about teacher recruitment?"


def test_a_statement_in_a_speakers_own_words_is_printed_as_their_quote() -> None:
    assert printed(OWN_WORDS, [MEETING], whole_sentences=True) == (
        "Minister Price said: “Over recent years we have only recruited to about 65 per cent "
        "of those targets, so there is still work to do.”"
    )
    # the clause the model copied, widened to its sentence, which opens with the label
    copied = "money alone will not get people onto these courses"
    assert printed(copied, [MEETING], whole_sentences=True) == (
        "Minister Price said: “The research shows that money alone will not get people onto "
        "these courses, which is why we set up an advisory group on recruitment.”"
    )
    assert printed(copied, [MEETING], whole_sentences=False) == (
        "Money alone will not get people onto these courses."
    )


def test_a_statement_in_other_words_is_reported_without_quotes() -> None:
    reported = "Minister Price: Um, money alone will not bring people onto the courses."
    assert said_by(reported, [MEETING]) == (
        "Minister Price said: Money alone will not bring people onto the courses."
    )
    # a label the passage does not open a line with is no speaker; nor is a statement's
    # own colon
    assert said_by("Minister Smith: money alone will not do it.", [MEETING]) is None
    assert said_by("In short: money alone will not do it.", [MEETING]) is None
    assert printed("In short: money alone will not do it.", [MEETING], True) == (
        "In short: money alone will not do it."
    )


def test_a_label_with_brackets_and_commas_is_a_speaker() -> None:
    # QMSum's covid_6 (a House of Commons committee) labels its speakers so
    chair = "The Chair (Hon. Anthony Rota (Nipissing—Timiskaming, Lib.))"
    passage = f"{chair}: Order, please.\nMr. Ed Fast (Abbotsford, CPC): Thank you.\n"
    assert speaker_label(f"{chair}: Order, please.", [passage]) == (chair, "Order, please.")
    assert turns_of(chair, passage) == f"{chair}: Order, please.\n"
    assert said_by(f"{chair}: Order, please.", [passage]) == f"{chair} said: “Order, please.”"
    # a colon inside brackets ends no label: seed 002's comment, which the fortieth round
    # printed as 'The recent TV drama 赤热 (English title said: “Silicon Wave, ...'
    comment = (
        "The recent TV drama 赤热 (English title: Silicon Wave, available with subtitles on "
        "youtube) shows the whole China nationalist tech narrative in vivid relief."
    )
    assert speaker_label(comment, [comment]) is None
    assert printed(comment, [comment], whole_sentences=True) == comment


def test_a_speakers_turns_run_to_the_next_label() -> None:
    turns = turns_of("Ann Smith", MEETING)
    assert turns.startswith("Ann Smith: Thank you, Chair.") and "falling short" in turns
    assert "65 per cent" not in turns and "Chair Jones" not in turns
    assert speaker_label(OWN_WORDS, [MEETING]) == ("Minister Price", OWN_WORDS[16:])


def test_a_claim_given_to_a_speaker_who_did_not_make_it_is_not_printed() -> None:
    lent = "Minister Price: In England the bursaries are larger, yet applications fall short."
    assert said_in_other_turns(lent, [MEETING], QUESTION) == "Minister Price"
    assert unsupported(lent, [MEETING], STRICT, QUESTION) == (
        "they write what it gives to Minister Price, but not in Minister Price's turns"
    )
    assert unsupported(lent, [MEETING], LENIENT, QUESTION) is None  # a habit patch
    own = "Ann Smith: In England the bursaries are larger, yet applications fall short."
    assert said_in_other_turns(own, [MEETING], QUESTION) is None
    assert said_in_other_turns(OWN_WORDS, [MEETING], QUESTION) is None
    assert unsupported(OWN_WORDS, [MEETING], STRICT, QUESTION) is None


@pytest.fixture
def meeting_out(tmp_path: Path) -> Path:
    path = tmp_path / "committee.txt"
    path.write_text(MEETING, encoding="utf-8")
    return processed(tmp_path / "out", [path])


def test_ask_prints_what_the_speaker_said(meeting_out: Path, scripted: ScriptedClient) -> None:
    corpus, _ = open_corpus(meeting_out)
    scripted.enqueue({"answerable": True, "statements": [{"text": OWN_WORDS, "passages": [1]}]})
    answer = answer_question(QUESTION, corpus.index, corpus.texts, scripted, k=5)
    assert answer.answered and answer.answer.startswith("Minister Price said: “Over recent")
    # another speaker's words given to the minister: re-asked once, then refused
    lent = {
        "answerable": True,
        "statements": [
            {
                "text": "Minister Price: In England the bursaries are larger and yet "
                "applications keep falling short.",
                "passages": [1],
            }
        ],
    }
    scripted.enqueue(lent, lent)
    refused = answer_question(
        "What did Minister Price say about England?", corpus.index, corpus.texts, scripted, k=5
    )
    assert not refused.answered and "not in Minister Price's turns" in (refused.reason or "")
