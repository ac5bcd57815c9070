"""What looking up a misheard name costs `brief ask` (``pipeline.ask.spelling``).

A name in the question that the corpus never writes is searched as the corpus's nearest
spellings of it (``NearSpellings.nearest`` over the search index's vocabulary). This
times that lookup over vocabularies of real English words (``wordfreq``'s most frequent
words: a corpus of 1,000 real transcripts has tens of thousands of distinct words), for
100 names made by changing one inner letter of a rare word of the vocabulary, so that
every lookup has a near spelling to find. The first lookup also groups the vocabulary; it is
timed on its own. No model.

    .venv/bin/python bench/near_spellings.py [--sizes 50000,200000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from wordfreq import top_n_list, zipf_frequency

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.ask.spelling import RARE_ZIPF, NearSpellings  # noqa: E402


def misheard(vocabulary: list[str], count: int, seed: int = 5) -> list[str]:
    """``count`` rare words of the vocabulary (names are rare; a common word is not taken
    for a misheard name), each with one inner letter changed."""
    rng = random.Random(seed)
    rare = [
        w for w in vocabulary if len(w) >= 6 and w.isalpha() and zipf_frequency(w, "en") < RARE_ZIPF
    ]
    words = rng.sample(rare, count)
    names = []
    for word in words:
        at = rng.randrange(1, len(word) - 1)
        names.append(word[:at] + ("q" if word[at] != "q" else "x") + word[at + 1 :])
    return names


def measure(size: int, count: int) -> dict[str, float]:
    vocabulary = top_n_list("en", size)
    near = NearSpellings(vocabulary)
    mark = time.perf_counter()
    near.nearest("qqqqqq")  # groups the vocabulary
    first_ms = (time.perf_counter() - mark) * 1000
    times, found = [], 0
    for name in misheard(vocabulary, count):
        mark = time.perf_counter()
        found += bool(near.nearest(name))
        times.append((time.perf_counter() - mark) * 1000)
    times.sort()
    return {
        "size": size,
        "first_ms": first_ms,
        "median_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "max_ms": times[-1],
        "found": found,
        "count": count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50000,200000")
    parser.add_argument("--names", type=int, default=100)
    args = parser.parse_args()
    print("| vocabulary words | first lookup ms | lookup ms median / p95 / max | found |")
    print("|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        r = measure(size, args.names)
        print(
            f"| {r['size']:,} | {r['first_ms']:.1f} "
            f"| {r['median_ms']:.1f} / {r['p95_ms']:.1f} / {r['max_ms']:.1f} "
            f"| {r['found']} of {r['count']} |"
        )


if __name__ == "__main__":
    main()
