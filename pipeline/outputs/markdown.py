"""Markdown rendering of briefs. Model text is escaped (no raw HTML, links or images get
through); citations read ``[003 @ 14:32]`` or ``[002 L41-44]``."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from pipeline.models import Attributed, Cited, CrossSourceBrief, Passage, Quote, SourceBrief
from pipeline.outputs.coverage import table_rows
from pipeline.outputs.labels import Labels, labels_of
from pipeline.text import cited_sentences, without_marks

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<])")
_LINE_START = re.compile(r"^([#>+\-=])")
# "3. April 2025" would open an ordered list: its stop is escaped, as markdown escapes
# only punctuation (a backslash before the 3 was shown: a German transcript's date)
_LIST_NUMBER = re.compile(r"^(\d+)\.")


_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def escape(text: str) -> str:
    """Model or transcript text as inert markdown: no HTML, links, images or emphasis, and
    no zero-width or bidi control characters (they can hide or reorder what is shown; the
    JSON output keeps the exact text)."""
    flat = " ".join(_INVISIBLE.sub("", text).split())
    inert = _LINE_START.sub(r"\\\1", _MD_SPECIAL.sub(r"\\\1", flat))
    return _LIST_NUMBER.sub(r"\1\\.", inert)


def cite(passage: Passage) -> str:
    return f"[{passage.label}]"


def cites(passages: list[Passage]) -> str:
    """Each label once: two sentences on one line are two passages but one place to look."""
    return " ".join(dict.fromkeys(cite(p) for p in passages))


def quote_text(passage: Passage) -> str:
    """The verbatim passage for reading: line breaks shown as spaces, without what the
    transcript marks but nobody said (``text.without_marks``: line bullets, sound tags).
    The JSON output keeps the exact slice."""
    return escape(without_marks(passage.text))


def _quote(quote: Quote) -> str:
    return f"> {quote_text(quote.passage)}{_who(quote.speaker)} {cite(quote.passage)}"


def _who(speaker: str | None) -> str:
    """The " — Speaker" after a quote or a point, where the transcript names who says it."""
    return f" — {escape(speaker)}" if speaker else ""


def _cited(sentences: list[Cited]) -> str:
    """Prose with each sentence followed by who says it, if named, and its own citations."""
    return " ".join(
        f"{escape(c.text)}{_who(c.speaker)} {cites(c.citations)}".strip() for c in sentences
    )


def _by_sentence(text: str, citations: list[list[Passage]]) -> str:
    """``text`` with each sentence followed by its citations ("" when they do not match)."""
    return _cited([Cited(text=t, citations=c) for t, c in cited_sentences(text, citations)])


def written_in(brief: SourceBrief | CrossSourceBrief) -> Labels:
    """The labels in the language of the brief's overview and themes (``labels.py``)."""
    return labels_of(brief.model_dump(include={"overview", "themes"}))


def source_markdown(brief: SourceBrief) -> str:
    said = written_in(brief)
    out = [f"# {escape(brief.title)}", ""]
    facts = [f"{said.source} `{brief.source_id}`"]
    if brief.file:  # a code span: no escapes
        facts.append(f"{said.file} `{brief.file.replace('`', '')}`")
    for key in ("date", "show", "language", "speakers"):
        if brief.metadata.get(key):
            facts.append(f"{said.metadata(key)}{said.colon}{escape(brief.metadata[key])}")
    facts.append(
        f"{said.chunks}{said.colon}{brief.chunks_total} ({brief.chunks_failed} {said.failed})"
    )
    out += [" · ".join(facts), ""]
    if brief.status == "failed":
        return "\n".join([*out, f"**Failed:** {escape(brief.error or 'unknown error')}", ""])
    if brief.chunks_failed:
        out += [f"**Partial:** {brief.chunks_failed} chunk(s) could not be summarised.", ""]
    if brief.error:  # a partial brief: what is missing
        out += [f"**Partial:** {escape(brief.error)}", ""]
    overview = _by_sentence(brief.overview, brief.overview_citations) or escape(brief.overview)
    out += [f"## {said.overview}", "", overview, "", f"## {said.themes}", ""]
    for theme in brief.themes:
        text = _by_sentence(theme.summary, theme.sentence_citations)
        text = text or f"{escape(theme.summary)} {cites(theme.citations)}"
        out += [f"### {escape(theme.title)}", "", text, ""]
        if theme.points:
            out += [*(f"- {_cited([point])}" for point in theme.points), ""]
    if brief.key_facts:
        out += [f"## {said.key_facts}", ""]
        out += [f"- {_cited([fact])}" for fact in brief.key_facts]
        out.append("")
    if brief.quotes:
        out += [f"## {said.quotes}", ""]
        for quote in brief.quotes:
            out += [_quote(quote), ""]
    if brief.people or brief.organisations:
        out += [f"## {said.people_and_organisations}", ""]
        if brief.people:
            out.append(f"- {said.people}{said.colon}" + ", ".join(escape(p) for p in brief.people))
        if brief.organisations:
            names = ", ".join(escape(o) for o in brief.organisations)
            out.append(f"- {said.organisations}{said.colon}{names}")
        out.append("")
    if brief.open_questions:
        out += [f"## {said.open_questions}", ""]
        out += [f"- {escape(q)}" for q in brief.open_questions]
        out.append("")
    return "\n".join(out)


def _attributed(statement: Attributed, said: Labels) -> str:
    label = said.sources_cited(len(statement.source_ids))
    sources = f"({label}{said.colon}{', '.join(statement.source_ids)})"
    return f"{escape(statement.text)} {sources} {cites(statement.citations)}"


def lone_source(cross_source_ids: Sequence[str], briefed: Collection[str]) -> str | None:
    """The source whose own brief stands for the cross-source brief: the one source it
    covers, when that source's brief is there (``briefed``: the ids of the source briefs);
    else None. A cross-source brief of one source has nothing to compare: it repeated the
    source's overview under "Cross-source brief" with one quote, and a user who briefed
    one meeting opened a page without its themes, facts and people. ``brief.md`` is then
    that source's brief, the report shows it once, and ``brief verify`` reads
    ``brief.md``'s quotes as that brief's."""
    if len(cross_source_ids) == 1 and cross_source_ids[0] in briefed:
        return cross_source_ids[0]
    return None


def brief_markdown(cross: CrossSourceBrief, briefs: Sequence[SourceBrief]) -> str:
    """``brief.md``: the cross-source brief, or, of a run over one source, that source's
    own brief (``lone_source``)."""
    by_id = {b.source_id: b for b in briefs}
    lone = lone_source(cross.source_ids, by_id)
    if lone is not None:
        return source_markdown(by_id[lone])
    return cross_markdown(cross, {b.source_id: b.title for b in briefs})


def by_theme_table(brief: CrossSourceBrief, said: Labels) -> list[str]:
    """The lines of the table of passages cited by theme and source
    (``coverage.table_rows``), under its heading; none when ``table_rows`` gives none."""
    columns, rows = table_rows(brief.model_dump(include={"themes", "source_ids"}))
    if not rows:
        return []
    out = [f"## {said.cited_by_theme}", ""]
    out += ["| | " + " | ".join(f"`{s}`" for s in columns) + " |"]
    out += ["|---|" + "|".join(":-:" for _ in columns) + "|"]
    out += [f"| {_cell(title)} | " + " | ".join(cells) + " |" for title, cells in rows]
    return [*out, ""]


def _cell(text: str) -> str:
    """Text inert in a table cell: escaped, and its bars too (a bar ends the cell)."""
    return escape(text).replace("|", "\\|")


def cross_markdown(brief: CrossSourceBrief, titles: dict[str, str]) -> str:
    said = written_in(brief)
    out = [f"# {said.cross_brief}", ""]
    out += [f"{said.sources}{said.colon.rstrip()}", ""]
    out += [f"- `{sid}`{said.colon}{escape(titles.get(sid, sid))}" for sid in brief.source_ids]
    out.append("")
    if brief.status == "failed":
        return "\n".join([*out, f"**Failed:** {escape(brief.error or 'unknown error')}", ""])
    if brief.error:  # a partial brief: what is missing
        out += [f"**Partial:** {escape(brief.error)}", ""]
    overview = _by_sentence(brief.overview, brief.overview_citations)
    out += [f"## {said.overview}", "", overview or escape(brief.overview), ""]
    out += by_theme_table(brief, said)
    if brief.themes:
        out += [f"## {said.cross_themes}", ""]
    for theme in brief.themes:
        text = _by_sentence(theme.summary.text, theme.sentence_citations)
        text = text or _attributed(theme.summary, said)
        out += [f"### {escape(theme.title)}", "", text, ""]
        if theme.by_source:
            out += [*(f"- {_attributed(x, said)}" for x in theme.by_source), ""]
    if brief.agreements:
        out += [f"## {said.agreements}", ""]
        out += [f"- {_attributed(a, said)}" for a in brief.agreements]
        out.append("")
    if brief.disagreements:
        out += [f"## {said.disagreements}", ""]
        for item in brief.disagreements:
            out += [
                f"### {escape(item.topic)}",
                "",
                f"- {_attributed(item.side_a, said)}",
                f"- {_attributed(item.side_b, said)}",
                "",
            ]
    if brief.quotes:
        out += [f"## {said.quotes}", ""]
        for quote in brief.quotes:
            out += [_quote(quote), ""]
    return "\n".join(out)
