"""A printed point that opens on a bare pronoun, after the sentence before it that says who.

Read alone in a brief, "It worked with SMIC Fab in China to produce a chip that surprised
observers last year at a smartphone chip." does not say what "it" is; the transcript's
sentence before it does ("I think Huawei is really the main hope for Chinese chips.").
The picker offers such points last (``points.opens_with_pronoun``), but a short source
or a cross-source theme still prints them: 17 of the seeds' printed points opened on
"It", "They", "He" or "She" ("He said there's 600 million people using their AI
assistant ..." of Yann LeCun, named the sentence before).

A point printed in a source brief (a key fact, a theme's point) or a statement listed
under a cross-source theme (``cross_statements.statements_of``) that opens so is printed
after the sentence before its passage, and its passage starts there, when that
sentence (``Referents.before``) is in the same turn of the same speaker, ends where the
point's passage begins (nothing but space between), has at most ``REFERENT_WORDS``
words, does not say the pronoun itself, and names someone or something the point does
not (``text.name_words``, its first word aside). Else the point stays as it is: a
sentence before that names nobody ("And so this allows them to just go way faster ...",
before 001's "They from that prestige aspect ...") would not say who either. No model
is asked; the point's own words are kept.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import TypeVar

from pipeline.inputs.chunking import sentence_pieces
from pipeline.models import Attributed, Cited, Passage, Transcript, column_at
from pipeline.stages.points import opening_pronoun, opens_with_pronoun
from pipeline.stages.spoken import as_written
from pipeline.text import WORD, ended, name_words, word_count

REFERENT_WORDS = 30  # a longer sentence before buries the point it introduces


def _after_first_word(text: str) -> str:
    """``text`` without its first word: a capital there opens the sentence ("Foolish ...")
    and says no name (a name that opens it, "Huawei is ...", is lost: no sentence is
    put before a point that the sentence may not say who it is about)."""
    return text.strip().partition(" ")[2]


class Referents:
    """Each source's sentences, as the chunker cuts them (``sentence_pieces``), and its
    file's text, to find and slice the sentence before a passage."""

    def __init__(self, transcripts: Sequence[Transcript], texts: Mapping[str, str]) -> None:
        self._texts = dict(texts)
        self._sentences = {
            t.source_id: sentence_pieces(t) for t in transcripts if t.source_id in texts
        }
        self._starts = {sid: [s.start for s in ss] for sid, ss in self._sentences.items()}

    def before(self, text: str, passage: Passage) -> tuple[str, Passage] | None:
        """The sentence before ``passage`` as the chunker reads it (a bulleted line's
        marker aside), and the passage from its start to the end of ``passage``, when
        that sentence says who the point ``text`` (opening on a bare pronoun) is about;
        else None."""
        sentences = self._sentences.get(passage.source_id)
        source = self._texts.get(passage.source_id)
        if not sentences or source is None or not opens_with_pronoun(text):
            return None
        at = bisect_left(self._starts[passage.source_id], passage.char_start)
        if at == 0 or at >= len(sentences) or sentences[at].start != passage.char_start:
            return None
        own, prior = sentences[at], sentences[at - 1]
        pronoun = opening_pronoun(as_written(own.text))
        if (
            prior.turn != own.turn
            or source[prior.end : own.start].strip()
            or not pronoun
            or opens_with_pronoun(as_written(prior.text))
            or word_count(prior.text) > REFERENT_WORDS
            or pronoun in WORD.findall(prior.text.lower())
            or not name_words(_after_first_word(prior.text)) - name_words(text)
        ):
            return None
        return prior.text, Passage(
            source_id=passage.source_id,
            char_start=prior.start,
            char_end=passage.char_end,
            line_start=prior.line_start,
            line_end=passage.line_end,
            column=column_at(source, prior.start),
            timestamp=prior.timestamp or passage.timestamp,
            text=source[prior.start : passage.char_end],
        )

    def joined(self, text: str, passages: Sequence[Passage]) -> tuple[str, list[Passage]]:
        """``text`` after the sentence that says who it is about, and ``passages`` with
        the first starting there (``before``); else both as they are."""
        found = self.before(text, passages[0]) if passages else None
        if found is None:
            return text, list(passages)
        prior, widened = found
        return f"{ended(as_written(prior))} {text}", [widened, *passages[1:]]


# what a brief prints with its passages: a source brief's point, a cross-source listing
_Printed = TypeVar("_Printed", Cited, Attributed)


def cited_with_referents(points: Sequence[_Printed], referents: Referents) -> list[_Printed]:
    """Printed ``points`` (a source brief's, or the statements listed under a cross-source
    theme), each that opens on a bare pronoun after the sentence that says who
    (``Referents.joined``)."""
    out = []
    for point in points:
        text, citations = referents.joined(point.text, point.citations)
        out.append(point.model_copy(update={"text": text, "citations": citations}))
    return out
