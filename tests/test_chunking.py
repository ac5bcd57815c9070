from __future__ import annotations

import re
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from pipeline.inputs.chunking import MAX_SENTENCE_CHARS, chunk_transcript, wrap_width
from pipeline.inputs.ingest import read_source_text, read_transcript
from pipeline.model.llm import count_tokens

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("0*.txt"))


def shown(raw: str) -> str:
    """A source slice as the chunker shows it: bullet markers and line breaks as spaces."""
    return " ".join(re.sub(r"\n[ \t]*\*[ \t]+", " ", raw).split())


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_sentences_are_exact_spans_of_the_source(path: Path) -> None:
    text = read_source_text(path)
    transcript = read_transcript(path, path.name[:3])
    chunks = chunk_transcript(transcript, chunk_tokens=600, overlap_tokens=0)
    assert [c.id for c in chunks] == [f"{path.name[:3]}:{i:04d}" for i in range(len(chunks))]
    previous_end = -1
    for chunk in chunks:
        assert chunk.tokens <= 600
        for sentence in chunk.sentences:
            raw = text[sentence.char_start : sentence.char_end]
            assert shown(raw) == sentence.text
            assert text.count("\n", 0, sentence.char_start) + 1 == sentence.line_start
            assert sentence.char_start > previous_end  # in order, no overlap when overlap=0
            previous_end = sentence.char_end
        assert chunk.char_start == chunk.sentences[0].char_start
        assert chunk.line_start <= chunk.line_end


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_every_content_word_is_in_some_chunk(path: Path) -> None:
    transcript = read_transcript(path, path.name[:3])
    chunks = chunk_transcript(transcript, chunk_tokens=600)
    chunked = Counter(word for c in chunks for word in c.text.split())
    content = Counter(word for s in transcript.segments for word in s.text.split())
    # every word, as often as the transcript has it (overlap only adds repeats)
    missing = {word: n - chunked[word] for word, n in content.items() if chunked[word] < n}
    assert missing == {}


def test_chunks_end_at_sentence_ends_in_punctuated_text() -> None:
    path = next(p for p in SEEDS if p.name.startswith("001"))
    chunks = chunk_transcript(read_transcript(path, "001"), chunk_tokens=300)
    assert len(chunks) > 5
    for chunk in chunks[:-1]:
        assert re.search(r"[.!?][\"'”’)]*$", chunk.sentences[-1].text), chunk.sentences[-1].text
    assert chunks[0].time_start == "0:00"


def test_overlap_repeats_the_last_sentences_of_the_previous_chunk() -> None:
    path = next(p for p in SEEDS if p.name.startswith("001"))
    chunks = chunk_transcript(read_transcript(path, "001"), chunk_tokens=300, overlap_tokens=60)
    overlapping = 0
    for before, after in zip(chunks, chunks[1:], strict=False):
        repeated = [s for s in after.sentences if s.char_start < before.char_end]
        assert sum(count_tokens(s.text) + 4 for s in repeated) <= 60
        if count_tokens(before.sentences[-1].text) + 4 <= 60:  # short enough to repeat
            assert repeated and repeated[-1].char_start == before.sentences[-1].char_start
            overlapping += 1
    assert overlapping > len(chunks) // 2


def test_a_sentence_longer_than_the_budget_is_split_at_words(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("word " * 400 + "end.\nShort one.\n", encoding="utf-8")
    chunks = chunk_transcript(read_transcript(path, "x"), chunk_tokens=100)
    assert len(chunks) >= 4
    assert all(c.tokens <= 100 for c in chunks)
    text = path.read_text()
    for chunk in chunks:
        for sentence in chunk.sentences:
            assert text[sentence.char_start : sentence.char_end] == sentence.text


def test_a_sentence_written_a_clause_a_line_ends_with_a_line_once_it_is_long(
    tmp_path: Path,
) -> None:
    # a translated podcast: one clause a line, each ending in a comma, a full stop rarely
    clauses = [
        f"and then clause number {n} of the story went on a little further," for n in range(30)
    ]
    path = tmp_path / "clauses.txt"
    path.write_text("\n".join(clauses) + "\nThe end.\n", encoding="utf-8")
    text = path.read_text()
    sentences = [
        s
        for c in chunk_transcript(read_transcript(path, "x"), chunk_tokens=900)
        for s in c.sentences
    ]
    assert len(sentences) > 5  # not one 2,000-character sentence
    longest_line = max(len(line) for line in clauses)
    for sentence in sentences:
        assert len(sentence.text) < MAX_SENTENCE_CHARS + longest_line
        assert text[sentence.char_end - 1] in ",."  # each ends where a line ends
    # a short sentence over lines ending in commas still runs on to its full stop
    path.write_text("First, as I said,\nwe go on,\nand stop here.\nNext one.\n", encoding="utf-8")
    [chunk] = chunk_transcript(read_transcript(path, "y"), chunk_tokens=900)
    assert [s.text for s in chunk.sentences] == [
        "First, as I said, we go on, and stop here.",
        "Next one.",
    ]


def test_a_line_break_of_a_wrapped_transcript_ends_no_sentence_before_a_capital(
    tmp_path: Path,
) -> None:
    # 004 (a Whisper export wrapped at 100 columns): "... going to visit places like" /
    # "Baidu and the Beijing Academy of AI." were two sentences, the second a map point
    sentences = [
        f"In spring {n} we went with Afra Wang to visit places like Baidu and the Beijing "
        f"Academy of AI, and then on to Shenzhen where Unitree and DJI build their robots."
        for n in range(2000, 2012)
    ]
    wrapped = textwrap.fill(" ".join(sentences), width=72)
    assert any(line[:1].isupper() and not line.startswith("In") for line in wrapped.splitlines())
    path = tmp_path / "wrapped.txt"
    # a line of its own after the wrapped paragraph, without a stop, and one more
    path.write_text(wrapped + "\nThanks for listening\nSee you next week\n", encoding="utf-8")
    transcript = read_transcript(path, "x")
    [chunk] = chunk_transcript(transcript, chunk_tokens=2000)
    assert [s.text for s in chunk.sentences] == [
        *sentences,
        "Thanks for listening",
        "See you next week",
    ]
    assert 60 <= wrap_width(transcript.segments) <= 72
    # the seed itself
    seed = next(p for p in SEEDS if p.name.startswith("004"))
    texts = [
        s.text
        for c in chunk_transcript(read_transcript(seed, "004"), chunk_tokens=900)
        for s in c.sentences
    ]
    assert "Baidu and the Beijing Academy of AI." not in texts
    assert any(t.endswith("places like Baidu and the Beijing Academy of AI.") for t in texts)


def test_lines_a_clause_each_are_not_a_wrapped_transcript(tmp_path: Path) -> None:
    # 000, a subtitle written a clause a line: a line without a stop before a capital
    # still ends its sentence
    seed = next(p for p in SEEDS if p.name.startswith("000"))
    assert wrap_width(read_transcript(seed, "000").segments) == 0
    path = tmp_path / "lines.txt"
    path.write_text(
        "".join(f"Line {n} says one thing without a stop\n" for n in range(30)), encoding="utf-8"
    )
    transcript = read_transcript(path, "x")
    assert wrap_width(transcript.segments) == 0  # 38-39 characters: no wrap width
    [chunk] = chunk_transcript(transcript, chunk_tokens=2000)
    assert len(chunk.sentences) == 30


def test_an_abbreviation_s_stop_ends_no_sentence_before_a_lower_case_word(tmp_path: Path) -> None:
    # 003: "So the first two years ..., the U.S." / "for sure, I mean, U.S." / "companies
    # 100% had a lead" were three sentences, one quote cut after "the U.S."
    path = tmp_path / "abbreviations.txt"
    path.write_text(
        "Since November 22, the U.S. for sure, I mean, U.S. companies had a lead. "
        "Ask Dr. Li about it, e.g. chips at 10 p.m. tonight. It is made in the U.S. "
        "The next one starts here. And we saw a lot of U.S.\n"
        "capital pulling out. it ends. lower case goes on.\n",
        encoding="utf-8",
    )
    [chunk] = chunk_transcript(read_transcript(path, "x"), chunk_tokens=900)
    assert [s.text for s in chunk.sentences] == [
        "Since November 22, the U.S. for sure, I mean, U.S. companies had a lead.",
        "Ask Dr. Li about it, e.g. chips at 10 p.m. tonight.",
        "It is made in the U.S.",  # an abbreviation before a capital may end a sentence
        "The next one starts here.",
        "And we saw a lot of U.S. capital pulling out.",  # over a line break too
        "it ends.",  # a plain word's stop ends a sentence before lower case
        "lower case goes on.",
    ]


def test_chinese_full_stops_end_sentences_and_a_run_without_one_keeps_to_the_budget(
    tmp_path: Path,
) -> None:
    # no space follows a full stop of Chinese writing: a transcript's line of several
    # sentences was one sentence, and a long line without a full stop (no spaces to cut
    # at either) one 14,000-token "sentence" in a chunk of a 1,400-token budget
    said = "我们今天讨论人工智能。深度求索发布了新模型！大家惊讶吗？阿里巴巴也开源了。"
    run_on = "深度求索发布了新的模型，很多人都很惊讶，" * 150
    path = tmp_path / "zh.txt"
    path.write_text(f"{said}\n{run_on}\n", encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    chunks = chunk_transcript(read_transcript(path, "zh"), chunk_tokens=200)
    sentences = [s for c in chunks for s in c.sentences]
    assert [s.text for s in sentences[:4]] == [
        "我们今天讨论人工智能。",
        "深度求索发布了新模型！",
        "大家惊讶吗？",
        "阿里巴巴也开源了。",
    ]
    assert all(c.tokens <= 200 for c in chunks)
    assert len(sentences) > 10
    for sentence in sentences:
        assert text[sentence.char_start : sentence.char_end] == sentence.text
    assert "".join(s.text for s in sentences[4:]) == run_on  # every character once, in order


def test_speech_transcribed_without_stops_is_cut_into_sentence_sized_parts(
    tmp_path: Path,
) -> None:
    # a caption dump on one line, or a speaker's turn with no full stop: the whole line was
    # one "sentence" (19,899 characters of a seed with its stops removed: 3 map calls of
    # one sentence each), which the map could only note whole
    words = [f"w{i}" for i in range(2000)]
    lines = ["a wrapped line that runs on", "to the next", " ".join(words), "Done."]
    path = tmp_path / "asr.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    sentences = [
        s
        for c in chunk_transcript(read_transcript(path, "asr"), chunk_tokens=400)
        for s in c.sentences
    ]
    # the run over lines ends before the long line
    assert sentences[0].text == "a wrapped line that runs on to the next"
    parts = [s for s in sentences if s.line_start == s.line_end == 3]
    assert len(parts) > 20
    assert all(MAX_SENTENCE_CHARS // 2 < len(s.text) <= MAX_SENTENCE_CHARS for s in parts[:-1])
    assert " ".join(s.text for s in parts) == " ".join(words)  # every word once, in order
    for sentence in sentences:
        assert shown(text[sentence.char_start : sentence.char_end]) == sentence.text
    assert sentences[-1].text == "Done."
    # a long sentence that ends with a full stop stays one sentence
    said = " ".join(words[:100]) + "."
    path.write_text(said + "\n", encoding="utf-8")
    chunks = chunk_transcript(read_transcript(path, "asr"), chunk_tokens=400)
    assert [s.text for c in chunks for s in c.sentences] == [said]
