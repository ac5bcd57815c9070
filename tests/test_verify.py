"""`brief verify` on the committed example run, and on copies of it with one thing
changed: every kind of change must be found."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.outputs.verify import verify_outputs

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The committed outputs beside the seeds, as a fresh clone has them."""
    shutil.copytree(ROOT / "outputs", tmp_path / "outputs", ignore=shutil.ignore_patterns("index"))
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    return tmp_path / "outputs"


def test_committed_outputs_verify_with_summaries_and_markdown(copy: Path) -> None:
    checked, problems = verify_outputs(copy)
    assert problems == []
    brief_passages = sum(
        json.dumps(json.loads(p.read_text())).count('"char_start"')
        for p in [copy / "brief.json", *(copy / "sources").glob("*.json")]
    )
    summary_passages = (copy / "summaries.jsonl").read_text().count('"char_start"')
    md_quotes = sum(
        line.startswith("> ")
        for p in [copy / "brief.md", *(copy / "sources").glob("*.md")]
        for line in p.read_text().splitlines()
    )
    chunks = len((copy / "chunks.jsonl").read_text().splitlines())
    assert summary_passages >= chunks and md_quotes > 5  # evidence in every map summary
    assert checked == brief_passages + summary_passages + md_quotes
    result = CliRunner().invoke(main, ["verify", "--out", str(copy)])
    assert result.exit_code == 0
    assert f"{checked} passages checked, 0 problems" in result.output


def edit_summary(out: Path) -> None:
    path = out / "summaries.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["key_points"][0]["evidence"][0]["text"] += " (and more)"
    path.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")


def drop_column(out: Path) -> None:
    path = out / "sources/000.json"
    brief = json.loads(path.read_text(encoding="utf-8"))
    del brief["quotes"][0]["passage"]["column"]
    path.write_text(json.dumps(brief), encoding="utf-8")


def shift_column(out: Path) -> None:
    path = out / "sources/000.json"
    brief = json.loads(path.read_text(encoding="utf-8"))
    brief["quotes"][0]["passage"]["column"] += 1
    path.write_text(json.dumps(brief), encoding="utf-8")


def edit_markdown_quote(out: Path) -> None:
    path = out / "sources/000.md"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines) if line.startswith("> "))
    words = lines[at].split(" ")
    words[1] += "s"  # one word of the quote changed
    lines[at] = " ".join(words)
    path.write_text("".join(lines), encoding="utf-8")


def add_markdown_quote(out: Path) -> None:
    path = out / "brief.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n> Made up. [000 L4]\n")


CHANGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "summary evidence text": (edit_summary, "summaries.jsonl:1: [000 "),
    "passage without column": (drop_column, "000.json: [000 {quote}] has no column"),
    "wrong column": (shift_column, "column does not match the offset"),
    "markdown quote reworded": (edit_markdown_quote, "000.md: quote [000 L…] is not its source"),
    "markdown quote added": (add_markdown_quote, "quotes, but the JSON has"),
}


@pytest.mark.parametrize("name", CHANGES)
def test_every_kind_of_change_is_found(copy: Path, name: str) -> None:
    change, expected = CHANGES[name]
    first_quote = json.loads((copy / "sources/000.json").read_text(encoding="utf-8"))["quotes"][0]
    expected = expected.replace("{quote}", str(first_quote["passage"]["char_start"]))
    change(copy)
    _, problems = verify_outputs(copy)
    # "…" stands for a part that depends on the committed outputs (a line number)
    assert len(problems) == 1 and all(part in problems[0] for part in expected.split("…"))
    result = CliRunner().invoke(main, ["verify", "--out", str(copy)])
    assert result.exit_code == 1 and "1 problems" in result.output


def test_a_source_changed_since_the_run_is_named_with_its_fix(copy: Path) -> None:
    source = copy.parent / "seeds" / "002_e97962a6dbc2b620.txt"
    source.write_text("Editor's note: lightly edited.\n" + source.read_text(encoding="utf-8"))
    checked, problems = verify_outputs(copy)
    # one problem for the source, not one for each of its passages (154 of them)
    assert len(problems) == 1 and problems[0].startswith("source 002 (")
    assert "changed since `brief run`" in problems[0] and "run `brief run` again" in problems[0]
    assert checked > 0  # the other sources' passages are still checked
    for command in (["ask", "What about censorship?"], ["render"]):
        result = CliRunner().invoke(main, [*command, "--out", str(copy)])
        assert result.exit_code == 2, command
        assert "source 002" in result.output and "run `brief run` again" in result.output
