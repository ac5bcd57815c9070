"""Retrieval units: windows over the source's sentences (no text left out of every
window), and the search mechanisms that rank them."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from conftest import line_passage

from pipeline.ask.answer import retrieve, with_second_question
from pipeline.ask.retrieval import Hit, IndexParams, SearchIndex, build_index, make_windows
from pipeline.inputs.chunking import chunk_transcript
from pipeline.model.llm import count_tokens
from pipeline.models import Chunk, Segment, Transcript
from pipeline.outputs.verify import passage_problem


def transcript(lines: list[tuple[str | None, str]]) -> tuple[Transcript, str]:
    """A transcript of ``(speaker, words)`` lines, rendered "Speaker: words"."""
    out, segments, offset = [], [], 0
    for n, (speaker, words) in enumerate(lines, start=1):
        prefix = f"{speaker}: " if speaker else ""
        line = prefix + words
        segments.append(
            Segment(
                text=words,
                char_start=offset + len(prefix),
                char_end=offset + len(line),
                line_start=n,
                line_end=n,
                speaker=speaker,
            )
        )
        out.append(line)
        offset += len(line) + 1
    text = "\n".join(out)
    return (
        Transcript(
            source_id="s1",
            path="s1.txt",
            format="txt",
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            segments=segments,
        ),
        text,
    )


def chunks_of(lines: list[tuple[str | None, str]]) -> tuple[list[Chunk], dict[str, str]]:
    source, text = transcript(lines)
    return chunk_transcript(source, chunk_tokens=900, overlap_tokens=60), {"s1": text}


def test_a_sentence_longer_than_a_window_is_covered_to_its_end() -> None:
    """A run-on sentence of thousands of tokens (one that ends with a full stop: a run
    without one, as of unpunctuated captions, the chunker cuts into parts): its windows
    must reach its last word (one cut window used to drop the rest of it)."""
    run = " ".join(f"word{n} and then" for n in range(400)) + " the drone parts in Shenzhen."
    chunks, texts = chunks_of([(None, "A short opening line."), (None, run), (None, "The end.")])
    params = IndexParams(window_tokens=200)
    assert max(count_tokens(s.text) for c in chunks for s in c.sentences) > 4 * 200
    windows = make_windows(chunks, texts, params)
    text = texts["s1"]
    covered = set()
    for window in windows:
        passage = window.passage
        assert passage_problem(passage.model_dump(), texts) is None
        assert count_tokens(passage.text) <= params.window_tokens
        covered |= set(range(passage.char_start, passage.char_end))
    assert all(n in covered for n, ch in enumerate(text) if not ch.isspace())
    assert any("drone parts in Shenzhen" in w.passage.text for w in windows)


TOPICS = [
    "The harbour freezes every winter and the ferries stop running.",
    "Our bakery sells rye bread made with a sourdough starter.",
    "Chip export controls slowed the training of large models.",
    "The football club signed a new goalkeeper from Lisbon.",
    "Rainfall in the valley doubled over the last decade.",
    "The museum opened a wing for medieval manuscripts.",
    "Train tickets between the two cities got cheaper this year.",
    "A startup in the city makes drones for farmers.",
]


def topic_index(params: IndexParams) -> SearchIndex:
    """Windows of one sentence each over eight unrelated topics, each said twice."""
    lines = [(None, t) for t in TOPICS + TOPICS]
    chunks, texts = chunks_of(lines)
    # one sentence a window, and no chunk score (one chunk holds them all)
    windows_params = params.model_copy(update={"window_sentences": 1, "chunk_weight": 0.0})
    return build_index(chunks, [], texts, windows_params)


@pytest.mark.parametrize("slots", [0, 1, 2])
def test_the_last_places_go_to_the_embedding_ranking_s_own_best(slots: int) -> None:
    """Fusion weighs BM25 first: a window that shares no word with the question but is
    the embedding model's best still gets one of the last ``dense_slots`` of five
    places, and the first places stay the fused ranking's."""
    index = topic_index(IndexParams(dense_slots=slots))
    question = "What did the speakers say about chip export controls, ferries and drones?"
    target = next(n for n, w in enumerate(index.windows) if w.passage.text.startswith("The museum"))
    dense = np.linspace(0.5, 0.1, len(index.windows)).astype(np.float32)
    dense[target] = 0.9  # the embedding model's best window, and BM25 has no word of it
    assert index.bm25_scores(question)[target] == 0
    plain = topic_index(IndexParams(dense_slots=0)).search(question, k=5, dense=dense)
    hits = index.search(question, k=5, dense=dense)
    starts = [h.passage.char_start for h in hits]
    assert len(set(starts)) == 5
    assert (index.windows[target].passage.char_start in starts) == (slots > 0)
    assert [h.passage.char_start for h in plain[: 5 - slots]] == starts[: 5 - slots]
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    # one ranking for every k: the top 5 of 10 are the top 5 (recall@5 is read off it)
    assert index.search(question, k=10, dense=dense)[:5] == hits


def test_no_embedding_ranking_no_reserved_places() -> None:
    index = topic_index(IndexParams(dense_slots=2))
    hits = index.search("chip export controls and drones", k=5)
    assert all(h.score > 0 for h in hits)  # only windows that match the words
    assert len(hits) == 4  # two sentences about chips, two about drones


def test_the_saved_search_index_is_the_same_bytes_whatever_the_hash_seed(tmp_path) -> None:
    """bm25s numbers its vocabulary in set order: without sorting, two runs of the same
    corpus wrote different index files (the committed outputs changed on every rerun)."""
    import subprocess
    import sys

    build = (
        "import sys; from pipeline.ask.retrieval.text import _bm25; "
        "_bm25(['DeepSeek trained R1 cheaply', 'Huawei builds Ascend chips', "
        "'export controls limit Nvidia chips', 'open source spreads fast']"
        ").save(sys.argv[1], allow_pickle=False)"
    )
    for seed in ("1", "2"):
        env = {"PYTHONHASHSEED": seed, "PATH": ""}
        subprocess.run([sys.executable, "-c", build, str(tmp_path / seed)], env=env, check=True)
    names = sorted(p.name for p in (tmp_path / "1").iterdir())
    assert names and names == sorted(p.name for p in (tmp_path / "2").iterdir())
    for name in names:
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def hits_at(lines: list[int]) -> list[Hit]:
    """Hits on one-line passages of source s1, ranked in the order given."""
    return [
        Hit(rank=n, score=1.0, passage=line_passage("s1", line, f"line {line}"), chunk_ids=[])
        for n, line in enumerate(lines, start=1)
    ]


def test_a_second_question_joined_to_the_first_gets_the_fifth_place() -> None:
    """Ranked for the whole question, one part's passages can fill all five places: the
    second question's best passage that overlaps none before it takes the fifth, the
    first four stay the whole question's, and the top five of ten are the top five."""
    whole, second = hits_at(list(range(1, 11))), hits_at([3, 20, 21])
    merged = with_second_question(whole, second)
    assert [h.passage.line_start for h in merged] == [1, 2, 3, 4, 20, 5, 6, 7, 8, 9]
    assert [h.rank for h in merged] == list(range(1, 11))
    assert with_second_question(whole[:5], second) == merged[:5]


class SpyIndex:
    """Records what is searched; every search finds the same ten passages."""

    vectors = None

    def __init__(self) -> None:
        self.searched: list[str] = []

    def search(self, query: str, k: int = 5, **_: object) -> list[Hit]:
        self.searched.append(query)
        return hits_at(list(range(1, k + 1)) if len(self.searched) == 1 else [30])


def test_only_a_question_joined_to_another_searches_for_its_second_alone() -> None:
    index = SpyIndex()
    question = "What is Alibaba's model called, and how did it rank?"
    hits, _ = retrieve(question, index, k=5)  # type: ignore[arg-type]
    assert index.searched == [question, "how did it rank?"]
    assert hits[4].passage.line_start == 30
    index = SpyIndex()
    retrieve("How did Alibaba's model rank and why?", index, k=5)  # type: ignore[arg-type]
    assert index.searched == ["How did Alibaba's model rank and why?"]
