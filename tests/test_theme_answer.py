""" "What do the sources say about X?" answered with the cross-source theme on X, each
sentence and statement with its checked citations, no model call (``ask/theme_answer.py``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ScriptedClient, ScriptedSession

from pipeline.ask.corpus import read_sources
from pipeline.ask.theme_answer import matching_theme, subject_asked, theme_answer
from pipeline.cli import main

OUT = Path(__file__).resolve().parent.parent / "outputs"
CHIPS = "What do the sources say about US export controls on chips?"


def _theme(title: str, summary: str, said: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "title": title,
        "summary": {"text": summary},
        "by_source": [{"text": t, "source_ids": [s]} for s, t in said],
    }


def test_a_question_of_what_the_sources_say_names_its_subject() -> None:
    assert subject_asked(CHIPS) == "US export controls on chips"
    assert subject_asked("what do the podcasts think of DeepSeek") == "DeepSeek"
    assert subject_asked("What does the thread say about chips?") is None  # one source
    assert subject_asked("What did Grace Shao say about Manus?") is None


def test_the_theme_on_the_subject_is_the_one_its_title_or_two_sources_name() -> None:
    themes = [
        _theme(
            "Chinese AI Industry",
            "The Chinese government may be hesitant.",
            [("002", "Chinese researchers"), ("004", "The industry")],
        ),
        _theme(
            "The Chinese Government's Plans",
            "The Chinese government rebuilds cities.",
            [("001", "AI is national infrastructure"), ("000", "Rail was built")],
        ),
        _theme(
            "AI Export Controls",
            "Companies stockpiled chips.",
            [("002", "Bans on advanced chips"), ("003", "H800 chips got around the bans")],
        ),
        _theme(
            "Silicon Valley vs. China",
            "Memes say DeepSeek ate OpenAI's lunch.",
            [("000", "Silicon Valley turned right"), ("003", "He works in Silicon Valley")],
        ),
    ]
    # both themes say "Chinese government"; the one whose title names more of it
    assert matching_theme("the Chinese government", themes) is themes[1]
    # no title says "chips", but two sources' statements under the export controls do
    assert matching_theme("chips", themes) is themes[2]
    # one summary sentence naming DeepSeek does not make its theme the one on DeepSeek
    assert matching_theme("DeepSeek", themes) is None
    # most of the subject must be said: "how Uber fared in China" is not the industry's
    assert matching_theme("how Uber fared when it competed in China", themes) is None


def test_the_committed_cross_source_theme_answers_with_checked_citations() -> None:
    """Of the committed outputs: the export-controls question was answered from 004's
    Llama sentence alone ("China sees it as a vulnerability")."""
    texts = read_sources(OUT)
    ids = sorted(texts)
    brief = json.loads((OUT / "brief.json").read_text(encoding="utf-8"))
    answer = theme_answer(CHIPS, OUT, texts, ids)
    assert answer is not None and answer.from_brief and answer.theme
    theme = next(t for t in brief["themes"] if t["title"] == answer.theme)
    assert "chip" in answer.answer.lower()
    # its summary's sentences, then what each source says, each statement cited
    listed = [s["text"] for s in theme["by_source"]]
    assert [s.text for s in answer.statements][-len(listed) :] == listed
    assert all(s.citations for s in answer.statements)
    assert len({c.passage.source_id for c in answer.citations}) >= 3
    for cited in answer.citations:
        p = cited.passage
        assert texts[p.source_id][p.char_start : p.char_end] == p.text
    # asked of some sources, of one source, or of a subject no theme is on: not answered here
    assert theme_answer(CHIPS, OUT, texts, ["002", "003"]) is None
    assert theme_answer("What do the sources say about Uber?", OUT, texts, ids) is None
    # a passage that no longer matches its source is left out, and a statement with none
    stale = {s: "x" * len(t) for s, t in texts.items()}
    assert theme_answer(CHIPS, OUT, stale, ids) is None


def test_cli_says_which_theme_answers_and_calls_no_model(
    tmp_path: Path, scripted: ScriptedClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    shutil.copytree(OUT, out)
    shutil.copytree(OUT.parent / "seeds", tmp_path / "seeds")  # the manifest's paths
    monkeypatch.setattr("pipeline.session.ModelSession", lambda *a, **k: ScriptedSession(scripted))
    result = CliRunner().invoke(main, ["ask", CHIPS, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert 'note: what the sources say on a subject: the cross-source theme "' in result.stderr
    assert "Sources (each checked against its file" in result.stdout
    assert not scripted.history  # no model call
