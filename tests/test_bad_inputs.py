"""Row 14: a folder of bad inputs next to good ones. Each bad file gets a one-line
message, no model call; the good ones are processed; the run exits 1 with a summary;
every write stays inside the output folder."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from fault_server import FaultServer

from pipeline.cli import main
from pipeline.inputs.chunking import chunk_transcript
from pipeline.inputs.ingest import ingest_paths

GOOD = "Ann: We planted {word} trees along the river this spring.\nBen: The {word} grew well.\n"


def make_inputs(root: Path, outside: Path) -> dict[str, str]:
    """Write the files; returns {file name: expected reason fragment} for the bad ones."""
    root.mkdir()
    (root / "good.txt").write_text(GOOD.format(word="oak"), encoding="utf-8")
    (root / "crlf.txt").write_bytes(GOOD.format(word="elm").replace("\n", "\r\n").encode())
    (root / "utf16.txt").write_bytes(GOOD.format(word="ash").encode("utf-16"))
    (root / "bidi.txt").write_text(
        GOOD.format(word="fir\u202e\u200bgnikcah\u202c"), encoding="utf-8"
    )
    (root / "newline\nname.txt").write_text(GOOD.format(word="yew"), encoding="utf-8")
    bad = {
        "empty.txt": "is empty",
        "blank.txt": "is empty or whitespace only",
        "binary.bin": "NUL bytes",
        "latin1.txt": "is not valid UTF-8 (bad byte at 8); save it as UTF-8, e.g. `iconv",
        "huge.txt": "is too big",
        "subfolder": "is a directory",
        "escape.txt": "outside",
    }
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.txt").write_text(" \n\t\n", encoding="utf-8")
    (root / "binary.bin").write_bytes(b"\x7fELF\x00\x01\x02SECRETBINARY")
    (root / "latin1.txt").write_bytes("Ann: caf\u00e9 cr\u00e8me LATINWORD\n".encode("latin-1"))
    (root / "huge.txt").write_text("Ann: HUGEWORD " + "x" * 300_000 + "\n", encoding="utf-8")
    (root / "subfolder").mkdir()
    (root / "subfolder" / "inner.txt").write_text(GOOD.format(word="INNER"), encoding="utf-8")
    outside.write_text("Eve: OUTSIDESECRET lives outside the input folder.\n", encoding="utf-8")
    (root / "escape.txt").symlink_to(outside)
    return bad


def test_bad_inputs_are_reported_and_the_rest_is_processed(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    bad = make_inputs(inputs, tmp_path / "secret.txt")
    with FaultServer() as server:
        result = CliRunner().invoke(
            main,
            ["run", str(inputs), "--out", str(out), "--api-base", server.url],
            env={"BRIEF_MAX_FILE_BYTES": "100000"},
        )
    assert result.exit_code == 1, result.output
    summary = result.output.split("failure(s):")[1]
    for name, reason in bad.items():
        line = next(x for x in summary.splitlines() if f"/{name}:" in x)
        assert reason in line, line
    sent = json.dumps(list(server.bodies.values()))
    for word in ("SECRETBINARY", "LATINWORD", "HUGEWORD", "INNER", "OUTSIDESECRET"):
        assert word not in sent
    for word in ("oak", "elm", "ash", "fir", "yew"):
        assert word in sent
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["sources"]) == 5
    assert all(s["status"] == "ok" for s in manifest["sources"])
    written = [p.resolve() for p in tmp_path.rglob("*") if p.is_file()]
    allowed = [inputs, out, tmp_path / "cache"]  # the cache: BRIEF_CACHE_DIR of this test
    strays = [
        p
        for p in written
        if p.name != "secret.txt" and not any(p.is_relative_to(a.resolve()) for a in allowed)
    ]
    assert strays == []
    assert "\u202e" not in (out / "sources/bidi.md").read_text()  # shown without bidi tricks
    assert (
        "\u202e" in (out / "sources/bidi.json").read_text()
        or "\\u202e" in (out / "sources/bidi.json").read_text()
    )


def test_names_cannot_steer_writes_out_of_the_output_folder(tmp_path: Path) -> None:
    import pytest

    from pipeline.inputs.ingest import source_id_for
    from pipeline.outputs.writer import OutputWriter

    for name in ("../../etc/passwd", "..\\..\\x.txt", "a\nb.txt", "/abs/x.txt", "...txt"):
        assert "/" not in source_id_for(Path(name)) and ".." not in source_id_for(Path(name))
    writer = OutputWriter(tmp_path / "out")
    with pytest.raises(ValueError, match="outside"):
        writer.write_text("sources/../../escape.md", "x")
    assert not (tmp_path / "escape.md").exists()


def test_one_5_mb_line_is_chunked_within_budget(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    sentence = "The committee discussed the harbour plan again. "
    path.write_text("Ann: " + sentence * (5_000_000 // len(sentence)), encoding="utf-8")
    transcripts, skipped = ingest_paths([path])
    assert skipped == [] and path.stat().st_size > 4_900_000
    chunks = chunk_transcript(transcripts[0], chunk_tokens=900, overlap_tokens=0)
    text = path.read_text(encoding="utf-8")
    assert max(c.tokens for c in chunks) <= 900
    assert chunks[-1].char_end == len(text.rstrip())
    for chunk in (chunks[0], chunks[len(chunks) // 2], chunks[-1]):
        for s in chunk.sentences:
            assert text[s.char_start : s.char_end] == s.text
