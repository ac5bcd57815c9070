"""A printed point that opens on a bare pronoun, after the sentence before it that says who.

Read alone in a brief, "It worked with SMIC Fab in China to produce a chip that surprised
observers last year at a smartphone chip." does not say what "it" is; the transcript's
sentence before it does ("I think Huawei is really the main hope for Chinese chips.").
The picker offers such points last (``points.reads_broken``), but a short source
or a cross-source theme still prints them: 17 of the seeds' printed points opened on
"It", "They", "He" or "She" ("He said there's 600 million people using their AI
assistant ..." of Yann LeCun, named the sentence before).

A point printed in a source brief (a key fact, a theme's point) or a statement listed
under a cross-source theme (``cross_statements.statements_of``) that opens so is printed
after the sentence before its passage, and its passage starts there, when that
sentence (``Referents.before``) is in the same turn of the same speaker, ends where the
point's passage begins (nothing but space between), has at most ``REFERENT_WORDS``
words, does not say the pronoun itself (a personal one: "that" is most often a
conjunction there), and names someone or something the point does not
(``text.name_words``, its first word aside). "That" or "this" as the subject of its verb
is such a pronoun too: 003's "So that was designed to circumvent the chip bands in 2022,
I believe." is printed after "Deep Sea trained on the H800s?". Else the point stays as it is: a
sentence before that names nobody ("And so this allows them to just go way faster ...",
before 001's "They from that prestige aspect ...") would not say who either. No model
is asked; the point's own words are kept.

A summary or an overview can copy such a sentence too: 004's theme "AI and Chinese AI"
read "The Blackwell architecture was announced by Nvidia today ... It worked with SMIC
Fab in China ...", where "it" reads as Nvidia. A sentence of a summary that is its
passage's own first sentence (``Referents.own_sentence``: most of its words are that
sentence's) and opens so gets the sentence before it, by the same rules, as a sentence of
its own cited there, unless the summary's sentence before it names that already
(``Referents.summary_joined``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import TypeVar

from pipeline.inputs.chunking import sentence_pieces
from pipeline.models import Attributed, Cited, Passage, Transcript, column_at
from pipeline.stages.points import PERSONAL_PRONOUNS, content, opening_pronoun, opens_with_pronoun
from pipeline.stages.spoken import as_written
from pipeline.text import WORD, cited_sentences, ended, name_words, share_in, word_count

REFERENT_WORDS = 30  # a longer sentence before buries the point it introduces
# a summary's sentence is its passage's own first sentence when this share of its content
# words are that sentence's (the 1.5B copies one, its speech fillers left out)
OWN_SENTENCE = 0.8


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

    def _at(self, passage: Passage) -> int | None:
        """The position of the sentence ``passage`` starts with in its source's sentences,
        when one starts there and a sentence comes before it."""
        starts = self._starts.get(passage.source_id)
        if not starts or passage.source_id not in self._texts:
            return None
        at = bisect_left(starts, passage.char_start)
        if at == 0 or at >= len(starts) or starts[at] != passage.char_start:
            return None
        return at

    def own_sentence(self, text: str, passage: Passage) -> bool:
        """Whether ``text`` (a summary's sentence) is the first sentence of ``passage`` as
        written: ``OWN_SENTENCE`` of its content words are that sentence's."""
        at = self._at(passage)
        if at is None:
            return False
        own = as_written(self._sentences[passage.source_id][at].text)
        return share_in(content(text), content(own)) >= OWN_SENTENCE

    def _slice(self, passage: Passage, start: int, end: int, timestamp: str | None) -> Passage:
        """The passage of ``passage``'s source from ``start`` to ``end``."""
        source = self._texts[passage.source_id]
        return Passage(
            source_id=passage.source_id,
            char_start=start,
            char_end=end,
            line_start=source.count("\n", 0, start) + 1,
            line_end=source.count("\n", 0, end) + 1,
            column=column_at(source, start),
            timestamp=timestamp or passage.timestamp,
            text=source[start:end],
        )

    def before(self, text: str, passage: Passage) -> tuple[str, Passage] | None:
        """The sentence before ``passage`` as the chunker reads it (a bulleted line's
        marker aside), and its own passage, when that sentence says who the point
        ``text`` (opening on a bare pronoun) is about; else None."""
        at = self._at(passage) if opens_with_pronoun(text) else None
        if at is None:
            return None
        sentences, source = self._sentences[passage.source_id], self._texts[passage.source_id]
        own, prior = sentences[at], sentences[at - 1]
        pronoun = opening_pronoun(as_written(own.text))
        if (
            prior.turn != own.turn
            or source[prior.end : own.start].strip()
            or not pronoun
            or opens_with_pronoun(as_written(prior.text))
            or word_count(prior.text) > REFERENT_WORDS
            or (pronoun in PERSONAL_PRONOUNS and pronoun in WORD.findall(prior.text.lower()))
            or not name_words(_after_first_word(prior.text)) - name_words(text)
        ):
            return None
        return prior.text, self._slice(passage, prior.start, prior.end, prior.timestamp)

    def introduces(self, prior: Sequence[Passage], text: str, passages: Sequence[Passage]) -> bool:
        """Whether a summary's sentence cited on ``prior`` is the sentence that
        ``summary_joined`` put before the next one (``text``, cited on ``passages``): the
        transcript's sentence right before that one's passage, and only that."""
        at = self._at(passages[0]) if passages and opens_with_pronoun(text) else None
        if at is None or len(prior) != 1:
            return False
        before = self._sentences[passages[0].source_id][at - 1]
        return (
            prior[0].source_id == passages[0].source_id
            and prior[0].char_start == before.start
            and not self._texts[passages[0].source_id][
                prior[0].char_end : passages[0].char_start
            ].strip()
        )

    def joined(self, text: str, passages: Sequence[Passage]) -> tuple[str, list[Passage]]:
        """``text`` after the sentence that says who it is about, and ``passages`` with
        the first starting there (``before``); else both as they are."""
        found = self.before(text, passages[0]) if passages else None
        if found is None:
            return text, list(passages)
        prior, said = found
        widened = self._slice(passages[0], said.char_start, passages[0].char_end, said.timestamp)
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


def summary_joined(
    text: str, citations: Sequence[Sequence[Passage]], referents: Referents
) -> tuple[str, list[list[Passage]]]:
    """A summary or an overview (``text``; ``citations``: its sentences') with each
    sentence that is its passage's own first sentence (``Referents.own_sentence``) and
    opens on a bare pronoun after the sentence before it that says who
    (``Referents.before``), as a sentence of its own cited on its own passage, unless the
    summary's sentence before it names that already. As it is when sentences and
    citations do not match one to one."""
    pairs = cited_sentences(text, citations)
    if not pairs:
        return text, [list(c) for c in citations]
    said: list[str] = []
    cited: list[list[Passage]] = []
    for sentence, passages in pairs:
        first = passages[0] if passages else None
        found = None
        if first is not None and referents.own_sentence(sentence, first):
            found = referents.before(sentence, first)
        if found is not None:
            prior, passage = found
            earlier = name_words(said[-1]) if said else set()
            if name_words(_after_first_word(prior)) - name_words(sentence) - earlier:
                said.append(ended(as_written(prior)))
                cited.append([passage])
        said.append(sentence)
        cited.append(list(passages))
    return " ".join(said), cited
