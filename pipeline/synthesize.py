"""Synthesize: the ``CrossSourceBrief`` from all source briefs.

The model sees every source theme as "T<n> [source 003] title: summary" and answers with
theme ids. Code attributes each statement to the sources of the themes it cites and
attaches those themes' citations, so every statement names its sources and passages.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from pipeline.client import ModelClient
from pipeline.llm import count_tokens
from pipeline.models import (
    Attributed,
    CrossSourceBrief,
    CrossTheme,
    Disagreement,
    SourceBrief,
    Theme,
)
from pipeline.prompts import boundary_for, load_prompt
from pipeline.reduce_stage import TOKEN_MARGIN


def _check_theme_ids(ids: list[str], info: ValidationInfo) -> list[str]:
    known = (info.context or {}).get("theme_ids")
    if known is not None:
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ValueError(f"theme ids {unknown} are not in the list")
    return ids


class ReplyStatement(BaseModel):
    text: str = Field(min_length=5, max_length=300)
    themes: list[str] = Field(min_length=1, max_length=8)

    _ids = field_validator("themes")(_check_theme_ids)


class ReplyCrossTheme(BaseModel):
    title: str = Field(min_length=2, max_length=100)
    summary: str = Field(min_length=10, max_length=400)
    themes: list[str] = Field(min_length=1, max_length=8)

    _ids = field_validator("themes")(_check_theme_ids)


class ReplyDisagreement(BaseModel):
    topic: str = Field(min_length=2, max_length=120)
    side_a: ReplyStatement
    side_b: ReplyStatement


class SynthesisReply(BaseModel):
    overview: str = Field(min_length=20, max_length=1000)
    themes: list[ReplyCrossTheme] = Field(min_length=1, max_length=5)
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
    themes = [
        CrossTheme(title=t.title, summary=_attribute(t.summary, t.themes, listed))
        for t in reply.themes
    ]
    agreements = [_attribute(a.text, a.themes, listed) for a in reply.agreements]
    # an agreement needs two sources; one that cites a single source is not an agreement
    agreements = [a for a in agreements if len(a.source_ids) >= 2]
    disagreements = [
        Disagreement(
            topic=d.topic,
            side_a=_attribute(d.side_a.text, d.side_a.themes, listed),
            side_b=_attribute(d.side_b.text, d.side_b.themes, listed),
        )
        for d in reply.disagreements
    ]
    cited = {s for t in themes for s in t.summary.source_ids}
    quotes = [b.quotes[0] for b in usable if b.quotes and b.source_id in cited]
    return CrossSourceBrief(
        overview=reply.overview,
        themes=themes,
        agreements=agreements,
        disagreements=disagreements,
        quotes=quotes,
        source_ids=source_ids,
    )
