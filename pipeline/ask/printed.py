"""How a checked statement of an answer is printed.

The checks judge the statement as the model wrote it; the reader gets it as a sentence
of written prose:

- cut back to its last sentence end when the grammar ended it mid-word at its cap
  ("... big open US-L");
- widened to the whole sentence of a passage it was copied from part of
  (``answer_whole_sentence``, ``pipeline.whole_sentence``);
- opened with a transcript's speaker label as the 1.5B answers about a meeting
  ("Eluned Morgan AM: In relation to teaching, I think it's fair to say that we would
  wish to see pay equality ..."), printed as what that speaker said: the label's words
  quoted when they are the passage's own in that speaker's turns ("Eluned Morgan AM said: “In
  relation to teaching, ...”"), else reported without quotes (``said_by``), since an
  answer line that reads as a transcript line reads as a quote;
- without the speakers' fillers (``spoken.in_writing``: "And he said there's 600 million
  people ..." prints "He said there's ..."), except inside such a quote.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.ask.answer_reply import STATEMENT_CHARS
from pipeline.ask.name_places import speaker_label, turns_of
from pipeline.stages.negation import negated_lead, words
from pipeline.stages.spoken import in_writing
from pipeline.text import cut_back, flattened, stems
from pipeline.whole_sentence import folded, whole_sentence


def said_by(statement: str, passages: Sequence[str]) -> str | None:
    """A statement that opens with a speaker label of its passages, as what that speaker
    said: quoted when the label's words are a passage's own in that speaker's turns
    (``name_places.turns_of``), else reported; None when it opens with no such label."""
    labelled = speaker_label(statement, passages)
    if labelled is None:
        return None
    label, words = labelled
    words = folded(words)
    if any(words in folded(turns_of(label, p)) for p in passages):
        return f"{label} said: “{words}”"
    return f"{label} said: {in_writing(words)}"


def printed(statement: str, passages: Sequence[str], whole_sentences: bool) -> str:
    """``statement`` as printed under the answer; ``passages``: the texts it cites."""
    text = cut_back(statement, STATEMENT_CHARS).strip()
    if whole_sentences:  # checked as it was, printed as its sentence
        text = whole_sentence(text, passages)
    return said_by(text, passages) or in_writing(text)


def printed_answer(answer: str, sentence: str) -> str:
    """The answer, then its sentence quoted ("Cuda: “... choke point is in Cuda ...”");
    the sentence alone when the answer is most of it (the model copied it) or is cut
    from after a negation (``negated_in``). Both as a reader sees them
    (``text.flattened``: without a bulleted transcript's line markers, "... comes out of
    * Alibaba")."""
    answer, sentence = flattened(answer).strip(" ."), flattened(sentence)
    copied = len(stems(answer) & stems(sentence)) * 2 > len(stems(sentence))
    if copied or negated_in(answer, sentence):
        return f"“{sentence}”"
    return f"{answer}: “{sentence}”"


NEGATED_WITHIN = 3  # a negation among the last words before a clause: "I don't think"


def negated_in(answer: str, sentence: str) -> bool:
    """Whether ``answer`` is the sentence's own words right after a negation: the clause
    it copied says the opposite of the sentence. Asked "What did Grace Shao say about
    Manus?", the 1.5B answered "Manus has disrupted anything we already believe in" from
    "I don't think Manus has disrupted anything we already believe in, ..."."""
    at = sentence.lower().find(answer.lower())
    return at > 0 and negated_lead(words(sentence[:at])[-NEGATED_WITHIN:])


def given_in(printed_text: str) -> str:
    """What a ``printed_answer`` gives: its answer before the quoted sentence, or the
    sentence when printed alone."""
    if ": “" in printed_text:
        return printed_text.split(": “", 1)[0]
    return printed_text.strip("“”")
