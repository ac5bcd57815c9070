"""Caption and ASR formats (issue 13): WebVTT (Zoom, YouTube auto-captions, <v> voices),
SRT and Whisper-family JSON, each a sample of the same conversation (spoken.json) with the
quirks real files have. Per sample: no markup left in any sentence, the spoken words once
(within 5%), every sentence timestamped, speakers kept where the file has them, and
`brief verify` finds no problem in a run over them. The seeds read exactly as before."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import ScriptedSession, generic_responder

from pipeline.errors import IngestError
from pipeline.inputs.chunking import chunk_transcript, sentence_pieces
from pipeline.inputs.formats import FORMATS
from pipeline.inputs.ingest import ingest_paths, read_source_text, read_transcript
from pipeline.models import Chunk
from pipeline.outputs.verify import verify_outputs
from pipeline.runner import run_pipeline
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "formats"
SPOKEN = json.loads((DATA / "spoken.json").read_text(encoding="utf-8"))
SPOKEN_WORDS = sum(len(u["text"].split()) for u in SPOKEN)
FULL_NAMES = {"Alice Chen", "Bob Martin", "Priya Nair"}

# sample -> (format, the speakers it names)
SAMPLES = {
    "zoom.vtt": ("webvtt", FULL_NAMES),
    "voices.vtt": ("webvtt", FULL_NAMES),
    "youtube_auto.vtt": ("webvtt", set()),
    "speakers.srt": ("srt", {"ALICE", "BOB", "PRIYA"}),
    "whisper.json": ("asr_json", set()),
    "whisperx_diarized.json": ("asr_json", {"SPEAKER_00", "SPEAKER_01", "SPEAKER_02"}),
    "faster_whisper.json": ("asr_json", set()),
    "assemblyai.json": ("asr_json", {"Speaker A", "Speaker B", "Speaker C"}),
    "deepgram.json": ("asr_json", {"Speaker 0", "Speaker 1", "Speaker 2"}),
    "rev.json": ("asr_json", FULL_NAMES),
    "transcript.html": ("html", FULL_NAMES),
}
# what caption markup looks like if it leaks into a sentence
MARKUP = re.compile(
    r"<[^>]*>|-->|&(?:amp|lt|gt|nbsp|quot);|\{\\|WEBVTT|\bNOTE\b|\bSTYLE\b|::cue"
    r"|\d{1,2}:\d{2}:\d{2}[.,]\d{3}|align:|position:|\"(?:start|end|segments|tokens|utterances|transcript|monologues|elements|ts)\""
)


def words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_reads_as_a_transcript(name: str) -> None:
    path = DATA / name
    fmt, speakers = SAMPLES[name]
    t = read_transcript(path, "x")
    assert t.format == fmt
    sentences = sentence_pieces(t)
    assert sentences
    assert [s.text for s in sentences if MARKUP.search(s.text)] == []
    said = sum(words(s.text) for s in sentences)
    assert abs(said - SPOKEN_WORDS) <= 0.05 * SPOKEN_WORDS, (said, SPOKEN_WORDS)
    assert all(s.timestamp for s in sentences)
    assert {s.speaker for s in sentences if s.speaker} == speakers
    if speakers:
        assert all(s.speaker for s in sentences)
        assert set(t.metadata["speakers"].split(", ")) == speakers
    # timestamps come from the cue timings: the first word at 59:00, the last past an hour
    assert sentences[0].timestamp == "59:00"
    assert re.fullmatch(r"1:0[01]:\d\d", sentences[-1].timestamp or "")
    assert "Good morning everyone" in sentences[0].text


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_offsets_index_the_normalised_text(name: str) -> None:
    """The text every passage is a slice of is derived from the file the same way each
    time: one line per cue, `[time] Speaker: ` before the cue's words."""
    path = DATA / name
    t = read_transcript(path, "x")
    text = read_source_text(path)
    assert text == read_source_text(path)
    lines = text.split("\n")
    for s in t.segments:
        assert text[s.char_start : s.char_end] == s.text
        assert text.count("\n", 0, s.char_start) + 1 == s.line_start == s.line_end
        prefix = f"[{s.timestamp}] " + (f"{s.speaker}: " if s.speaker else "")
        assert lines[s.line_start - 1] == prefix + s.text


def test_lines_that_name_their_speaker_give_turns(tmp_path: Path) -> None:
    """ "Alice Chen: text" lines (meeting minutes, chat logs, exported transcripts; QMSum's
    meetings): the name is the speaker, not a word of the sentence, and a sentence never
    runs from one speaker's line into the next's ("..., Project Manager: Okay.")."""
    path = tmp_path / "meeting.txt"
    lines, previous = [], None
    for u in SPOKEN:  # the name when the speaker changes, as many exports do
        lines.append(u["text"] if u["speaker"] == previous else f"{u['speaker']}: {u['text']}")
        previous = u["speaker"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = read_transcript(path, "m")
    assert t.format == "named_lines"
    assert set(t.metadata["speakers"].split(", ")) == FULL_NAMES
    text = path.read_text(encoding="utf-8")
    sentences = sentence_pieces(t)
    assert sum(words(s.text) for s in sentences) == SPOKEN_WORDS  # every word once, no name
    for s in sentences:
        assert s.speaker in FULL_NAMES
        assert not any(f"{name}:" in s.text for name in FULL_NAMES)
        assert " ".join(text[s.start : s.end].split()) == s.text  # a slice of the file
    said_by = {s.text: s.speaker for s in sentences}
    assert said_by["How small is small?"] == "Alice Chen"
    # prose with a "Note: ..." line is no such transcript
    prose = tmp_path / "notes.txt"
    prose.write_text("Note: read this first.\nThe budget grew.\nIt grew again.\n", "utf-8")
    assert read_transcript(prose, "p").format == "plain"


def test_chinese_speaker_labels_with_a_full_width_colon_give_turns(tmp_path: Path) -> None:
    """ "主持人：..." lines: the full-width colon has no space after it; a clause before a
    colon inside a turn is no name."""
    path = tmp_path / "zh.txt"
    path.write_text(
        "主持人：欢迎收听本期节目。今天我们聊人工智能。\n王磊：谢谢邀请。我做了八年投资。\n"
        "主持人：深度求索改变了格局吗？\n王磊：我觉得是的。他说的一句话非常重要：要开源。\n",
        encoding="utf-8",
    )
    t = read_transcript(path, "zh")
    assert t.format == "named_lines"
    assert t.metadata["speakers"] == "主持人, 王磊"
    assert [(s.speaker, s.text) for s in sentence_pieces(t)] == [
        ("主持人", "欢迎收听本期节目。"),
        ("主持人", "今天我们聊人工智能。"),
        ("王磊", "谢谢邀请。"),
        ("王磊", "我做了八年投资。"),
        ("主持人", "深度求索改变了格局吗？"),
        ("王磊", "我觉得是的。"),
        ("王磊", "他说的一句话非常重要：要开源。"),
    ]


def test_a_parliament_s_speakers_keep_their_names_not_their_seats(tmp_path: Path) -> None:
    # QMSum's committee meetings (Canada's House of Commons): a title and the riding and
    # party in brackets, nested in the chair's
    path = tmp_path / "committee.txt"
    path.write_text(
        "The Chair (Hon. Anthony Rota (Nipissing—Timiskaming, Lib.)): I call this meeting "
        "to order.\n"
        "Ms. Elizabeth May (Saanich—Gulf Islands, GP): Thank you, Mr. Chair. I rise today.\n"
        "The Chair (Hon. Anthony Rota (Nipissing—Timiskaming, Lib.)): Thank you.\n"
        "Mr. Garnett Genuis (Sherwood Park—Fort Saskatchewan, CPC): Two petitions today.\n"
        # covid_6: the Prime Minister's "Right Hon.", a minister's initial
        "Right Hon. Justin Trudeau (Prime Minister): Mr. Chair, we are working.\n"
        "Hon. Harjit S. Sajjan: Mr. Chair, the report was given up the chain of command.\n",
        encoding="utf-8",
    )
    t = read_transcript(path, "c")
    assert t.format == "named_lines"
    assert t.metadata["speakers"] == (
        "The Chair, Ms. Elizabeth May, Mr. Garnett Genuis, Right Hon. Justin Trudeau, "
        "Hon. Harjit S. Sajjan"
    )
    assert t.segments[-1].text == "Mr. Chair, the report was given up the chain of command."
    assert [s.text for s in t.segments][:2] == [
        "I call this meeting to order.",
        "Thank you, Mr. Chair. I rise today.",
    ]


def test_youtube_rolling_captions_keep_each_word_once() -> None:
    t = read_transcript(DATA / "youtube_auto.vtt", "yt")
    spoken = " ".join(u["text"] for u in SPOKEN).split()
    assert " ".join(s.text for s in t.segments).split() == spoken
    assert t.metadata["language"] == "en" and t.metadata["kind"] == "captions"
    raw = (DATA / "youtube_auto.vtt").read_text(encoding="utf-8")
    assert words(raw) > 2 * SPOKEN_WORDS  # the file itself repeats every line


def test_voice_tags_entities_and_two_voices_in_one_cue() -> None:
    t = read_transcript(DATA / "voices.vtt", "v")
    by_text = {s.text: s.speaker for s in t.segments}
    assert by_text["Agreed. How small is small?"] == "Alice Chen"
    five = "Five percent of the construction line, so roughly twenty five thousand."
    assert by_text[five] == "Bob Martin"
    assert any("Bob & Priya" in s.text for s in t.segments)  # &amp; decoded


def test_whisper_metadata_stays_metadata() -> None:
    t = read_transcript(DATA / "whisper.json", "w")
    assert t.metadata["language"] == "en" and t.metadata["duration"] == "1:01:05"
    assert not any(re.search(r"\d{5}|avg_logprob|temperature", s.text) for s in t.segments)


def test_asr_services_json_keeps_their_times_and_speakers() -> None:
    # AssemblyAI counts milliseconds, Deepgram and Rev seconds: each first cue is 59:00
    for name, language in (("assemblyai.json", "en_us"), ("deepgram.json", None)):
        t = read_transcript(DATA / name, "a")
        assert t.segments[0].timestamp == "59:00", name
        assert t.metadata.get("language") == language
        assert t.metadata["duration"] == "1:01:05", name
    rev = read_transcript(DATA / "rev.json", "r")
    first = SPOKEN[0]
    assert (rev.segments[0].text, rev.segments[0].speaker) == (first["text"], first["speaker"])


def test_deepgram_without_utterances_is_read_by_paragraph(tmp_path: Path) -> None:
    paragraphs = [
        {"speaker": 1, "sentences": [{"text": "We met in May.", "start": 61.5, "end": 63.0}]},
        {
            "speaker": 0,
            "sentences": [
                {"text": "Costs rose twelve percent.", "start": 64.0, "end": 66.0},
                {"text": "So we cut the survey.", "start": 66.2, "end": 68.0},
            ],
        },
    ]
    alternative = {"transcript": "...", "paragraphs": {"paragraphs": paragraphs}}
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"results": {"channels": [{"alternatives": [alternative]}]}}))
    t = read_transcript(path, "call")
    assert t.format == "asr_json"
    assert [(s.text, s.speaker, s.timestamp) for s in t.segments] == [
        ("We met in May.", "Speaker 1", "1:01"),
        ("Costs rose twelve percent. So we cut the survey.", "Speaker 0", "1:04"),
    ]


def test_a_web_page_without_times_reads_its_paragraphs_and_leaves_its_chrome(
    tmp_path: Path,
) -> None:
    page = tmp_path / "episode.html"
    page.write_text(
        "<!doctype html><html><head><title>Ep. 4: Chips</title>"
        "<script>var x = '<p>not text</p>';</script></head><body>"
        "<nav><ul><li>Home</li><li>About</li></ul></nav>"
        "<div class='transcript'><p>Alice: Export rules changed in <em>2022</em>.</p>"
        "<p>Bob: Nvidia&#8217;s H20 sales fell 40%.<br>Alice: And then?</p>"
        "<p>Bob: They recovered.</p></div>"
        "<footer><form><button>Subscribe</button></form>Terms</footer></body></html>",
        encoding="utf-8",
    )
    t = read_transcript(page, "ep")
    assert (t.format, t.metadata["title"]) == ("html", "Ep. 4: Chips")
    assert [(s.speaker, s.text, s.timestamp) for s in t.segments] == [
        ("Alice", "Export rules changed in 2022.", None),
        ("Bob", "Nvidia’s H20 sales fell 40%.", None),
        ("Alice", "And then?", None),
        ("Bob", "They recovered.", None),
    ]
    assert read_source_text(page).splitlines()[1] == "Bob: Nvidia’s H20 sales fell 40%."
    bare = tmp_path / "bare.html"
    bare.write_text("<html><head><title>x</title></head><body><nav>Home</nav></body></html>")
    transcripts, skipped = ingest_paths([bare])
    assert transcripts == [] and "bare.html has no text outside its markup" in skipped[0].reason
    prose = tmp_path / "notes.txt"  # a transcript that mentions a tag is no web page
    prose.write_text("We talked about <html> tags.\nAnd then about <p> tags.\n")
    assert read_transcript(prose, "n").format == "plain"


@pytest.mark.parametrize(("name", "fmt"), [("zoom.vtt", "webvtt"), ("whisper.json", "asr_json")])
def test_format_found_by_content_not_extension(tmp_path: Path, name: str, fmt: str) -> None:
    renamed = tmp_path / "recording.txt"
    shutil.copy(DATA / name, renamed)
    assert read_transcript(renamed, "r").format == fmt
    srt_like = tmp_path / "subs.vtt"  # an SRT file misnamed .vtt
    shutil.copy(DATA / "speakers.srt", srt_like)
    assert read_transcript(srt_like, "s").format == "srt"


def test_json_that_is_not_asr_and_empty_captions(tmp_path: Path) -> None:
    other = tmp_path / "data.json"
    other.write_text('{"name": "not a transcript", "items": [1, 2]}\n', encoding="utf-8")
    assert read_transcript(other, "d").format == "plain"
    empty = tmp_path / "empty.vtt"
    empty.write_text("WEBVTT\n\nNOTE nothing was said\n", encoding="utf-8")
    transcripts, skipped = ingest_paths([empty, DATA / "zoom.vtt"])
    assert [t.format for t in transcripts] == ["webvtt"]
    assert "empty.vtt has no caption text" in skipped[0].reason
    with pytest.raises(IngestError, match="no caption text"):
        read_source_text(empty)


def test_registry_lists_every_format_once_with_plain_last() -> None:
    names = [f.name for f in FORMATS]
    assert len(names) == len(set(names)) and names[-1] == "plain"
    assert {"webvtt", "srt", "asr_json", "markdown", "speaker_turns"} <= set(names)


def test_seed_chunks_are_unchanged() -> None:
    """The five seeds chunk exactly as in the committed outputs (texts and offsets)."""
    manifest = json.loads((ROOT / "outputs" / "manifest.json").read_text(encoding="utf-8"))
    committed = [
        Chunk.model_validate_json(line)
        for line in (ROOT / "outputs" / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    transcripts, skipped = ingest_paths([ROOT / "seeds"])
    assert skipped == []
    assert [t.format for t in transcripts] == [s["format"] for s in manifest["sources"]]
    chunks = [
        c
        for t in transcripts
        for c in chunk_transcript(
            t,
            chunk_tokens=manifest["settings"]["chunk_tokens"],
            overlap_tokens=manifest["settings"]["chunk_overlap_tokens"],
        )
    ]
    assert chunks == committed
    for t in transcripts:  # the seeds' source text is the file as written
        assert read_source_text(Path(t.path)) == Path(t.path).read_text(encoding="utf-8")


def test_run_over_every_sample_verifies_and_cites_timestamps(scripted, tmp_path: Path) -> None:
    inputs = [DATA / name for name in sorted(SAMPLES)]
    scripted.responder = generic_responder
    out = tmp_path / "out"
    manifest = run_pipeline(
        inputs, Settings.load(None, chunk_tokens=300), out, session=ScriptedSession(scripted)
    )
    assert manifest.failures == []
    assert {s.format for s in manifest.sources} == {"webvtt", "srt", "asr_json", "html"}
    checked, problems = verify_outputs(out)
    assert checked > 0 and problems == []
    for sid in ("zoom", "speakers", "whisper", "youtube_auto", "transcript", "rev"):
        markdown = (out / "sources" / f"{sid}.md").read_text(encoding="utf-8")
        assert re.search(rf"\[{sid} @ (?:59|1:0[01]):\d\d\]", markdown), sid
    report = (out / "report.html").read_text(encoding="utf-8")
    assert 'data-s="zoom"' in report and re.search(r"\[zoom @ (?:59|1:0[01]):\d\d\]", report)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.vtt", "WEBVTT\n\n00:00:0x.000 --> 00:00:02.000\nhello there\n", "no caption text"),
        (
            "bad.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nhello\n\n2\n00:00:0x,000 --> 00:00:03,000\nx\n",
            "is not valid SRT",
        ),
        ("bad.json", '{"segments": [{"start": "abc", "text": "hi"}]}', "bad start time: 'abc'"),
    ],
)
def test_broken_caption_files_are_skipped_by_name(
    tmp_path: Path, name: str, content: str, reason: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    transcripts, skipped = ingest_paths([path, DATA / "zoom.vtt"])
    assert [t.source_id for t in transcripts] == ["zoom"]
    assert skipped[0].reason.startswith(name) and reason in skipped[0].reason
