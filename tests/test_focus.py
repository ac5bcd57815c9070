"""What the model reads of the passages `brief ask` found: the first three whole, each
later one by its stretch nearest the question (``pipeline.ask.focus``)."""

from __future__ import annotations

import numpy as np
from test_retrieval import TOPICS, chunks_of

from pipeline.ask.answer import as_read
from pipeline.ask.focus import best_run, focused
from pipeline.ask.retrieval import Hit, IndexParams, SearchIndex, build_index
from pipeline.model.llm import count_tokens
from pipeline.outputs.verify import passage_problem


def test_the_run_of_pieces_most_like_the_question_within_the_budget() -> None:
    scores = [0.1, 0.9, 0.8, 0.2, 0.95]
    assert best_run(scores, [50] * 5, 100) == (1, 2)  # 1.7 beats 0.95 + 0.2
    assert best_run(scores, [50] * 5, 60) == (4, 4)  # room for one: the best one
    assert best_run(scores, [500] * 5, 60) == (4, 4)  # a piece over the budget alone
    assert best_run(scores, [50] * 5, 1000) == (0, 4)  # all of it
    assert best_run([-0.2, 0.5, -0.1], [10] * 3, 1000) == (1, 1)  # unlike pieces left out


def topic_corpus() -> tuple[SearchIndex, dict[str, str]]:
    """Eight unrelated topics said twice, one sentence a piece, all in few windows; each
    piece's vector is its topic's axis."""
    lines = [(None, t) for t in TOPICS + TOPICS]
    chunks, texts = chunks_of(lines)
    params = IndexParams(embedding_model="test", piece_tokens=16, window_tokens=400)
    index = build_index(chunks, [], texts, params)
    text = texts["s1"]
    index.vectors = np.array(
        [
            np.eye(len(TOPICS))[
                next(n for n, t in enumerate(TOPICS) if t in text[p.char_start : p.char_end])
            ]
            for p in index.pieces
        ],
        dtype=np.float32,
    )
    return index, texts


def drones() -> np.ndarray:
    return np.eye(len(TOPICS))[TOPICS.index("A startup in the city makes drones for farmers.")]


def test_later_passages_are_cut_to_their_stretch_nearest_the_question() -> None:
    index, texts = topic_corpus()
    window = index.windows[0].passage
    assert "drones" in window.text and count_tokens(window.text) > 100
    hits = [Hit(rank=n, score=1.0, passage=window, chunk_ids=[]) for n in (1, 2, 3, 4)]
    read = focused(hits, drones(), index, texts, tokens=30)
    assert [h.passage for h in read[:3]] == [window] * 3  # the first three whole
    later = read[3].passage
    assert "makes drones for farmers" in later.text and count_tokens(later.text) <= 30
    assert window.char_start <= later.char_start < later.char_end <= window.char_end
    assert passage_problem(later.model_dump(), texts) is None  # still an exact slice
    assert later.line_start == window.line_start + window.text[
        : later.char_start - window.char_start
    ].count("\n")
    # no vector, or no focus: every passage whole
    assert focused(hits, None, index, texts) == hits
    assert focused(hits, drones(), index, texts, tokens=0) == hits


def test_what_the_model_reads_is_focused_then_continued() -> None:
    index, texts = topic_corpus()
    window = index.windows[0].passage
    hits = [Hit(rank=n, score=1.0, passage=window, chunk_ids=[]) for n in (1, 2, 3, 4)]

    class Embedder:
        def embed(self, stage: str, texts_: list[str]) -> list[list[float]]:
            return [drones().tolist()]

    read = as_read("who makes drones?", hits, index, texts, Embedder(), 30, 40)  # type: ignore[arg-type]
    later = read[3].passage
    assert later.text.startswith("A startup in the city makes drones for farmers.")
    assert len(later.text) > len("A startup in the city makes drones for farmers.")  # continued
    assert passage_problem(later.model_dump(), texts) is None


def test_a_focused_passage_is_timed_by_the_last_window_starting_before_it() -> None:
    index, texts = topic_corpus()
    for n, window in enumerate(index.windows):
        window.passage = window.passage.model_copy(update={"timestamp": f"0:{n:02d}"})
    starts = [w.passage.char_start for w in index.windows]
    assert len(starts) > 2 and starts == sorted(starts)
    inside = starts[1] + 5
    assert index.timestamp_at("s1", inside) == "0:01"
    assert index.timestamp_at("s1", starts[2]) == "0:02"
    assert index.timestamp_at("other", inside) is None
    window = index.windows[0].passage
    hits = [Hit(rank=n, score=1.0, passage=window, chunk_ids=[]) for n in (1, 2, 3, 4)]
    later = focused(hits, drones(), index, texts, tokens=30)[3].passage
    expected = [
        w.passage.timestamp for w in index.windows if w.passage.char_start <= later.char_start
    ][-1]
    assert later.char_start > window.char_start and later.timestamp == expected
