"""Synthesize: the ``CrossSourceBrief`` from all source briefs.

The model sees every source theme as "T<n> [source 003] title: summary" and answers with
theme ids. Code attributes each statement to the sources of the themes it cites and
attaches those themes' citations, so every statement names its sources and passages.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from pipeline.client import ModelClient
from pipeline.llm import TOKEN_MARGIN, count_tokens
from pipeline.models import (
    Attributed,
    CrossSourceBrief,
    CrossTheme,
    Disagreement,
    SourceBrief,
    Theme,
)
from pipeline.prompts import boundary_for, load_prompt
from pipeline.repeats import Repeats, without_repeated_sentences

_BARE_ID = re.compile(r"^\s*[A-Z]\d+\s*$")
_FIRST_SENTENCE = re.compile(r".+?(?:[.!?](?=\s)|$)", re.DOTALL)


def first_sentence(text: str) -> str:
    match = _FIRST_SENTENCE.match(text.strip())
    return match[0] if match else text.strip()


def _check_theme_ids(ids: list[str], info: ValidationInfo) -> list[str]:
    known = (info.context or {}).get("theme_ids")
    if known is not None:
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ValueError(f"theme ids {unknown} are not in the list")
    return ids


class ReplyStatement(BaseModel):
    """The theme ids come before the text (fields are generated in order), so the text
    is written about the themes just chosen."""

    themes: list[str] = Field(min_length=1, max_length=8)
    text: str = Field(min_length=5, max_length=300)

    _ids = field_validator("themes")(_check_theme_ids)


class ReplyCrossTheme(BaseModel):
    title: str = Field(min_length=2, max_length=100)
    themes: list[str] = Field(min_length=1, max_length=8)
    summary: str = Field(min_length=10, max_length=400)

    _ids = field_validator("themes")(_check_theme_ids)


class ReplyDisagreement(BaseModel):
    topic: str = Field(min_length=2, max_length=120)
    side_a: ReplyStatement
    side_b: ReplyStatement


class SynthesisReply(BaseModel):
    """Themes before the overview: written first, the overview gets copied into every
    statement by a small model."""

    themes: list[ReplyCrossTheme] = Field(min_length=1, max_length=5)
    overview: str = Field(min_length=20, max_length=1000)
    agreements: list[ReplyStatement] = Field(max_length=3)
    disagreements: list[ReplyDisagreement] = Field(max_length=2)


def theme_lines(briefs: list[SourceBrief], budget_tokens: int) -> dict[str, tuple[Theme, str]]:
    """Number the source themes; round-robin over sources so that, if the budget runs
    out, every source still contributes its first themes."""
    listed: dict[str, tuple[Theme, str]] = {}
    used = 0
    depth = max((len(b.themes) for b in briefs), default=0)
    for level in range(depth):
        for brief in briefs:
            if level >= len(brief.themes):
                continue
            theme = brief.themes[level]
            line = f"[source {brief.source_id}] {theme.title}: {theme.summary}"
            cost = int((count_tokens(line) + 4) * TOKEN_MARGIN)
            if used + cost > budget_tokens:
                return listed
            listed[f"T{len(listed) + 1}"] = (theme, line)
            used += cost
    return listed


def _attribute(text: str, ids: list[str], listed: dict[str, tuple[Theme, str]]) -> Attributed:
    themes = [listed[i][0] for i in dict.fromkeys(ids)]
    sources = sorted({t.id.split("/")[0] for t in themes})
    passages = []
    for theme in themes:
        passages.extend(theme.citations[:1])
    return Attributed(
        text=text, theme_ids=[t.id for t in themes], source_ids=sources, citations=passages
    )


def from_themes(themes: list[Theme], limit: int = 3) -> str:
    """A statement in the source briefs' own words: the first sentence of each theme."""
    return " ".join(f"{t.id.split('/')[0]}: {first_sentence(t.summary)}" for t in themes[:limit])


def distinct_statements(
    reply: SynthesisReply, listed: dict[str, tuple[Theme, str]]
) -> tuple[list[CrossTheme], list[Attributed], list[Disagreement]]:
    """The reply's statements without its repeats. A cross-source theme whose title or
    set of source themes was seen is dropped, and one whose summary copies the overview
    or an earlier statement is rebuilt from the source themes it cites. An agreement
    must rest on two sources and say something new; a disagreement needs two sides that
    say different things on different grounds."""
    said, titles, groundings, topics = Repeats(reply.overview), Repeats(), Repeats(), Repeats()
    themes = []
    for t in reply.themes:
        if not titles.is_new(t.title) or not groundings.is_new_key(frozenset(t.themes)):
            continue
        cited = [listed[i][0] for i in dict.fromkeys(t.themes)]
        text = said.new_or_rebuilt(t.summary, from_themes(cited))
        if text is None:
            continue
        # a small model sometimes gives a theme id ("T3") as the title
        title = cited[0].title if _BARE_ID.match(t.title) else t.title
        themes.append(CrossTheme(title=title, summary=_attribute(text, t.themes, listed)))
    agreements = [
        statement
        for a in reply.agreements
        if len((statement := _attribute(a.text, a.themes, listed)).source_ids) >= 2
        and said.is_new(a.text)
    ]
    disagreements = [
        Disagreement(
            topic=d.topic,
            side_a=_attribute(d.side_a.text, d.side_a.themes, listed),
            side_b=_attribute(d.side_b.text, d.side_b.themes, listed),
        )
        for d in reply.disagreements
        if set(d.side_a.themes) != set(d.side_b.themes)
        and topics.is_new(d.topic)
        and said.is_new(d.side_a.text)
        and said.is_new(d.side_b.text)
    ]
    return themes, agreements, disagreements


def synthesize(
    briefs: list[SourceBrief], client: ModelClient, *, context_window: int, max_tokens: int
) -> CrossSourceBrief:
    usable = [b for b in briefs if b.status != "failed" and b.themes]
    source_ids = [b.source_id for b in briefs]
    if not usable:
        return CrossSourceBrief(
            status="failed", error="no source brief to synthesize", source_ids=source_ids
        )
    prompt = load_prompt("synthesize")
    static = sum(count_tokens(m["content"]) for m in prompt.render(boundary="x", items=""))
    budget = context_window - max_tokens - int(static * TOKEN_MARGIN) - 64
    listed = theme_lines(usable, budget)
    items = "\n".join(f"{tid}: {line}" for tid, (_, line) in listed.items())
    reply = client.structured(
        stage="synthesize",
        prompt=prompt,
        variables={"boundary": boundary_for(items), "items": items},
        schema=SynthesisReply,
        max_tokens=max_tokens,
        context={"theme_ids": set(listed)},
        narrow={"themes": {"type": "string", "enum": list(listed)}},
    )
    themes, agreements, disagreements = distinct_statements(reply, listed)
    cited = {s for t in themes for s in t.summary.source_ids}
    quotes = [b.quotes[0] for b in usable if b.quotes and b.source_id in cited]
    return CrossSourceBrief(
        overview=without_repeated_sentences(reply.overview),
        themes=themes,
        agreements=agreements,
        disagreements=disagreements,
        quotes=quotes,
        source_ids=source_ids,
    )
