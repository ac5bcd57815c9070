"""Reduce: one ``SourceBrief`` per source from its chunk summaries.

The map's key points are grouped into themes by code (``pipeline.stages.themes``: contiguous
stretches of the conversation, more for a longer source), so every part of the talk lands
in some theme. The model then writes ONE theme at a time, a title and 2-3 sentences from
that theme's points only (a short, focused prompt a small model handles), and finally an
overview from the theme summaries. Code cites every sentence with the evidence of the
points it restates, picks the map points the brief carries besides (``pipeline.stages.points``:
the key facts, and more points under each theme) and the quotes (verbatim evidence), so
nothing the model writes carries its own citation.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import ModelError
from pipeline.model.client import ModelClient
from pipeline.model.llm import count_tokens
from pipeline.model.stopping import worker_pool
from pipeline.models import (
    ChunkSummary,
    KeyPoint,
    SourceBrief,
    Theme,
    Transcript,
)
from pipeline.stages.item_calls import ask_or_failure, joined
from pipeline.stages.names import listed_entities
from pipeline.stages.overview import (
    names_as_in_themes,
    own_overview,
    spread_over_themes,
    stated_after_the_first,
    write_overview,
    written_title,
)
from pipeline.stages.overview_sentences import without_restatements
from pipeline.stages.passage_joins import joins_passages, without_joins
from pipeline.stages.point_kinds import is_question
from pipeline.stages.points import (
    BRIEF_WORDS,
    content,
    pick_points,
    point_budget,
    split_facts,
    subject_names,
)
from pipeline.stages.policy import STRICT, ModelPolicy
from pipeline.stages.quotes import fill_quotes
from pipeline.stages.referents import Referents, cited_with_referents, summary_joined
from pipeline.stages.repeats import Repeats, without_repeated_sentences
from pipeline.stages.show_talk import cites_only_the_talk, without_talk_about_the_talk
from pipeline.stages.speakers import (
    named_in,
    role_labels,
    speaker_at,
    unnamed_speaker,
    with_speakers,
)
from pipeline.stages.spoken import in_writing
from pipeline.stages.theme_citations import citations, cite_sentences, union, without_joined_clause
from pipeline.stages.themes import Vectorizer, group_points, lexical_vectors, theme_count
from pipeline.text import ended, numbers, plain_words, praise_beyond, sentences_of


class ThemeReply(BaseModel):
    """One theme, written from its own points only. Sentences are a bounded list: a small
    model asked for "2 or 3 sentences" in one string writes seven."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="a specific title of 3 to 8 words")
    summary: list[str] = Field(
        min_length=1, max_length=3, description="2 or 3 sentences, with names and numbers"
    )


def source_tokens(transcript: Transcript) -> int:
    return count_tokens(" ".join(s.text for s in transcript.segments))


def from_points(points: list[KeyPoint], limit: int = 2) -> str:
    """A theme summary in the map's own words: its most important points that state
    rather than ask."""
    stating = [p for p in points if not is_question(p.text)] or points
    ordered = sorted(stating, key=lambda p: -p.importance)[:limit]
    texts = [p.text.strip().rstrip(".") for p in ordered]
    return " ".join(ended(t) for t in texts)


def write_theme(
    points: list[KeyPoint],
    client: ModelClient,
    *,
    max_tokens: int,
    one_line: bool,
    sentence_chars: int = 0,
) -> ThemeReply | ModelError:
    """The model's title and summary of one group of points (one short call). The source's
    title is not shown: a small model copies it as the theme's title. A reply that fails
    (after the client's re-ask and retries) is returned, not raised: the theme is then
    told in its points' words (``build_themes``) and the rest of the brief stands."""
    items = "\n".join(f"- {p.text}" for p in points)
    return ask_or_failure(
        client,
        "reduce",
        "reduce",
        items,
        ThemeReply,
        max_tokens,
        one_line=one_line,
        sentence_chars=sentence_chars,
    )


def build_themes(
    source_id: str,
    groups: list[list[KeyPoint]],
    replies: Sequence[ThemeReply | ModelError],
    policy: ModelPolicy = STRICT,
    common: Collection[str] = (),
) -> list[Theme]:
    """Themes from the model's replies, each sentence cited; a sentence with a figure or
    praise the points lack, that asks a question, that tells the talk itself or that only
    talk about the talk backs is left out, one that joins two of its passages by a clause
    ends before it (strict), one that puts a name of one passage with another's words is
    left out (strict: ``passage_joins``; ``common``: the run's ``common_names``), a
    repeated title gets its theme's number
    ("Childcare Offer Analysis (7)"), a copied summary is rebuilt from its own points
    (strict), and a theme whose call failed is its most important points under the first
    one's words."""
    titles, summaries = Repeats(prefix=policy.repeat_prefix), Repeats(prefix=policy.repeat_prefix)
    themes: list[Theme] = []
    for points, answer in zip(groups, replies, strict=True):
        rebuilt = from_points(points)
        reply = (
            answer
            if isinstance(answer, ThemeReply)
            else ThemeReply(title=" ".join(points[0].text.split()[:8]), summary=[rebuilt])
        )
        # a figure the theme's notes do not hold is not theirs (a prompt's example, copied),
        # nor is praise that neither they nor the passages they cite use (text.praise_beyond)
        notes = " ".join(p.text for p in points)
        known = numbers(notes)
        grounds = " ".join([notes, *(e.text for p in points for e in p.evidence)])
        said = [s for s in reply.summary if numbers(s) <= known and not praise_beyond(s, grounds)]
        summary = without_repeated_sentences(joined(said), policy.repeat_prefix)
        # a summary states what its points say: 000's read "Can these shiny and powerful
        # technologies be created?" (a speaker's question, copied); 003's began "We're
        # delivering a China episode on AI positioning." (the show's intro, restated); nor
        # does it say a thing twice (overview_sentences.without_restatements)
        written = sentences_of(summary)
        stated = [x for x in without_talk_about_the_talk(written) if not is_question(x)]
        stated = without_restatements(stated)
        if len(stated) < len(written):  # else as it was, spacing and all
            summary = " ".join(stated)
        if len(plain_words(summary)) < 3:
            summary = rebuilt
        if policy.rebuild_copied_summaries:
            summary = summaries.new_or_rebuilt(summary, rebuilt) or rebuilt
        title = reply.title.strip().rstrip(".") or points[0].text
        if not titles.is_new(title):
            title = f"{title} ({len(themes) + 1})"
        sentences = cite_sentences(summary, points)
        # nor does a sentence that only the talk about the talk backs: the host's call for
        # guests ("if you've got a unique perspective on another important area in AI ...
        # I would love to work with you to make an episode about it") became 004's "L
        # Squared also shares a unique perspective on another important area in AI"
        told = [c for c in sentences if not cites_only_the_talk(c.citations)]
        if policy.clauses_held_together:  # theme_citations.without_joined_clause
            told = [c for c in (without_joined_clause(c, points) for c in told) if c]
        if policy.passages_held_together:
            told = [c for c in told if not joins_passages(c.text, c.citations, common)]
        if told and told != sentences:
            sentences, summary = told, " ".join(c.text for c in told)
        themes.append(
            Theme(
                id=f"{source_id}/t{len(themes) + 1}",
                title=title,
                summary=summary,
                point_ids=[p.id for p in points],
                citations=union(c.citations for c in sentences) or citations(points),
                sentence_citations=[c.citations for c in sentences],
            )
        )
    return themes


def file_and_title(transcript: Transcript) -> tuple[str, str]:
    """The source file's name, and the brief's title until the model writes one: the
    file's own title, else its name (the run's failed brief uses it too)."""
    file = transcript.path.rsplit("/", 1)[-1]
    return file, transcript.metadata.get("title") or file


def with_referents(theme: Theme, referents: Referents) -> Theme:
    """``theme`` with a sentence of its summary that copies its passage's own and opens on
    a bare pronoun after the sentence that says who (``referents.summary_joined``), that
    sentence's passage among the theme's."""
    summary, cited = summary_joined(theme.summary, theme.sentence_citations, referents)
    if summary == theme.summary:
        return theme
    return theme.model_copy(
        update={
            "summary": summary,
            "sentence_citations": cited,
            "citations": union([theme.citations, *cited]),
        }
    )


def reduce_source(
    transcript: Transcript,
    summaries: list[ChunkSummary],
    client: ModelClient,
    *,
    context_window: int,
    max_tokens: int,
    points_per_chunk: int = 8,
    policy: ModelPolicy = STRICT,
    vectors: Vectorizer = lexical_vectors,
    known_organisations: Collection[str] = (),
    workers: int = 1,
    brief_words: int = BRIEF_WORDS,
    referents: Referents | None = None,
    common: Collection[str] = (),
) -> SourceBrief:
    """The source's brief: themes (one call each), an overview (one call), and by code
    the map points it carries (``pipeline.stages.points``: key facts, each theme's points,
    up to ``brief_words`` words of prose in all, ``point_budget``) and quotes. No call
    depends on ``brief_words``: a brief of another length comes from the same replies.
    ``context_window`` is kept for the callers: each call is small.
    ``known_organisations``: see ``listed_entities``. ``workers``: theme calls in flight
    (the run passes its own; one, the default, sends the calls in a fixed order, which a
    one-slot server needs to answer a cold rerun the same). ``referents``: the source's
    sentences, to print a point that opens on a bare pronoun after the one that says who
    (``pipeline.stages.referents``). ``common``: the names the run's points say often
    (``passage_joins.common_names``), which no passage holds alone."""
    del context_window
    file, title = file_and_title(transcript)
    failed = sum(1 for s in summaries if s.status != "ok")
    base = SourceBrief(
        source_id=transcript.source_id,
        title=title,
        file=file,
        metadata=transcript.metadata,
        chunks_total=len(summaries),
        chunks_failed=failed,
    )
    points = [p for s in summaries if s.status == "ok" for p in s.key_points[:points_per_chunk]]
    if not points:
        return base.model_copy(update={"status": "failed", "error": "no chunk was summarised"})
    tokens = source_tokens(transcript)
    groups = group_points(points, theme_count(tokens), vectors)
    # equal groups are asked once (two equal requests in flight would both be sent)
    unique = {tuple(p.text for p in g): g for g in groups}
    with worker_pool(workers) as pool:
        answers = dict(
            zip(
                unique,
                pool.map(
                    lambda g: write_theme(
                        g,
                        client,
                        max_tokens=max_tokens,
                        one_line=policy.one_line_replies,
                        sentence_chars=policy.sentence_max_chars,
                    ),
                    unique.values(),
                ),
                strict=True,
            )
        )
    replies = [answers[tuple(p.text for p in g)] for g in groups]
    themes = build_themes(transcript.source_id, groups, replies, policy, common)
    failed_themes = [
        f"theme {n} could not be written ({r}): it lists its points"
        for n, r in enumerate(replies, start=1)
        if isinstance(r, ModelError)
    ]
    answer = write_overview(
        themes,
        client,
        title=title,
        max_tokens=max_tokens,
        one_line=policy.one_line_replies,
        sentence_chars=policy.sentence_max_chars,
    )
    reply = None if isinstance(answer, ModelError) else answer
    problems = list(failed_themes)
    if reply is None:  # the themes stand; the overview lists them (own_overview)
        problems.append(f"the overview could not be written ({answer}): it lists the themes")
    problem = "; ".join(problems) or None
    overview = own_overview(
        joined(reply.overview) if reply else "",
        [t.title for t in themes],
        policy,
        [t.summary for t in themes],
    )
    overview = names_as_in_themes(overview, themes, title)
    if policy.overview_spans_themes:
        overview = spread_over_themes(overview, [t.summary for t in themes])
    if policy.overview_states:
        overview = stated_after_the_first(overview, [t.summary for t in themes])
    # printed without speech fillers; the overview was asked from the summaries as written
    overview = in_writing(overview)
    themes = [t.model_copy(update={"summary": in_writing(t.summary)}) for t in themes]
    prose = [overview, *(t.summary for t in themes)]
    written = " ".join(prose)
    said = [content(t.summary) for t in themes]
    sentences = [s for text in prose for s in sentences_of(text)]
    speakers = sorted({s.speaker for s in transcript.segments if s.speaker})
    picked = pick_points(
        groups,
        said,
        point_budget(written, brief_words),
        policy.point_specificity,
        sentences,
        speakers,
    )
    facts, more = split_facts(picked, subject_names(points))
    # who "the analyst" is, once the points are picked and the overview cited as written
    overview_citations = [c.citations for c in cite_sentences(overview, points)]
    if policy.passages_held_together:
        overview, overview_citations = without_joins(overview, overview_citations, common)
    if referents is not None:
        facts = cited_with_referents(facts, referents)
        more = [cited_with_referents(m, referents) for m in more]
        overview, overview_citations = summary_joined(overview, overview_citations, referents)
        themes = [with_referents(t, referents) for t in themes]
    speaker = speaker_at(transcript)
    facts = with_speakers(facts, speaker, speakers)
    people, organisations = listed_entities(summaries, known_organisations, role_labels(speakers))
    spoken_text = "\n".join(s.text for s in transcript.segments)
    unnamed = unnamed_speaker(transcript)
    overview = named_in(overview, overview_citations, speaker, spoken_text, speakers, unnamed)
    themes = [
        t.model_copy(
            update={
                "points": with_speakers(m, speaker, speakers),
                "summary": named_in(
                    t.summary, t.sentence_citations, speaker, spoken_text, speakers, unnamed
                ),
            }
        )
        for t, m in zip(themes, more, strict=True)
    ]
    brief = base.model_copy(
        update={
            "status": "partial" if failed or problem else "ok",
            "error": problem,
            "title": title
            if transcript.metadata.get("title")
            else (written_title(reply.title) if reply else "") or file,
            "overview": overview,
            "overview_citations": overview_citations,
            "themes": themes,
            "key_facts": facts,
            "people": people,
            "organisations": organisations,
        }
    )
    printed = [c for point in brief.carried for c in point.citations]
    return brief.model_copy(
        update={"quotes": fill_quotes(points, speaker=speaker, printed=printed)}
    )
