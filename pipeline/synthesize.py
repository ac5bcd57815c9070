"""Synthesize: the ``CrossSourceBrief`` from all source briefs.

Code finds the source themes of different sources that say related things
(``pipeline.themes.cross_groups``: lexical similarity unless an embedding vectorizer is
passed). The model then writes ONE cross-source theme at a time from that group's themes
only: a title, 2-3 sentences, and whether the sources agree, differ or complement each
other, with the point they agree or differ on. An agreement rests on the group's themes;
a disagreement puts each source's own theme on its side. Last, one call writes the
overview from the cross-source themes. Every sentence is attributed by code to the
source themes it restates, and so to their sources and passages.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.client import ModelClient
from pipeline.map_stage import _words
from pipeline.models import (
    Attributed,
    Cited,
    CrossSourceBrief,
    CrossTheme,
    Disagreement,
    Passage,
    SourceBrief,
    Theme,
)
from pipeline.policy import STRICT, ModelPolicy
from pipeline.prompts import boundary_for, load_prompt
from pipeline.reduce_stage import joined, own_overview, union
from pipeline.repeats import Repeats, sentences_of, without_repeated_sentences
from pipeline.themes import Vectorizer, cross_groups, lexical_vectors

MAX_CROSS_THEMES = 6


class CrossReply(BaseModel):
    """One cross-source theme, from its group of source themes only."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="3 to 8 words naming the shared subject")
    summary: list[str] = Field(
        min_length=1, max_length=3, description="2 or 3 sentences: what each source says"
    )
    relation: Literal["agree", "differ", "complement"] = Field(
        description="whether the sources agree, differ, or add different sides"
    )
    point: str = Field(description="one sentence: what they agree on, or how they differ")


class CrossOverviewReply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overview: list[str] = Field(
        min_length=1, max_length=5, description="3 to 5 sentences on what the sources say"
    )


def first_sentence(text: str) -> str:
    found = sentences_of(text)
    return found[0] if found else text.strip()


def _theme_sentences(theme: Theme) -> list[Cited]:
    texts = sentences_of(theme.summary)
    if theme.sentence_citations and len(texts) == len(theme.sentence_citations):
        return [
            Cited(text=t, citations=c) for t, c in zip(texts, theme.sentence_citations, strict=True)
        ]
    return [Cited(text=theme.summary, citations=theme.citations[:1])]


def attribute(text: str, themes: Sequence[Theme], *, all_themes: bool = False) -> Attributed:
    """``text`` attributed to the themes that share the most content words with it (all
    of them with ``all_themes``), each cited by its sentence closest to ``text``."""
    words = _words(text)

    def overlap(theme: Theme) -> int:
        return len(words & _words(f"{theme.title} {theme.summary}"))

    ranked = sorted(themes, key=lambda t: -overlap(t))
    chosen = list(themes) if all_themes else [t for t in ranked if overlap(t)][:3] or ranked[:1]
    passages: list[Passage] = []
    for theme in chosen:
        best = max(_theme_sentences(theme), key=lambda c: len(words & _words(c.text)))
        passages.extend(p for p in best.citations[:1] if p not in passages)
    return Attributed(
        text=text,
        theme_ids=[t.id for t in chosen],
        source_ids=sorted({t.id.split("/")[0] for t in chosen}),
        citations=passages,
    )


def write_cross_theme(group: list[Theme], client: ModelClient, max_tokens: int) -> CrossReply:
    items = "\n".join(f"- [source {t.id.split('/')[0]}] {t.title}: {t.summary}" for t in group)
    reply = client.structured(
        stage="synthesize",
        prompt=load_prompt("synthesize"),
        variables={"boundary": boundary_for(items), "items": items},
        schema=CrossReply,
        max_tokens=max_tokens,
    )
    assert isinstance(reply, CrossReply)
    return reply


def build_cross(
    groups: list[list[Theme]], replies: list[CrossReply], policy: ModelPolicy = STRICT
) -> tuple[list[CrossTheme], list[Attributed], list[Disagreement]]:
    """Cross-source themes, agreements and disagreements from the model's replies. A
    summary that copies an earlier one is rebuilt from its source themes (strict)."""
    said, titles = Repeats(prefix=policy.repeat_prefix), Repeats(prefix=policy.repeat_prefix)
    themes, agreements, disagreements = [], [], []
    for group, reply in zip(groups, replies, strict=True):
        rebuilt = " ".join(f"{t.id.split('/')[0]}: {first_sentence(t.summary)}" for t in group)
        summary = without_repeated_sentences(joined(reply.summary), policy.repeat_prefix)
        if len(_words(summary)) < 3:
            summary = rebuilt
        if policy.rebuild_copied_summaries:
            summary = said.new_or_rebuilt(summary, rebuilt) or rebuilt
        title = reply.title.strip().rstrip(".")
        if not title or not titles.is_new(title):  # a repeated title: the first theme's
            title = group[0].title
        sentences = [attribute(s, group) for s in sentences_of(summary)]
        whole = attribute(summary, group, all_themes=True)
        whole.citations = union([whole.citations, *(s.citations for s in sentences)])
        themes.append(
            CrossTheme(
                title=title,
                summary=whole,
                sentence_citations=[s.citations for s in sentences],
            )
        )
        point = reply.point.strip()
        if reply.relation == "agree" and len(_words(point)) >= 3 and said.is_new(point):
            agreements.append(attribute(point, group, all_themes=True))
        elif reply.relation == "differ":
            a = group[0]
            b = next(t for t in group if t.id.split("/")[0] != a.id.split("/")[0])
            disagreements.append(
                Disagreement(
                    topic=title,
                    side_a=attribute(first_sentence(a.summary), [a]),
                    side_b=attribute(first_sentence(b.summary), [b]),
                )
            )
    return themes, agreements, disagreements


def synthesize(
    briefs: list[SourceBrief],
    client: ModelClient,
    *,
    context_window: int,
    max_tokens: int,
    policy: ModelPolicy = STRICT,
    vectors: Vectorizer = lexical_vectors,
) -> CrossSourceBrief:
    """The cross-source brief: one call per group of related source themes, one for the
    overview. ``context_window`` is kept for the callers: each call is small."""
    del context_window
    usable = [b for b in briefs if b.status != "failed" and b.themes]
    source_ids = [b.source_id for b in briefs]
    all_themes = [t for b in usable for t in b.themes]
    if not usable:
        return CrossSourceBrief(
            status="failed", error="no source brief to synthesize", source_ids=source_ids
        )
    groups = cross_groups(all_themes, MAX_CROSS_THEMES, vectors)
    if not groups:  # one source: nothing to compare, its overview stands for the whole
        only = usable[0]
        return CrossSourceBrief(
            overview=only.overview,
            overview_citations=only.overview_citations,
            quotes=only.quotes[:1],
            source_ids=source_ids,
        )
    with ThreadPoolExecutor(max_workers=2) as pool:  # groups never share a theme
        replies = list(pool.map(lambda g: write_cross_theme(g, client, max_tokens), groups))
    themes, agreements, disagreements = build_cross(groups, replies, policy)
    items = "\n".join(f"- {t.title}: {t.summary.text}" for t in themes)
    reply = client.structured(
        stage="synthesize",
        prompt=load_prompt("synthesize_overview"),
        variables={"boundary": boundary_for(items), "items": items},
        schema=CrossOverviewReply,
        max_tokens=max_tokens,
    )
    assert isinstance(reply, CrossOverviewReply)
    overview = own_overview(
        joined(reply.overview),
        [t.title for t in themes],
        [t.summary.text for t in themes],
        policy,
    ).replace("The conversation covers", "The sources share", 1)
    grouped = [t for g in groups for t in g]
    cited = {s for t in themes for s in t.summary.source_ids}
    return CrossSourceBrief(
        overview=overview,
        overview_citations=[attribute(s, grouped).citations for s in sentences_of(overview)],
        themes=themes,
        agreements=agreements,
        disagreements=disagreements,
        quotes=[b.quotes[0] for b in usable if b.quotes and b.source_id in cited],
        source_ids=source_ids,
    )
