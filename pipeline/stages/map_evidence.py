"""Where a map point's evidence is: the exact spans of the sentences that state it.

A map point cites the chunk's sentence it was asked about (``ground``: or, under the
strict policy, the sentence it states instead), widened to the sentences next to it that
hold the names it says (``with_its_names``), and sliced verbatim from the source file as
one passage per run of consecutive sentences (``passages_for``).
"""

from __future__ import annotations

from pipeline.models import Chunk, Passage, Sentence, column_at
from pipeline.stages.policy import STRICT, ModelPolicy
from pipeline.text import name_words, stems


def passages_for(source_text: str, source_id: str, sentences: list[Sentence]) -> list[Passage]:
    """One passage per run of consecutive sentences, sliced verbatim from the source."""
    ordered = sorted(sentences, key=lambda s: s.id)
    runs: list[list[Sentence]] = []
    for sentence in ordered:
        if runs and sentence.id == runs[-1][-1].id + 1:
            runs[-1].append(sentence)
        else:
            runs.append([sentence])
    passages = []
    for run in runs:
        start, end = run[0].char_start, max(s.char_end for s in run)
        passages.append(
            Passage(
                source_id=source_id,
                char_start=start,
                char_end=end,
                line_start=run[0].line_start,
                line_end=max(s.line_end for s in run),
                column=column_at(source_text, start),
                timestamp=run[0].timestamp,
                text=source_text[start:end],
            )
        )
    return passages


GROUNDED_WORDS = 2  # stemmed content words a point shares with the sentence it cites


def shared_words(words: set[str], sentence: Sentence) -> int:
    """How many of ``words`` (a statement's stemmed content words) ``sentence`` has."""
    return len(words & stems(sentence.text))


def ground(statement: str, cited: Sentence, chunk: Chunk, policy: ModelPolicy = STRICT) -> Sentence:
    """The sentence a point's evidence is: the numbered sentence it was asked for. A small
    model sometimes states another sentence of the chunk instead: when the numbered one
    shares fewer than ``GROUNDED_WORDS`` content words with the point, the strict policy
    cites the chunk's best-matching sentence (when it shares that many; the 1.5B wrote
    003's "LLM development by far for a long time until Deep Sea made a breakthrough,
    right?" word for word for the sentence numbered before it)."""
    words = stems(statement)
    shared = shared_words(words, cited)
    if shared >= GROUNDED_WORDS or not policy.replace_habitual_citation:
        return cited
    best = max(chunk.sentences, key=lambda s: shared_words(words, s))
    return best if shared_words(words, best) >= max(GROUNDED_WORDS, shared + 1) else cited


NAMES_NEAR = 2  # sentences on either side of its own where a point's names are looked for


def with_its_names(statement: str, cited: Sentence, chunk: Chunk) -> list[Sentence]:
    """The sentences a point's evidence spans: the one it cites and, when the point says a
    name that sentence does not hold, the fewest sentences next to it (``NAMES_NEAR`` on
    either side at most) that hold the most of those names. A transcript's sentence runs
    on over lines the chunker splits ("... although it feels like a very sort of" |
    "Bay Area ..."), and a point names who is meant a line later ("10 years ago ... China's
    startup hub ... Xinjiang" | "Now it's actually up there in Hongzhou."): cited on its
    own sentence alone, the passage did not show what the point says. Names the chunk
    does not hold nearby stay unshown (the model took them from further away)."""
    speakers = " ".join(filter(None, (s.speaker for s in chunk.sentences)))
    missing = name_words(statement) - stems(cited.text) - stems(speakers)
    at = next((n for n, s in enumerate(chunk.sentences) if s.id == cited.id), None)
    if not missing or at is None:
        return [cited]
    best, best_held = [cited], 0
    # (sentences before, after): the fewest first, and of as many, those after first
    spans = [(b, a) for b in range(NAMES_NEAR + 1) for a in range(NAMES_NEAR + 1) if a or b]
    for before, after in sorted(spans, key=sum):
        window = chunk.sentences[max(0, at - before) : at + after + 1]
        held = len(missing & stems(" ".join(s.text for s in window)))
        if held > best_held:
            best, best_held = window, held
    return best
