"""Ingestion: format detection, exact offsets into the original file, metadata kept out of
segments, and unreadable files skipped with a reason while the rest go on."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipeline.errors import IngestError
from pipeline.inputs.ingest import ingest_paths, read_source_text, read_transcript
from pipeline.models import Transcript

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
FORMATS = {
    "000": "language_tagged",
    "001": "speaker_turns",
    "002": "thread",
    "003": "podcast_page",
    "004": "markdown",
}


def seed(prefix: str) -> Path:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path


def load(prefix: str) -> Transcript:
    return read_transcript(seed(prefix), prefix)


def all_text(t: Transcript) -> str:
    return "\n".join(s.text for s in t.segments)


def assert_offsets(t: Transcript) -> None:
    """The invariant every later stage relies on, for every segment."""
    text = read_source_text(Path(t.path))
    lines = text.split("\n")
    assert t.segments
    for s in t.segments:
        assert text[s.char_start : s.char_end] == s.text
        assert s.text and s.text == s.text.strip()
        assert 1 <= s.line_start <= s.line_end <= len(lines)
        assert s.text in "\n".join(lines[s.line_start - 1 : s.line_end])
        assert text.count("\n", 0, s.char_start) + 1 == s.line_start


# --------------------------------------------------------------------------- the seeds


@pytest.mark.parametrize("prefix", sorted(FORMATS))
def test_seed_format_offsets_and_hash(prefix: str) -> None:
    t = load(prefix)
    assert t.format == FORMATS[prefix]
    assert t.source_id == prefix
    assert t.sha256 == hashlib.sha256(seed(prefix).read_bytes()).hexdigest()
    assert all(isinstance(v, str) and v for v in t.metadata.values())
    assert_offsets(t)


def test_000_language_header_is_metadata() -> None:
    t = load("000")
    assert t.metadata["language"] == "English"
    assert "[English]" not in all_text(t)
    assert t.segments[0].text.startswith("Hello everyone, welcome to the Don’t Understand")
    assert t.segments[0].line_start == 2
    assert len(t.segments) == 1213  # every line after the header; the file has no blank lines
    assert t.segments[-1].text == "See you in the next issue"


def test_001_label_line_gives_speaker_and_timestamp() -> None:
    t = load("001")
    assert t.metadata["speakers"] == "A"
    assert len(t.segments) == 1
    (s,) = t.segments
    assert (s.speaker, s.timestamp, s.line_start) == ("A", "0:00", 2)
    assert s.text.startswith("When I went on and I tried to like understand this question")
    assert s.text.endswith("That's all I got.")
    assert "**A**" not in s.text and "(0:00)" not in s.text


def test_002_repeated_tail_is_dropped() -> None:
    t = load("002")
    assert t.metadata["dropped_repeated_lines"] == "182-187"
    texts = [s.text for s in t.segments]
    head = seed("002").read_text(encoding="utf-8").split("\n")[:6]
    for line in head:  # the six quoted paragraphs that the file repeats at its end
        assert texts.count(line) == 1, line[:60]
    # line 157 of the file quotes one of them inside a reply ("> ..."); that one stays
    assert sum(head[2] in text for text in texts) == 2
    assert t.segments[-1].text == "Some relevant excerpts:"
    assert t.segments[-1].line_start == 181
    assert len(t.segments) == 181


def test_003_header_is_metadata_and_transcript_starts_with_speech() -> None:
    t = load("003")
    m = t.metadata
    assert m["title"].startswith("Big Technology Podcast - Why China's AI Strategy Just Might")
    assert m["date"] == "April 16, 2025"
    assert m["description"].startswith("Grace Shao is a Hong Kong-based writer and analyst")
    assert "Episode Date" not in m["description"] and "---" not in m["description"]
    assert m["email"] == "bigtechnologypodcast@gmail.com"
    assert "https://tinyurl.com/bigtechnology" in m["links"].split(", ")
    first = t.segments[0]
    assert first.text.startswith("Was Deepseek an outlier or a sign that China's AI industry")
    assert first.line_start == 5
    joined = all_text(t)
    for header_text in (
        "bigtechnologypodcast@gmail.com",
        "Episode Date",
        "Discussion (0)",
        "https://",
        m["title"],
    ):
        assert header_text not in joined
    assert "Transcript" not in {s.text for s in t.segments}
    assert t.segments[-1].text == "Big Technology Podcast."


def test_004_front_matter_heading_and_bullets() -> None:
    t = load("004")
    m = t.metadata
    assert m["title"] == "Inside China's AI Ecosystem: A View From Beijing"
    assert m["show"] == "Cognitive Revolution How AI Changes Everything"
    assert m["date"] == "April 10, 2024"
    assert m["url"] == "https://www.youtube.com/watch?v=PQSrMvwwi6c"
    assert m["date_generated"] == "April 10, 2024"
    assert m["transcription_model"] == "whisper medium 20231117"
    assert m["video_views"] == "207"
    joined = all_text(t)
    for header_text in ("---", "Transcription Model", "Video Views", "# Inside", "**Cognitive"):
        assert header_text not in joined
    assert len(t.segments) == 919
    assert not any(s.text.startswith("*") for s in t.segments)
    text = read_source_text(seed("004"))
    first = t.segments[0]
    assert first.line_start == 12
    assert text[first.char_start - 3 : first.char_start] == "*  "  # the marker is not in it
    assert first.text.startswith("they're having to spread their bets")


def test_seeds_directory_reads_all_five_and_not_the_readme() -> None:
    transcripts, skipped = ingest_paths([SEEDS])
    assert [t.source_id for t in transcripts] == sorted(FORMATS)
    assert skipped == []
    assert all("README" not in t.path for t in transcripts)


# --------------------------------------------------------------------------- other files


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def test_unknown_format_falls_back_to_plain(tmp_path: Path) -> None:
    p = write(tmp_path / "notes.txt", "  first line  \n\nsecond line\n")
    t = read_transcript(p, "x")
    assert t.format == "plain"
    assert [(s.text, s.line_start) for s in t.segments] == [("first line", 1), ("second line", 3)]
    assert t.segments[0].char_start == 2
    assert_offsets(t)


def test_caption_cue_is_not_a_language_header(tmp_path: Path) -> None:
    t = read_transcript(write(tmp_path / "a.txt", "[Music]\nhello there\n"), "a")
    assert t.format == "plain"
    assert t.segments[0].text == "[Music]"


def test_bad_files_are_skipped_and_the_rest_go_on(tmp_path: Path) -> None:
    write(tmp_path / "a_good.txt", "Hello there.\nSecond line.\n")
    write(tmp_path / "b_binary.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    write(tmp_path / "c_latin1.txt", "caf\xe9 au lait\n".encode("latin-1"))
    write(tmp_path / "d_empty.txt", b"")
    write(tmp_path / "e_blank.txt", " \n\t\r\n")
    write(tmp_path / "f_big.txt", "x" * 500)
    transcripts, skipped = ingest_paths([tmp_path, tmp_path / "missing.txt"], max_bytes=400)
    assert [t.path for t in transcripts] == [str(tmp_path / "a_good.txt")]
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert set(reasons) == {
        "b_binary.bin",
        "c_latin1.txt",
        "d_empty.txt",
        "e_blank.txt",
        "f_big.txt",
        "missing.txt",
    }
    for name, reason in reasons.items():
        assert name in reason
    assert "NUL" in reasons["b_binary.bin"]
    assert "UTF-8" in reasons["c_latin1.txt"]
    assert "empty" in reasons["d_empty.txt"] and "empty" in reasons["e_blank.txt"]
    assert "too big" in reasons["f_big.txt"]
    assert "does not exist" in reasons["missing.txt"]


def test_public_readers_raise_ingest_error_naming_the_file(tmp_path: Path) -> None:
    p = write(tmp_path / "blob.dat", b"abc\x00def")
    with pytest.raises(IngestError, match="blob.dat.*NUL"):
        read_source_text(p)
    with pytest.raises(IngestError, match="blob.dat"):
        read_transcript(p, "blob")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be-bom", "utf-8-sig"])
def test_bom_marked_files_are_decoded(tmp_path: Path, codec: str) -> None:
    content = "[English]\nHéllo wörld\n  second 行  \n"
    data = (
        b"\xfe\xff" + content.encode("utf-16-be")
        if codec == "utf-16-be-bom"
        else (content.encode(codec))
    )
    p = write(tmp_path / "u.txt", data)
    assert read_source_text(p) == content
    t = read_transcript(p, "u")
    assert t.format == "language_tagged"
    assert [s.text for s in t.segments] == ["Héllo wörld", "second 行"]
    assert t.sha256 == hashlib.sha256(data).hexdigest()
    assert_offsets(t)


def test_crlf_offsets_hold_and_turns_are_read(tmp_path: Path) -> None:
    content = "**Ann** (0:05):\r\nHello there.\r\n\r\n**Bob** (1:02:03): Inline words.\r\nMore.\r\n"
    p = write(tmp_path / "crlf.txt", content)
    assert read_source_text(p) == content  # no newline translation
    t = read_transcript(p, "c")
    assert t.format == "speaker_turns"
    assert t.metadata["speakers"] == "Ann, Bob"
    got = [(s.text, s.speaker, s.timestamp, s.line_start) for s in t.segments]
    assert got == [
        ("Hello there.", "Ann", "0:05", 2),
        ("Inline words.", "Bob", "1:02:03", 4),
        ("More.", "Bob", "1:02:03", 5),
    ]
    assert_offsets(t)


def test_source_ids_are_derived_and_unique(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    files = [
        write(tmp_path / "a" / "003_ab8002d8.txt", "one\n"),
        write(tmp_path / "b" / "003_ffff.txt", "two\n"),
        write(tmp_path / "a" / "My Talk!.txt", "three\n"),
        write(tmp_path / "b" / "my talk?.md", "four\n"),
        write(tmp_path / "b" / "003.txt", "five\n"),
    ]
    transcripts, skipped = ingest_paths(files)
    assert skipped == []
    assert [t.source_id for t in transcripts] == ["003", "003-2", "my-talk-", "my-talk--2", "003-3"]


def test_directory_skips_readme_hidden_and_reports_subdirectories(tmp_path: Path) -> None:
    write(tmp_path / "README.md", "# About these files\n* not a transcript\n")
    write(tmp_path / "readme.txt", "nor this\n")
    write(tmp_path / ".hidden.txt", "nor this\n")
    write(tmp_path / "talk.txt", "the only transcript\n")
    (tmp_path / "sub").mkdir()
    transcripts, skipped = ingest_paths([tmp_path])
    assert [t.source_id for t in transcripts] == ["talk"]
    assert [(Path(s.path).name, "directory" in s.reason) for s in skipped] == [("sub", True)]


def test_repeated_block_anywhere_earlier_is_dropped_from_the_tail(tmp_path: Path) -> None:
    block = [
        "A first paragraph that gets pasted twice, long enough to count as a block. " * 2,
        "And a second one, also part of the pasted block of text at the end.",
    ]
    lines = ["Opening remark.", *block, "A reply in between.", "Another reply.", *block]
    t = read_transcript(write(tmp_path / "t.txt", "\n".join(lines) + "\n"), "t")
    assert t.format == "thread"
    assert t.metadata["dropped_repeated_lines"] == "6-7"
    assert [s.text for s in t.segments] == [line.strip() for line in lines[:5]]
    assert_offsets(t)


def test_short_repeats_are_kept(tmp_path: Path) -> None:
    lines = ["Thank you.", "Bye.", "Some talk in the middle.", "Thank you.", "Bye."]
    t = read_transcript(write(tmp_path / "t.txt", "\n".join(lines)), "t")
    assert t.format == "plain"
    assert len(t.segments) == 5


def test_podcast_page_with_separate_header_lines(tmp_path: Path) -> None:
    speech = [f"this is spoken line number {i} of the episode" for i in range(8)]
    page = [
        "My Show - An Episode Title",
        "Episode Date: 2024-05-01",
        "A short description of the episode.",
        "Links: https://example.com/show and www.example.org",
        "Sponsored by Acme. Write to hello@example.com",
        "Transcript",
        *speech,
    ]
    t = read_transcript(write(tmp_path / "p.txt", "\n".join(page)), "p")
    assert t.format == "podcast_page"
    assert t.metadata["title"] == "My Show - An Episode Title"
    assert t.metadata["date"] == "2024-05-01"
    assert t.metadata["description"] == "A short description of the episode."
    assert t.metadata["links"] == "https://example.com/show, www.example.org"
    assert t.metadata["email"] == "hello@example.com"
    assert [s.text for s in t.segments] == speech
    assert_offsets(t)


def test_a_podcast_page_keeps_a_host_s_turns_in_its_transcript(tmp_path: Path) -> None:
    """ "Host:" is a header's key ("Host: Jane Doe"), but "Host: Welcome to ..." is a turn:
    the host's turns and the guest's between them were taken for the header, lost from
    the text."""
    turns = [
        "Host: Welcome to Open Tech. Today we talk with Lucy Ferrer about chips.",
        "Lucy Ferrer: Thanks for having me.",
        "Host: Why did DeepSeek cause such a stir?",
        "Lucy Ferrer: A small lab trained a model for six million dollars.",
    ]
    page = ["My Show - Chips", "Episode Date: March 12, 2025", "Host: Jane Doe", *turns]
    t = read_transcript(write(tmp_path / "p.txt", "\n".join(page)), "p")
    assert (t.format, t.metadata["title"], t.metadata["speakers"]) == (
        "podcast_page",
        "My Show - Chips",
        "Host, Lucy Ferrer",
    )
    assert [f"{s.speaker}: {s.text}" for s in t.segments] == turns
    assert_offsets(t)


def test_markdown_without_front_matter(tmp_path: Path) -> None:
    content = "# A Title\n\n- first bullet\n-   second bullet\n1. third\n"
    t = read_transcript(write(tmp_path / "m.md", content), "m")
    assert t.format == "markdown"
    assert t.metadata == {"title": "A Title"}
    assert [s.text for s in t.segments] == ["first bullet", "second bullet", "third"]
    assert_offsets(t)


def test_a_header_of_key_value_lines_heads_a_transcript_of_named_turns(tmp_path: Path) -> None:
    """ "Title:", "Date:", "Guests:" lines, then "Name: text" turns: read as a podcast
    page, the host's turns were taken for its header (lost from the text, 3 of 4 lines of
    this file) and the title kept its "Title: "."""
    turns = [
        "Host: Welcome to Open Tech. Today we talk with Lucy Ferrer about chips.",
        "Lucy Ferrer: Thanks for having me. I have followed this for eight years.",
        "Host: Why did DeepSeek cause such a stir?",
        "Lucy Ferrer: A small lab in Hangzhou trained a model for six million dollars.",
    ]
    head = ["Title: China and AI chips", "Date: March 12, 2025", "Guests: Lucy Ferrer", ""]
    t = read_transcript(write(tmp_path / "t.txt", "\n".join(head + turns)), "t")
    assert t.format == "headed"
    assert t.metadata == {
        "title": "China and AI chips",
        "date": "March 12, 2025",
        "guests": "Lucy Ferrer",
        "speakers": "Host, Lucy Ferrer",
    }
    assert [f"{s.speaker}: {s.text}" for s in t.segments] == turns
    assert_offsets(t)
    # ... in Spanish too: "Título" and "Fecha" were two speakers
    spanish = ["Título: La IA en China", "Fecha: 12 de marzo de 2025", "Ana: Hola.", "Luis: Sí."]
    t = read_transcript(write(tmp_path / "es.txt", "\n".join(spanish)), "es")
    assert (t.format, t.metadata["title"], t.metadata["speakers"]) == (
        "headed",
        "La IA en China",
        "Ana, Luis",
    )
    # a first turn by a host, or a header with no title or date, is no header
    assert read_transcript(write(tmp_path / "n.txt", "\n".join(turns)), "n").format == (
        "named_lines"
    )
    hosted = ["Host: Jane Doe", *turns]
    assert read_transcript(write(tmp_path / "h.txt", "\n".join(hosted)), "h").format == (
        "named_lines"
    )


EXPORTED = {  # the plain-text exports of transcription services
    "otter": "Jane Doe  0:00\nWelcome to the show.\n\nJohn Smith  0:15\nHuawei makes chips.\n\n"
    "Jane Doe  1:02\nWhy does it matter?\n",
    "rev": "Jane Doe (00:00):\nWelcome to the show.\n\nJohn Smith (00:15):\nHuawei makes chips.\n\n"
    "Jane Doe (01:02):\nWhy does it matter?\n",
    "numbered": "Speaker 1 [00:00]\nWelcome to the show.\nSpeaker 2 [00:15]\nHuawei makes chips.\n"
    "Speaker 1 [01:02]\nWhy does it matter?\n",
    "time_first": "[0:00] Jane Doe: Welcome to the show.\n[0:15] John Smith: Huawei makes chips.\n"
    "[1:02] Jane Doe: Why does it matter?\n",
    "time_first_bare": "0:00 Jane Doe: Welcome to the show.\n0:15 John Smith: Huawei makes chips.\n"
    "1:02 Jane Doe: Why does it matter?\n",
}


@pytest.mark.parametrize("layout", sorted(EXPORTED))
def test_an_exported_transcript_gives_each_turn_its_speaker_and_time(
    tmp_path: Path, layout: str
) -> None:
    """Read as plain text, the labels were sentences and no turn had a speaker or time."""
    t = read_transcript(write(tmp_path / "t.txt", EXPORTED[layout]), "t")
    assert t.format == "speaker_turns"
    first, second = (
        ("Speaker 1", "Speaker 2") if layout == "numbered" else ("Jane Doe", "John Smith")
    )
    assert [(s.speaker, s.text) for s in t.segments] == [
        (first, "Welcome to the show."),
        (second, "Huawei makes chips."),
        (first, "Why does it matter?"),
    ]
    zero_padded = layout in ("rev", "numbered")
    times = ["00:00", "00:15", "01:02"] if zero_padded else ["0:00", "0:15", "1:02"]
    assert [s.timestamp for s in t.segments] == times
    assert_offsets(t)


def test_a_monologue_exported_with_one_label_at_time_zero_is_one_turn(tmp_path: Path) -> None:
    text = "A  0:00\nWhen I went on, I tried to understand this question.\nChina has chips.\n"
    t = read_transcript(write(tmp_path / "m.txt", text), "m")
    assert t.format == "speaker_turns"
    assert [(s.speaker, s.timestamp) for s in t.segments] == [("A", "0:00"), ("A", "0:00")]
    later = "Lunch 12:30\nSoup and bread.\n"  # one label, not at the start of a recording
    assert read_transcript(write(tmp_path / "l.txt", later), "l").format == "plain"


def test_an_agenda_or_prose_with_times_is_no_conversation(tmp_path: Path) -> None:
    agenda = "Welcome 9:00\nKeynote 9:30\nLunch 12:30\nClose 17:00\n"
    assert read_transcript(write(tmp_path / "a.txt", agenda), "a").format == "plain"
    prose = "We met at 10:30\nThe talks ran late.\nWe met at 10:30\n"
    assert read_transcript(write(tmp_path / "p.txt", prose), "p").format == "plain"
