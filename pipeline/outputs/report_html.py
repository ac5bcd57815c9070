"""``report.html``: the briefs as one self-contained page, every citation a link into the
transcript it cites.

Built from an output folder only (``brief.json``, ``sources/*.json``, ``chunks.jsonl``
and the source texts the manifest names), so ``brief render`` redraws it with no model
call. The page has no remote resource (a Content-Security-Policy forbids them); every
string from a transcript or a model goes through ``html.escape``.

Rendering is data-driven: any dict carrying the passage keys (``source_id``,
``char_start``, ``char_end``, ``line_start``, ``line_end``, ``text``) becomes a citation
link wherever it sits, so a new brief section renders without code here; the known
sections (overview, themes, quotes, ...) get their own layout.

Each transcript is cut into spans at every sentence and passage boundary (``data-o`` =
offset into the source text) and kept in a ``<template>``: inert until its source is
opened, which keeps a 1,000-transcript page quick to load. A click on a citation fills
the transcript in, wraps the cited spans in one ``<mark>`` (whose text is then exactly
the passage), scrolls to it and shows timestamp, speaker and lines with a back link.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Any

from pipeline.ask.corpus import read_sources
from pipeline.errors import BriefError
from pipeline.models import Passage
from pipeline.outputs.coverage import table_rows
from pipeline.outputs.labels import ENGLISH, Labels, labels_of
from pipeline.outputs.markdown import lone_source
from pipeline.outputs.passages import is_passage, passages_in
from pipeline.outputs.report_page import PAGE
from pipeline.text import cited_sentences, flattened

# before the passages a summary draws on that none of its sentences cites
ALSO_DRAWN_ON = "also drawn on:"
# keys never rendered as an item of their own ("speaker" follows the text it names)
_SKIP = {
    "id",
    "ids",
    "point_ids",
    "theme_ids",
    "source_ids",
    "status",
    "error",
    "source_id",
    "speaker",
}
_TITLE_KEYS = ("title", "topic", "name", "heading")
_KNOWN_SOURCE = (  # the Markdown's order
    "overview",
    "themes",
    "key_facts",
    "quotes",
    "people",
    "organisations",
    "open_questions",
)
_KNOWN_CROSS = ("overview", "themes", "agreements", "disagreements", "quotes")
_NAMES = ("people", "organisations")  # one section: "People and organisations"


def _label(p: dict[str, Any]) -> str:
    known = {k: p[k] for k in Passage.model_fields if k in p}
    try:
        return Passage.model_validate(known).label
    except ValueError:
        return f"{p['source_id']} L{p['line_start']}"


class _Sentences:
    """The sentences of one source (from chunks.jsonl), to name a passage's speaker."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        unique = {(s["char_start"], s["char_end"]): s for s in rows}
        self.rows = [unique[k] for k in sorted(unique)]
        self.starts = [s["char_start"] for s in self.rows]

    def at(self, offset: int) -> dict[str, Any] | None:
        i = bisect_right(self.starts, offset) - 1
        return self.rows[i] if i >= 0 and offset < self.rows[i]["char_end"] else None


class Report:
    def __init__(
        self,
        cross: dict[str, Any] | None,
        sources: list[dict[str, Any]],
        sentences: dict[str, list[dict[str, Any]]],
        texts: dict[str, str],
    ) -> None:
        self.cross = cross
        self.sources = sources
        self.texts = texts
        self.sentences = {sid: _Sentences(rows) for sid, rows in sentences.items()}
        self.titles = {s["source_id"]: s.get("title") or s["source_id"] for s in sources}
        self.cited: dict[str, list[dict[str, Any]]] = {}  # source id -> passages cited in it
        for p in passages_in([cross, sources]):
            self.cited.setdefault(str(p["source_id"]), []).append(p)
        self.count = 0  # citations rendered: each gets an id for the back link

    # ------------------------------------------------------------------ citations

    def cite(self, p: dict[str, Any]) -> str:
        self.count += 1
        sid = str(p["source_id"])
        known = sid in self.texts
        sentence = self.sentences.get(sid, _Sentences([])).at(p["char_start"]) if known else None
        stamp = p.get("timestamp") or (sentence or {}).get("timestamp")
        speaker = (sentence or {}).get("speaker")
        lines = f"L{p['line_start']}" + (
            f"-{p['line_end']}" if p["line_end"] != p["line_start"] else ""
        )
        where = " · ".join(x for x in (f"source {sid}", stamp, speaker, lines) if x)
        a, b, s = int(p["char_start"]), int(p["char_end"]), escape(sid)
        return (
            f'<a class="cite" id="c{self.count}" href="#p-{s}-{a}-{b}" data-s="{s}" '
            f'data-a="{a}" data-b="{b}" data-where="{escape(where)}">[{escape(_label(p))}]</a>'
        )

    def cites(self, passages: list[dict[str, Any]]) -> str:
        return " ".join(self.cite(p) for p in passages)

    # ------------------------------------------------------------------ generic values

    @staticmethod
    def who(item: dict[str, Any]) -> str:
        """The " — Speaker" after a quote or a point, where the transcript names who says it."""
        speaker = item.get("speaker")
        return f' <span class="who">— {escape(str(speaker))}</span>' if speaker else ""

    def quote(self, item: dict[str, Any]) -> str:
        text = flattened(str(item["passage"]["text"]))
        return (
            f"<blockquote>{escape(text)}{self.who(item)} {self.cite(item['passage'])}</blockquote>"
        )

    def value(self, value: Any, said: Labels = ENGLISH) -> str:
        """Any JSON value: passages become citations, quotes block quotes, dicts items
        (``said``: the labels of the brief it is in)."""
        if is_passage(value):
            return self.cite(value)
        if isinstance(value, dict) and is_passage(value.get("passage")):
            return self.quote(value)
        if isinstance(value, dict):
            return self.item(value, said)
        if isinstance(value, list):
            if value and all(is_passage(v) for v in value):
                return f'<span class="cites">{self.cites(value)}</span>'
            if value and all(isinstance(v, dict) and is_passage(v.get("passage")) for v in value):
                return "".join(self.quote(v) for v in value)
            items = [self.value(v, said) for v in value]
            return "<ul>" + "".join(f"<li>{i}</li>" for i in items if i) + "</ul>" if items else ""
        if isinstance(value, str):
            return f"<span>{escape(value)}</span>" if value else ""
        if isinstance(value, bool) or value is None:
            return ""
        return f"<span>{escape(str(value))}</span>"

    def item(self, item: dict[str, Any], said: Labels = ENGLISH) -> str:
        """A dict: its title as a heading, its text, its citations, then anything else."""
        out = []
        title = next((item[k] for k in _TITLE_KEYS if isinstance(item.get(k), str)), None)
        if title:
            out.append(f"<h4>{escape(title)}</h4>")
        # a summary whose every sentence has its own citations reads as the Markdown does:
        # each sentence followed by its citations, instead of a list of citation lists
        by_sentence = self.by_sentence(
            item.get("summary"), item.get("sentence_citations"), item.get("citations")
        )
        for key, child in item.items():
            if key in _SKIP or key in _TITLE_KEYS and child == title:
                continue
            if by_sentence and key in ("summary", "citations", "sentence_citations"):
                if key == "summary":
                    out.append(by_sentence)
                continue
            rendered = self.value(child, said)
            if not rendered:
                continue
            if key == "text":
                out.append(rendered + self.who(item))
            elif key in ("summary", "citations", "evidence", "passage") or is_passage(child):
                out.append(rendered)
            else:
                out.append(
                    f'<div class="kv"><span class="k">{escape(_words(key))}</span> {rendered}</div>'
                )
        sources = item.get("source_ids")
        if isinstance(sources, list) and sources:
            links = ", ".join(
                f'<a href="#src-{escape(str(s))}">{escape(str(s))}</a>' for s in sources
            )
            label = escape(said.sources_cited(len(sources)))
            out.append(f'<span class="k">({label}{said.colon}{links})</span>')
        return f'<div class="item">{" ".join(out)}</div>'

    def by_sentence(self, summary: Any, citations: Any, item_citations: Any = None) -> str:
        """``summary`` (a text, or a dict with one) with each sentence followed by its
        citations; "" when the citations do not match the sentences one to one."""
        text = summary.get("text") if isinstance(summary, dict) else summary
        if not isinstance(text, str) or not isinstance(citations, list):
            return ""
        pairs = cited_sentences(text, citations)
        if not pairs:
            return ""
        shown = " ".join(
            f'<span>{escape(t)}</span> <span class="cites">{self.cites(c)}</span>' for t, c in pairs
        )
        # the summary's own citations that no sentence carries still show, after it, under
        # a label: right after the last sentence they read as its evidence ("The government
        # sees a lot of opportunity in AI ... [004 L769-771] [000 L417] [002 L125] ...")
        whole = summary.get("citations") if isinstance(summary, dict) else item_citations
        said = {_key(p) for cited in citations for p in cited}
        rest = [p for p in whole or [] if is_passage(p) and _key(p) not in said]
        if not rest:
            return shown
        label = f'<span class="k">{ALSO_DRAWN_ON}</span>'
        return f'{shown} {label} <span class="cites">{self.cites(rest)}</span>'

    def section(self, key: str, value: Any, said: Labels, citations: Any = None) -> str:
        """One section, under its heading in the brief's language (``said``); the overview
        with each sentence followed by its citations (``citations``: the brief's
        ``overview_citations``), as the Markdown prints it."""
        heading = escape(said.heading(key) or _words(key))
        if key == "overview":
            body = self.by_sentence(value, citations) or self.value(value)
            return f'<h3>{heading}</h3><p class="overview">{body}</p>' if body else ""
        body = self.value(value, said)
        if not body:
            return ""
        return f"<h3>{heading}</h3>{body}"

    def sections(self, brief: dict[str, Any], known: tuple[str, ...], said: Labels) -> str:
        """Known sections first in their order, then any other section the JSON has."""
        if brief.get("status") == "failed":
            return f'<p class="failed">Failed: {escape(str(brief.get("error") or "unknown"))}</p>'
        partial = (
            f'<p class="failed">Partial: {escape(str(brief["error"]))}</p>'
            if brief.get("error")
            else ""
        )
        skip = set(_SKIP) | {"title", "file", "metadata", "chunks_total", "chunks_failed"}
        skip.add("overview_citations")  # shown with the overview's sentences
        keys = [k for k in known if k in brief]
        keys += [k for k in brief if k not in known and k not in skip]
        first_names = next((k for k in keys if k in _NAMES), None)  # both lists under one
        keys = [k for k in keys if k not in _NAMES or k == first_names]  # heading, there
        cited = brief.get("overview_citations")
        return partial + "".join(
            self.names(brief, said)
            if k in _NAMES
            else self.section(k, brief[k], said, cited)
            + (self.cited_by_theme(brief, said) if k == "overview" else "")
            for k in keys
        )

    @staticmethod
    def cited_by_theme(brief: dict[str, Any], said: Labels) -> str:
        """A cross-source brief's table of passages cited by theme and source
        (``coverage.table_rows``), after its overview as in the Markdown; "" for a source
        brief, or a cross-source brief of fewer than two themes or sources."""
        columns, rows = table_rows(brief)
        if not rows:
            return ""
        head = "".join(f'<th><a href="#src-{escape(s)}">{escape(s)}</a></th>' for s in columns)
        body = "".join(
            f"<tr><th>{escape(title)}</th>{''.join(f'<td>{c}</td>' for c in cells)}</tr>"
            for title, cells in rows
        )
        return (
            f"<h3>{escape(said.cited_by_theme)}</h3>"
            f'<table class="by-theme"><tr><th></th>{head}</tr>{body}</table>'
        )

    @staticmethod
    def names(brief: dict[str, Any], said: Labels) -> str:
        """The people and the organisations under one heading, each a line of names, as
        the Markdown lists them (the page gave each its section, a name a line: 26 lines
        for source 004)."""
        lines = []
        for key in _NAMES:
            listed = [str(n) for n in brief.get(key) or [] if isinstance(n, str) and n]
            if listed:
                label = escape(f"{said.heading(key)}{said.colon}")
                names = escape(", ".join(listed))
                lines.append(f'<p class="names"><span class="k">{label}</span>{names}</p>')
        if not lines:
            return ""
        return f"<h3>{escape(said.people_and_organisations)}</h3>{''.join(lines)}"

    # ------------------------------------------------------------------ the page

    def transcript(self, sid: str) -> str:
        text = self.texts[sid]
        sentences = self.sentences.get(sid, _Sentences([])).rows
        cuts = {0, len(text)}
        cuts |= {s["char_start"] for s in sentences}  # a sentence's span runs to the next one
        for p in self.cited.get(sid, []):
            cuts |= {p["char_start"], p["char_end"]}
        bounds = sorted(c for c in cuts if 0 <= c <= len(text))
        starts = {s["char_start"] for s in sentences}
        spans = []
        for a, b in zip(bounds, bounds[1:], strict=False):
            anchor = f' id="s-{escape(sid)}-{a}"' if a in starts else ""  # a sentence starts
            spans.append(f'<span data-o="{a}"{anchor}>{escape(text[a:b])}</span>')
        return "".join(spans)

    def source(self, brief: dict[str, Any]) -> str:
        sid = str(brief["source_id"])
        meta = brief.get("metadata") or {}
        said = labels_of(brief)
        facts = [f"{said.source} {sid}"]
        if brief.get("file"):
            facts.append(f"{said.file} {brief['file']}")
        facts += [
            f"{said.metadata(k)}{said.colon}{v}"
            for k, v in meta.items()
            if k in ("date", "show", "language", "speakers")
        ]
        total, failed = brief.get("chunks_total", 0), brief.get("chunks_failed", 0)
        facts.append(f"{said.chunks}{said.colon}{total} ({failed} {said.failed})")
        head = (
            f'<section class="source" id="src-{escape(sid)}" lang="{said.lang}">'
            f"<h2>{escape(self.titles[sid])}</h2>"
            f'<p class="facts">{escape(" · ".join(facts))}</p>'
        )
        body = self.sections(brief, _KNOWN_SOURCE, said)
        transcript = ""
        if sid in self.texts:
            transcript = (
                f'<details class="tx" id="tx-{escape(sid)}" data-s="{escape(sid)}">'
                f"<summary>{escape(said.transcript)} {escape(sid)}</summary>"
                f'<div class="where" hidden></div><div class="text"></div></details>'
                f'<template id="tt-{escape(sid)}">{self.transcript(sid)}</template>'
            )
        return f"{head}{body}{transcript}</section>"

    def page(self) -> str:
        # of one source the source's brief is the brief (``markdown.lone_source``)
        shown = self.cross is not None and (
            lone_source(self.cross.get("source_ids", []), self.titles) is None
        )
        said = labels_of(self.cross) if self.cross is not None else ENGLISH
        nav = [f'<a href="#cross">{escape(said.cross_brief)}</a>'] if shown else []
        nav += [f'<a href="#src-{escape(sid)}">{escape(sid)}</a>' for sid in self.titles]
        cross = ""
        if self.cross is not None and shown:
            names = "".join(
                f'<li><a href="#src-{escape(s)}">{escape(s)}</a>{said.colon}'
                f"{escape(self.titles.get(s, s))}"
                "</li>"
                for s in self.cross.get("source_ids", [])
            )
            across = replace(said, themes=said.cross_themes)  # its themes' heading
            cross = (
                f'<section id="cross" lang="{said.lang}"><h2>{escape(said.cross_brief)}</h2>'
                f'<ul class="srcs">{names}</ul>'
                f"{self.sections(self.cross, _KNOWN_CROSS, across)}</section>"
            )
        sources = "".join(self.source(b) for b in self.sources)
        body = f"<nav>{' '.join(nav)}</nav><main>{cross}{sources}</main>"
        return PAGE.replace("%BODY%", body)


def _key(passage: dict[str, Any]) -> tuple[Any, Any, Any]:
    return passage.get("source_id"), passage.get("char_start"), passage.get("char_end")


def _words(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BriefError(f"cannot read {path} ({exc}); run `brief run` first") from None


def render_report(out_dir: Path) -> str:
    """The HTML report of the output folder ``out_dir``."""
    cross = _load(out_dir / "brief.json") if (out_dir / "brief.json").is_file() else None
    sources = [_load(p) for p in sorted((out_dir / "sources").glob("*.json"))]
    sentences: dict[str, list[dict[str, Any]]] = {}
    chunks = out_dir / "chunks.jsonl"
    for line in chunks.read_text(encoding="utf-8").splitlines() if chunks.is_file() else []:
        chunk = json.loads(line)
        sentences.setdefault(chunk["source_id"], []).extend(chunk["sentences"])
    return Report(cross, sources, sentences, read_sources(out_dir)).page()
