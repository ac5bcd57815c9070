"""report.html without a browser: built from the JSON outputs only, self-contained (no
remote resource), every transcript and model string escaped, any passage-bearing section
rendered, and `brief render` redraws the same files with no model call."""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ScriptedSession, generic_responder

from pipeline.cli import main
from pipeline.outputs.passages import passages_in
from pipeline.outputs.report_html import render_report
from pipeline.runner import run_pipeline
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = (
    ' <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    " [click](javascript:window.__pwned=3) <a href='javascript:alert(1)'>x</a>"
)
TRANSCRIPT = (
    "Mara: We met at <script>window.__pwned = 1</script> the council on Monday.\n"
    'Theo: The flyer said <img src=x onerror="window.__pwned = 2"> in large print.\n'
    "Mara: The minutes link to [the plan](javascript:window.__pwned=3) for some reason.\n"
    "Theo: Thanks, that is all from me today.\n"
)


def hostile_responder(stage: str, messages: list[dict[str, str]]) -> object:
    """The generic scripted replies, with markup appended to every model-written text."""
    reply = generic_responder(stage, messages)
    if stage == "map" or not isinstance(reply, dict):
        return reply

    def spoil(value: object, key: str = "") -> object:
        if isinstance(value, dict):
            return {k: spoil(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [spoil(v, key) for v in value]
        if isinstance(value, str) and key == "title":  # titles are short: one payload
            return value + ' <img src=x onerror="window.__pwned = 4">'
        if isinstance(value, str) and key in ("overview", "summary", "text", "open_questions"):
            return value + HOSTILE
        return value

    return spoil(reply)


@pytest.fixture
def hostile_out(scripted, tmp_path: Path) -> Path:
    source = tmp_path / "in" / "010_hostile.txt"
    source.parent.mkdir()
    source.write_text(TRANSCRIPT, encoding="utf-8")
    scripted.responder = hostile_responder
    out = tmp_path / "out"
    inputs = [source, ROOT / "tests" / "data" / "formats" / "zoom.vtt"]
    manifest = run_pipeline(
        inputs, Settings.load(None, chunk_tokens=300), out, session=ScriptedSession(scripted)
    )
    assert manifest.failures == []
    return out


def test_run_writes_a_report_with_nothing_active_from_the_data(hostile_out: Path) -> None:
    html = (hostile_out / "report.html").read_text(encoding="utf-8")
    assert html.count("<script") == 1  # the report's own script, nothing else
    assert not re.search(r"<[^>]*\son\w+\s*=", html)  # no event-handler attribute
    assert not re.search(r"(?:href|src)\s*=\s*[\"']?\s*javascript:", html, re.I)
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html  # shown, as text
    assert "onerror=&quot;window.__pwned = 2&quot;" in html
    # the model's text (not only the transcript's) reached the JSON the report is drawn from
    written = json.dumps(HOSTILE.strip())[1:-1]
    files = [hostile_out / "brief.json", *sorted((hostile_out / "sources").glob("*.json"))]
    assert any(written in path.read_text(encoding="utf-8") for path in files)


def test_report_is_self_contained(hostile_out: Path) -> None:
    html = (hostile_out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"(?:src|href|action)\s*=\s*[\"']?\s*(?:https?:)?//", html, re.I)
    assert "@import" not in html and "url(" not in html
    assert "<link" not in html and "<iframe" not in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_every_passage_becomes_a_link_and_its_spans_make_its_text(hostile_out: Path) -> None:
    """Each citation names its passage's offsets, and the transcript is cut at them, so
    the spans from char_start to char_end join to exactly the passage text."""
    html = (hostile_out / "report.html").read_text(encoding="utf-8")
    files = [hostile_out / "brief.json", *sorted((hostile_out / "sources").glob("*.json"))]
    passages = [p for f in files for p in passages_in(json.loads(f.read_text(encoding="utf-8")))]
    assert passages
    links = re.findall(r'<a class="cite"[^>]* data-s="([^"]+)" data-a="(\d+)" data-b="(\d+)"', html)
    # every passage is linked (a theme's own citations repeat its sentences' citations,
    # shown once, after each sentence)
    assert set(links) == {
        (p["source_id"], str(p["char_start"]), str(p["char_end"])) for p in passages
    }
    import html as htmllib

    for sid in {p["source_id"] for p in passages}:
        template = re.search(rf'<template id="tt-{sid}">(.*?)</template>', html, re.S)
        assert template
        spans = [
            (int(o), htmllib.unescape(t))
            for o, t in re.findall(
                r'<span data-o="(\d+)"[^>]*>(.*?)</span>', template.group(1), re.S
            )
        ]
        for p in (p for p in passages if p["source_id"] == sid):
            inside = "".join(t for o, t in spans if p["char_start"] <= o < p["char_end"])
            assert inside == p["text"]


def test_new_sections_render_without_code(hostile_out: Path) -> None:
    """A section the renderer has never heard of: its text and its citations show."""
    brief_path = hostile_out / "brief.json"
    brief = json.loads(brief_path.read_text(encoding="utf-8"))
    passage = next(passages_in(brief))
    brief["key_facts_and_figures"] = [
        {"fact": "Survey costs rose <b>12%</b>", "figure": "12%", "citations": [passage]}
    ]
    brief_path.write_text(json.dumps(brief), encoding="utf-8")
    html = render_report(hostile_out)
    section = html[html.index("<h3>Key facts and figures</h3>") :]
    assert "Survey costs rose &lt;b&gt;12%&lt;/b&gt;" in section
    assert re.search(rf'data-a="{passage["char_start"]}" data-b="{passage["char_end"]}"', section)


def test_brief_render_redraws_markdown_and_report(hostile_out: Path) -> None:
    before = {
        p.relative_to(hostile_out): p.read_bytes()
        for p in [*hostile_out.glob("*.md"), *hostile_out.glob("sources/*.md")]
    }
    (hostile_out / "report.html").unlink()
    for path in before:
        (hostile_out / path).write_text("stale", encoding="utf-8")
    result = CliRunner().invoke(main, ["render", "--out", str(hostile_out)])
    assert result.exit_code == 0, result.output
    assert "report.html" in result.output
    assert (hostile_out / "report.html").is_file()
    after = {path: (hostile_out / path).read_bytes() for path in before}
    assert after == before


def test_brief_render_names_the_fix_when_nothing_was_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["render", "--out", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "run `brief run` first" in result.output


def test_a_summary_shows_each_sentence_with_its_own_citations() -> None:
    """As in the Markdown: no list of citation lists beside the summary."""
    page = render_report(ROOT / "outputs")
    assert "Sentence citations" not in page and "Overview citations" not in page
    # the Markdown's headings
    assert "<h3>Themes across sources</h3>" in page and "<h3>Key facts and figures</h3>" in page
    # an overview too: each sentence, then its citations
    cross = json.loads((ROOT / "outputs" / "brief.json").read_text())
    from pipeline.text import cited_sentences

    said, cites = cited_sentences(cross["overview"], cross["overview_citations"])[0]
    overview = page.split('<p class="overview">', 1)[1].split("</p>", 1)[0]
    assert overview.startswith(f'<span>{escape(said)}</span> <span class="cites">')
    assert f'data-a="{cites[0]["char_start"]}"' in overview.split(escape(said), 1)[1]
    brief = json.loads((ROOT / "outputs" / "sources" / "000.json").read_text())
    theme = next(t for t in brief["themes"] if len(t["sentence_citations"]) > 1)
    from pipeline.text import sentences_of

    first, second = sentences_of(theme["summary"])[:2]
    # the first sentence, then its citations, then the second sentence
    between = page.split(escape(first), 1)[1].split(escape(second), 1)[0]
    assert 'class="cites"' in between
    # and no passage of the outputs goes unlinked
    files = [
        ROOT / "outputs" / "brief.json",
        *sorted((ROOT / "outputs" / "sources").glob("*.json")),
    ]
    passages = [p for f in files for p in passages_in(json.loads(f.read_text(encoding="utf-8")))]
    links = re.findall(r'<a class="cite"[^>]* data-s="([^"]+)" data-a="(\d+)" data-b="(\d+)"', page)
    assert set(links) == {
        (p["source_id"], str(p["char_start"]), str(p["char_end"])) for p in passages
    }


def test_a_summary_s_passages_no_sentence_cites_follow_it_under_a_label() -> None:
    """Right after a theme's last sentence, the passages its statements rest on read as
    that sentence's evidence: they follow under "also drawn on:"."""
    from pipeline.outputs.report_html import ALSO_DRAWN_ON, Report

    def passage(start: int) -> dict[str, object]:
        return {
            "source_id": "001",
            "char_start": start,
            "char_end": start + 5,
            "line_start": start,
            "line_end": start,
            "column": 1,
            "timestamp": None,
            "text": "words",
        }

    one, two, other = passage(10), passage(20), passage(30)
    theme = {
        "title": "Chips",
        "summary": "Chips are scarce. Labs share them.",
        "sentence_citations": [[one], [two]],
        "citations": [one, two, other],
    }
    shown = Report(None, [], {}, {"001": "x" * 40}).item(theme)
    last = shown.split("Labs share them.", 1)[1]
    own, rest = last.split(ALSO_DRAWN_ON, 1)
    assert 'data-a="20"' in own and 'data-a="30"' not in own
    assert 'data-a="30"' in rest


def test_a_quote_of_a_bulleted_transcript_shows_its_words_without_the_line_markers() -> None:
    """Seed 004 is a markdown bullet list, "*  " before each wrapped line: the report's
    quotes read "... it doesn't seem that * they are, ..." where the Markdown's did not."""
    from pipeline.models import Passage
    from pipeline.outputs.markdown import quote_text
    from pipeline.outputs.report_html import Report

    raw = "it doesn't seem that\n*  they are constrained on 3*4 chips,\n*  it seems"
    passage = {
        "source_id": "004",
        "char_start": 0,
        "char_end": len(raw),
        "line_start": 1,
        "line_end": 3,
        "column": 1,
        "timestamp": None,
        "text": raw,
    }
    shown = Report(None, [], {}, {"004": raw}).quote({"passage": passage})
    said = "it doesn&#x27;t seem that they are constrained on 3*4 chips, it seems"
    assert shown.startswith(f"<blockquote>{said} ")
    # the Markdown shows the same words (its own escapes aside)
    assert quote_text(Passage(**passage)) == said.replace("&#x27;", "'").replace("*", "\\*")


def test_a_run_over_one_source_has_that_sources_brief_as_its_brief(
    scripted, tmp_path: Path
) -> None:
    # a cross-source brief of one source repeated its overview under "Cross-source brief"
    # with one quote: briefing one meeting gave a brief.md without its themes and facts
    source = tmp_path / "in" / "council.txt"
    source.parent.mkdir()
    source.write_text(TRANSCRIPT.replace("<", "").replace(">", ""), encoding="utf-8")
    scripted.responder = generic_responder
    out = tmp_path / "out"
    run_pipeline([source], Settings.load(None), out, session=ScriptedSession(scripted))
    own = (out / "sources" / "council.md").read_text(encoding="utf-8")
    assert (out / "brief.md").read_text(encoding="utf-8") == own
    assert own.startswith("# ") and "## Key themes" in own
    assert json.loads((out / "brief.json").read_text())["source_ids"] == ["council"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Cross-source brief" not in html and 'id="src-council"' in html
    result = CliRunner().invoke(main, ["verify", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (out / "brief.md").write_text("stale", encoding="utf-8")
    assert CliRunner().invoke(main, ["render", "--out", str(out)]).exit_code == 0
    assert (out / "brief.md").read_text(encoding="utf-8") == own


def test_a_point_shows_who_says_it_as_a_quote_does() -> None:
    """A meeting's key fact with its speaker, as the Markdown prints it ("... — Hon. Mary
    Ng [covid_6 L41]"): the speaker after the words, not a "Speaker" field after the
    citations."""
    from pipeline.outputs.report_html import Report

    passage = {
        "source_id": "c",
        "char_start": 0,
        "char_end": 12,
        "line_start": 1,
        "line_end": 1,
        "column": 1,
        "timestamp": None,
        "text": "We invested.",
    }
    report = Report(None, [], {}, {"c": "We invested."})
    point = report.item({"text": "We invested.", "citations": [passage], "speaker": "Hon. Mary Ng"})
    assert '<span>We invested.</span> <span class="who">— Hon. Mary Ng</span> ' in point
    assert ">Speaker<" not in point
    assert 'class="who"' not in report.item({"text": "We invested.", "citations": [passage]})


def test_a_source_s_sections_come_in_the_markdown_s_order() -> None:
    """Key facts after the themes, before the quotes and the people, on the page as in
    ``sources/*.md`` (they came last, under the people and organisations)."""
    page = render_report(ROOT / "outputs")
    section = page[page.index('id="src-003"') :]
    markdown = (ROOT / "outputs" / "sources" / "003.md").read_text(encoding="utf-8")
    headings = ["Overview", "Key themes", "Key facts and figures", "Notable quotes"]
    assert sorted(headings, key=lambda h: section.index(f"<h3>{h}</h3>")) == headings
    assert sorted(headings, key=lambda h: markdown.index(f"\n## {h}\n")) == headings
    names = section.index("<h3>People and organisations</h3>")
    assert section.index("<h3>Notable quotes</h3>") < names
    assert markdown.index("\n## Notable quotes\n") < markdown.index(
        "\n## People and organisations\n"
    )


def test_people_and_organisations_are_one_section_of_two_lines_as_in_the_markdown() -> None:
    """The page gave people and organisations a section each, a name a line (26 lines for
    source 004); the Markdown lists them as two lines under one heading."""
    from pipeline.outputs.labels import LABELS
    from pipeline.outputs.report_html import Report

    brief = {"people": ["Grace Shao", "Jack Ma"], "organisations": ["Alibaba"]}
    english = Report.names(brief, LABELS[""])
    assert english == (
        "<h3>People and organisations</h3>"
        '<p class="names"><span class="k">People: </span>Grace Shao, Jack Ma</p>'
        '<p class="names"><span class="k">Organisations: </span>Alibaba</p>'
    )
    spanish = Report.names({"people": [], "organisations": ["Alibaba"]}, LABELS["Spanish"])
    assert spanish == (
        "<h3>Personas y organizaciones</h3>"
        '<p class="names"><span class="k">Organizaciones: </span>Alibaba</p>'
    )
    assert Report.names({"people": [], "organisations": []}, LABELS[""]) == ""
    page = render_report(ROOT / "outputs")
    assert "<h3>People</h3>" not in page and "<h3>Organisations</h3>" not in page
    assert page.count("<h3>People and organisations</h3>") == 5  # one a source brief
