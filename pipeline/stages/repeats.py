"""Catch a small model's copy-paste.

A 0.5B model asked for several themes often writes the same summary under every title,
or copies the overview into each statement. Repeats add nothing for a reader, so the
stages drop them or rebuild the text from the statement's own evidence. Two texts count
as the same when their first ``PREFIX`` letters and digits (lower-cased, punctuation and
spacing ignored) match: a copy cut off at a different length is still a copy. That prefix
rule patches a small model's habit, so its length comes from the model policy
(``ModelPolicy.repeat_prefix``; 0 compares whole texts).
"""

from __future__ import annotations

import re
from collections.abc import Hashable

from pipeline.text import WORD, sentences_of

PREFIX = 60
MIN_CUT_SHORT = 15  # a shorter sentence may start an earlier one by chance ("Yes.")
RUN_WORDS = 8  # a stretch of this many words or more said twice in a row is said once
_NON_WORD = re.compile(r"[\W_]+")


def _normal(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower()).strip()


def text_key(text: str, prefix: int = PREFIX) -> str:
    normal = _normal(text)
    return normal[:prefix] if prefix else normal


class Repeats:
    """Remembers what was said; ``is_new`` says whether a text (or key) is said for the
    first time, and remembers it."""

    def __init__(self, *already_said: str, prefix: int = PREFIX) -> None:
        self.prefix = prefix
        self._seen: set[Hashable] = {text_key(t, prefix) for t in already_said if t.strip()}

    def is_new(self, text: str) -> bool:
        return self.is_new_key(text_key(text, self.prefix))

    def is_new_key(self, key: Hashable) -> bool:
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def new_or_rebuilt(self, text: str, rebuilt: str) -> str | None:
        """``text`` without its repeated sentences if that is new; else ``rebuilt`` (the
        statement told from its own evidence) if that is new; else None: drop it."""
        text = without_repeated_sentences(text, self.prefix)
        if self.is_new(text):
            return text
        return rebuilt if self.is_new(rebuilt) else None


def without_repeated_sentences(text: str, prefix: int = PREFIX) -> str:
    """``text`` without the sentences that repeat an earlier one of it: a looping model
    writes the same sentence twice, the second time often cut short, so a sentence that
    is the start of an earlier one is a repeat too; so is a stretch said twice in a row
    (``without_repeated_runs``)."""
    kept: list[str] = []
    earlier: list[str] = []
    for sentence in sentences_of(without_repeated_runs(text)):
        key = _normal(sentence)
        if any(
            text_key(key, prefix) == text_key(e, prefix)
            or (prefix and len(key) >= MIN_CUT_SHORT and e.startswith(key))
            for e in earlier
        ):
            continue
        earlier.append(key)
        kept.append(sentence)
    return " ".join(kept)


def without_repeated_runs(text: str, min_words: int = RUN_WORDS) -> str:
    """``text`` with a stretch of ``min_words`` words or more that comes twice in a row
    said once: the first copy's end runs on into what follows the second. Two map points
    of source 003 overlapped (one ran on into the clause the next one starts at), and
    the theme summary the 1.5B wrote from them said "... all of this laid the foundation.
    mega legitimate companies would just use pirated like word and Excel whatever all of
    this laid the foundation to now where ..." (the stretch twice). Sentences that only
    repeat an earlier one are ``without_repeated_sentences``'s."""
    while True:
        words = list(WORD.finditer(text))
        said = [w.group().lower() for w in words]
        run = next(
            (
                (i, n)
                for n in range(min_words, len(said) // 2 + 1)
                for i in range(len(said) - 2 * n + 1)
                if said[i] == said[i + n] and said[i : i + n] == said[i + n : i + 2 * n]
            ),
            None,
        )
        if run is None:
            return text
        i, n = run
        text = text[: words[i + n - 1].end()] + text[words[i + 2 * n - 1].end() :]
