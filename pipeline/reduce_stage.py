"""Reduce: one ``SourceBrief`` per source from its chunk summaries.

The model sees the source's key points as numbered notes (P1, P2, …) and answers with
note ids; code turns ids back into points, citations and verbatim quotes. When the notes
do not fit the model's context window (measured, not assumed), they are grouped into
themes level by level (G1, G2, … carrying the points under them) until they fit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from pipeline.client import ModelClient
from pipeline.llm import TOKEN_MARGIN, count_tokens
from pipeline.models import ChunkSummary, KeyPoint, Passage, Quote, SourceBrief, Theme, Transcript
from pipeline.prompts import Prompt, boundary_for, load_prompt
from pipeline.repeats import Repeats, without_repeated_sentences


def _check_note_ids(ids: list[str], info: ValidationInfo) -> list[str]:
    known = (info.context or {}).get("note_ids")
    if known is not None:
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ValueError(f"note ids {unknown} are not in the notes")
    return ids


class ReplyTheme(BaseModel):
    """Fields are generated in order: the notes are chosen before the summary is written,
    so the summary is about those notes (a small model otherwise copies earlier text)."""

    title: str = Field(min_length=2, max_length=120)
    notes: list[str] = Field(min_length=1, max_length=40)
    summary: str = Field(min_length=10, max_length=600)

    _ids = field_validator("notes")(_check_note_ids)


class GroupReply(BaseModel):
    themes: list[ReplyTheme] = Field(min_length=1, max_length=5)


class ReduceReply(BaseModel):
    """Themes first, overview after: written first, the overview gets copied into every
    theme summary by a small model."""

    themes: list[ReplyTheme] = Field(min_length=1, max_length=6)
    overview: str = Field(min_length=20, max_length=1200)
    quote_notes: list[str] = Field(max_length=5)
    open_questions: list[str] = Field(max_length=4)

    _ids = field_validator("quote_notes")(_check_note_ids)


@dataclass
class Note:
    id: str
    text: str
    points: list[KeyPoint] = field(default_factory=list)

    def line(self) -> str:
        return f"{self.id}: {self.text}"


def fits(
    prompt: Prompt, notes: list[Note], *, title: str, context_window: int, max_tokens: int
) -> bool:
    rendered = prompt.render(
        boundary="<<<x>>>", title=title, items="\n".join(n.line() for n in notes)
    )
    used = sum(count_tokens(m["content"]) + 8 for m in rendered) * TOKEN_MARGIN
    return used + max_tokens <= context_window


def group_to_fit(
    notes: list[Note], prompt: Prompt, *, title: str, context_window: int, max_tokens: int
) -> list[list[Note]]:
    """Consecutive groups of notes, each as large as the context window allows."""
    groups: list[list[Note]] = [[]]
    for note in notes:
        candidate = [*groups[-1], note]
        if groups[-1] and not fits(
            prompt, candidate, title=title, context_window=context_window, max_tokens=max_tokens
        ):
            groups.append([note])
        else:
            groups[-1] = candidate
    return groups


def point_notes(summaries: list[ChunkSummary], per_chunk: int) -> list[Note]:
    """The ``per_chunk`` most important points of every chunk, in transcript order: a
    small model attends to the start of a long list, so the list is kept short and even."""
    points = [
        p
        for s in summaries
        if s.status == "ok"
        for p in sorted(s.key_points, key=lambda p: -p.importance)[:per_chunk]
    ]
    return [
        Note(id=f"P{n}", text=f"(importance {p.importance}) {p.text}", points=[p])
        for n, p in enumerate(points, start=1)
    ]


def _resolve(ids: list[str], notes: dict[str, Note]) -> list[KeyPoint]:
    out: list[KeyPoint] = []
    for note_id in ids:
        out.extend(p for p in notes[note_id].points if p not in out)
    return out


def _ask(
    client: ModelClient,
    prompt: Prompt,
    notes: list[Note],
    title: str,
    schema: type[BaseModel],
    max_tokens: int,
) -> BaseModel:
    items = "\n".join(n.line() for n in notes)
    return client.structured(
        stage="reduce",
        prompt=prompt,
        variables={"boundary": boundary_for(items), "title": title, "items": items},
        schema=schema,
        max_tokens=max_tokens,
        context={"note_ids": {n.id for n in notes}},
        narrow={
            field: {"type": "string", "enum": [n.id for n in notes]}
            for field in ("notes", "quote_notes")
        },
    )


def collapse(
    notes: list[Note], client: ModelClient, *, title: str, context_window: int, max_tokens: int
) -> list[Note]:
    """Group notes into themes, level by level, until they fit one final reduce call."""
    final, group_prompt = load_prompt("reduce"), load_prompt("reduce_group")
    level = 0
    while not fits(final, notes, title=title, context_window=context_window, max_tokens=max_tokens):
        level += 1
        groups = group_to_fit(
            notes, group_prompt, title=title, context_window=context_window, max_tokens=max_tokens
        )
        if len(groups) == len(notes):
            raise ValueError(f"context window {context_window} is too small to reduce {title!r}")
        merged: list[Note] = []
        for group in groups:
            reply = _ask(client, group_prompt, group, title, GroupReply, max_tokens)
            by_id = {n.id: n for n in group}
            for theme in reply.themes:  # type: ignore[attr-defined]
                merged.append(
                    Note(
                        id=f"G{len(merged) + 1}",
                        text=f"{theme.title}: {theme.summary}",
                        points=_resolve(theme.notes, by_id),
                    )
                )
        notes = merged
    return notes


def quote_from(points: list[KeyPoint]) -> Quote | None:
    """The shortest evidence passage of the most important point: verbatim by construction."""
    for point in sorted(points, key=lambda p: -p.importance):
        if point.evidence:
            passage = min(point.evidence, key=lambda e: len(e.text))
            return Quote(passage=passage)
    return None


def fill_quotes(quotes: list[Quote], points: list[KeyPoint], limit: int = 5) -> list[Quote]:
    """Top up the model's quote picks with the evidence of the most important points,
    spread over the transcript (one per stretch), each a readable 60-400 characters."""
    if len(quotes) >= limit or not points:
        return quotes[:limit]
    stretch = max(1, len(points) // limit)
    chosen = list(quotes)
    for start in range(0, len(points), stretch):
        window = [p for p in points[start : start + stretch] if p.evidence]
        candidates = [
            (p.importance, e) for p in window for e in p.evidence if 60 <= len(e.text) <= 400
        ]
        if not candidates:
            continue
        best = max(candidates, key=lambda c: c[0])[1]
        quote = Quote(passage=best)
        if quote not in chosen:
            chosen.append(quote)
        if len(chosen) >= limit:
            break
    return sorted(chosen, key=lambda q: q.passage.char_start)


def citations(points: list[KeyPoint], limit: int = 4) -> list[Passage]:
    """The first evidence passage of the most important points, each passage once."""
    ordered = sorted(points, key=lambda p: -p.importance)
    unique = {p.evidence[0].char_start: p.evidence[0] for p in ordered if p.evidence}
    return list(unique.values())[:limit]


def from_points(points: list[KeyPoint], limit: int = 2) -> str:
    """A theme summary in the map's own words: its most important points."""
    ordered = sorted(points, key=lambda p: -p.importance)[:limit]
    return " ".join(p.text.strip().rstrip(".") + "." for p in ordered)


def distinct_themes(source_id: str, reply: ReduceReply, notes: dict[str, Note]) -> list[Theme]:
    """The model's themes without its repeats: a theme whose title or set of notes
    another theme already has is dropped; a summary that copies the overview or an
    earlier summary is replaced by the theme's own most important points."""
    titles, note_sets, summaries = Repeats(), Repeats(), Repeats(reply.overview)
    themes: list[Theme] = []
    for theme in reply.themes:
        points = _resolve(theme.notes, notes)
        if not titles.is_new(theme.title) or not note_sets.is_new_key(frozenset(theme.notes)):
            continue
        summary = summaries.new_or_rebuilt(theme.summary, from_points(points))
        if summary is None:
            continue
        themes.append(
            Theme(
                id=f"{source_id}/t{len(themes) + 1}",
                title=theme.title,
                summary=summary,
                point_ids=[p.id for p in points],
                citations=citations(points),
            )
        )
    return themes


def reduce_source(
    transcript: Transcript,
    summaries: list[ChunkSummary],
    client: ModelClient,
    *,
    context_window: int,
    max_tokens: int,
    points_per_chunk: int = 3,
) -> SourceBrief:
    title = transcript.metadata.get("title") or transcript.path.rsplit("/", 1)[-1]
    failed = sum(1 for s in summaries if s.status != "ok")
    base = SourceBrief(
        source_id=transcript.source_id,
        title=title,
        metadata=transcript.metadata,
        chunks_total=len(summaries),
        chunks_failed=failed,
    )
    notes = point_notes(summaries, points_per_chunk)
    if not notes:
        return base.model_copy(update={"status": "failed", "error": "no chunk was summarised"})
    notes = collapse(
        notes, client, title=title, context_window=context_window, max_tokens=max_tokens
    )
    reply = _ask(client, load_prompt("reduce"), notes, title, ReduceReply, max_tokens)
    assert isinstance(reply, ReduceReply)
    by_id = {n.id: n for n in notes}
    themes = distinct_themes(transcript.source_id, reply, by_id)
    quotes: list[Quote] = []
    for note_id in reply.quote_notes:
        quote = quote_from(by_id[note_id].points)
        if quote and quote not in quotes:
            quotes.append(quote)
    quotes = fill_quotes(quotes, [p for n in notes for p in n.points])
    people, organisations = _entities(summaries)
    return base.model_copy(
        update={
            "status": "partial" if failed else "ok",
            "overview": without_repeated_sentences(reply.overview),
            "themes": themes,
            "quotes": quotes,
            "people": people,
            "organisations": organisations,
            "open_questions": [q for q in reply.open_questions if q.strip()],
        }
    )


def _entities(summaries: list[ChunkSummary]) -> tuple[list[str], list[str]]:
    counts: dict[str, Counter[str]] = {"person": Counter(), "organisation": Counter()}
    for summary in summaries:
        for entity in summary.entities:
            counts[entity.kind][entity.name.strip()] += 1
    return (
        [n for n, _ in counts["person"].most_common(20)],
        [n for n, _ in counts["organisation"].most_common(20)],
    )
