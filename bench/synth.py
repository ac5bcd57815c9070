"""Synthetic transcripts for the benchmarks that need volume, not meaning.

Deterministic (seeded): ``write_corpus(folder, n)`` writes ``n`` transcripts of about
10 KB in the speaker-turn format (``**Name** (m:ss): text``), with a Zipf-distributed
vocabulary of pseudo-words so that the retrieval index sees a realistic term spread.
"""

from __future__ import annotations

import random
from pathlib import Path

SYLLABLES = "ka lo mi ra te su vo ne pa di ro ta fe lu mo si na be ko ze ri tu go ma".split()
SPEAKERS = ["Ada", "Ben", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana"]
TARGET_BYTES = 10_000


def vocabulary(size: int = 6000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))] = None
    return list(words)


_VOCAB = vocabulary()
_WEIGHTS = [1.0 / rank for rank in range(1, len(_VOCAB) + 1)]


def transcript(index: int, target_bytes: int = TARGET_BYTES) -> str:
    rng = random.Random(index)
    people = rng.sample(SPEAKERS, 2)
    lines, size, seconds = [], 0, 0
    while size < target_bytes:
        sentences = []
        for _ in range(rng.randint(2, 5)):
            words = rng.choices(_VOCAB, _WEIGHTS, k=rng.randint(8, 22))
            sentences.append(" ".join(words).capitalize() + rng.choice(".?."))
        line = f"**{people[len(lines) % 2]}** ({seconds // 60}:{seconds % 60:02d}): " + " ".join(
            sentences
        )
        lines.append(line)
        size += len(line) + 1
        seconds += rng.randint(10, 60)
    return "\n".join(lines) + "\n"


def write_corpus(folder: Path, count: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(start, start + count):
        path = folder / f"{index:05d}_synthetic.txt"
        path.write_text(transcript(index), encoding="utf-8")
        paths.append(path)
    return paths


def query_words(count: int, seed: int = 11) -> list[str]:
    """Questions made of mid-frequency words (what a user would search for)."""
    rng = random.Random(seed)
    middle = _VOCAB[50:2000]
    return [" ".join(rng.sample(middle, 4)) + "?" for _ in range(count)]
