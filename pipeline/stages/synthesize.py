"""Synthesize: the ``CrossSourceBrief`` from all source briefs.

Code splits every source brief into statements (its themes' sentences, their points, its
key facts, each cited), adds the source's map points no theme carried, and clusters the
statements of all sources (``pipeline.stages.themes.cross_groups``: average linkage,
embedding similarity when the run has an embedding model, else lexical; centred on the
corpus, so that the subject all sources share does not make everything look alike); a
cluster that spans two sources or more is a cross-source subject, and so is a thing a
source theme's title names that three sources say (``cross_subjects``). The model then
writes ONE cross-source theme at a time from that group's statements only: a title, 2-3
sentences, and whether the sources agree, differ or complement each other, with the
point they agree or differ on (strict: a sentence the group's statements do not state is
left out, ``ModelPolicy.cross_summary_support``); groups it titles alike are one theme
(``cross_titles.alike_titles``). What each source says stays listed under the theme.
Where the policy states relations (``ModelPolicy.relations_stated``: not for the
embedded models, whose verdicts seldom held), an agreement rests on the statements it
restates, from two sources at least (else it is not listed), and a disagreement puts
each source's own statement on its side. Last, one call writes the overview from the
cross-source themes (strict policy: a sentence that the statements it rests on do not
state gives way to a theme's first sentence, ``ModelPolicy.overview_support``; a
sentence that says sources agree loses that claim unless it restates an agreement
listed; an overview left shorter than three sentences opens with the subjects shared,
``overview_sentences.with_subjects_named``). A summary's sentence in a speaker's own
words is its source's (``cross_statements.said_by_its_source``), and one that joins
what two sources say is left out (strict: ``names_apart``, ``words_apart``), and so is
one that says no word the group's sources share (strict: ``cross_subjects.on_subject``).
Every sentence is attributed by code to the statements it restates, and so to their
sources and passages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import ModelError
from pipeline.model.client import ModelClient
from pipeline.model.stopping import worker_pool
from pipeline.models import (
    Attributed,
    CrossSourceBrief,
    CrossTheme,
    Disagreement,
    KeyPoint,
    SourceBrief,
)
from pipeline.stages.cross_claims import listed_in_series, unbacked_claim_removed, unlabelled
from pipeline.stages.cross_statements import (
    Statement,
    attribute,
    named_rightly,
    names_apart,
    ordinals_named,
    said_by_its_source,
    sides,
    stated_share,
    statements_of,
    words_apart,
)
from pipeline.stages.cross_subjects import cross_subjects, on_subject, widespread_stems
from pipeline.stages.cross_titles import alike_titles, stand_in_title
from pipeline.stages.item_calls import ask_or_failure, joined
from pipeline.stages.negation import drops_negation
from pipeline.stages.overview import own_overview
from pipeline.stages.overview_sentences import (
    stated_overview,
    with_subjects_named,
    without_restatements,
)
from pipeline.stages.points import content, repeats
from pipeline.stages.policy import STRICT, ModelPolicy
from pipeline.stages.quotes import most_specific_quote
from pipeline.stages.referents import Referents, cited_with_referents
from pipeline.stages.repeats import Repeats, without_repeated_sentences
from pipeline.stages.theme_citations import union
from pipeline.stages.themes import Vectorizer, lexical_vectors
from pipeline.text import (
    ended,
    plain_words,
    praise_beyond,
    sentences_of,
    share_in,
    stems,
    word_count,
)

MAX_CROSS_THEMES = 10  # two more than the eight before: the same budget of words, more subjects
# a source's statement is listed under a cross-source theme unless its summary says it:
# the 1.5B's summaries copy a group's statements, and 13 of the seeds' 23 were printed twice
RESTATED = 0.8  # share of the statement's content words in the summary
# ... or one of the summary's sentences says it in fewer words (``points.repeats``: most
# of the shorter's words): "Companies are starting to take a look at these regulations."
# above "Companies are starting to take a look at these regulations and the hoops ..."
CROSS_WORDS = 1_100  # the cross-source brief's prose, at most (the issue: 500-1,200)


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


def write_cross_theme(
    group: list[Statement],
    client: ModelClient,
    max_tokens: int,
    one_line: bool,
    sentence_chars: int = 0,
) -> CrossReply | ModelError:
    """The model's cross-source theme for one group of statements (one short call). A reply
    that fails is returned, not raised, as ``reduce_stage.write_theme``'s: that subject is
    left out and the rest of the brief stands. ``sentence_chars``: the policy's
    ``sentence_max_chars``, as for a source's themes."""
    items = "\n".join(f"- [source {s.source_id}] {s.asked}" for s in group)
    return ask_or_failure(
        client,
        "synthesize",
        "synthesize",
        items,
        CrossReply,
        max_tokens,
        one_line=one_line,
        sentence_chars=sentence_chars,
    )


def build_cross(
    groups: list[list[Statement]],
    replies: list[CrossReply],
    policy: ModelPolicy = STRICT,
    widespread: frozenset[str] = frozenset(),
) -> tuple[list[CrossTheme], list[Attributed], list[Disagreement]]:
    """Cross-source themes, agreements and disagreements from the model's replies. A
    summary that copies an earlier one is rebuilt from its statements (strict); a
    sentence that praises in words its statements never use is left out, one in a
    speaker's own words is its source's (``said_by_its_source``); a title that
    repeats one or names nothing the theme says gives way (``stand_in_title``); strict,
    a sentence its statements do not state is left out (``cross_summary_support``), and
    so is one that copies a statement from after the negation that governs it
    (``negation.drops_negation``)."""
    said, titles = Repeats(prefix=policy.repeat_prefix), Repeats(prefix=policy.repeat_prefix)
    themes, agreements, disagreements = [], [], []
    for group, reply in zip(groups, replies, strict=True):
        firsts = list({s.source_id: s for s in reversed(group)}.values())[::-1]
        # labelled as a sentence of one source's is ("Source 000: ...", ``labelled``)
        rebuilt = " ".join(f"Source {s.source_id}: {ended(s.asked.rstrip('.'))}" for s in firsts)
        summary = without_repeated_sentences(joined(reply.summary), policy.repeat_prefix)
        grounds = " ".join(s.text for s in group)
        kept = [
            named_rightly(ordinals_named(s, group), group)
            for s in sentences_of(summary)
            if not praise_beyond(s, grounds)
        ]
        kept = [x for x in (said_by_its_source(s, group) for s in kept) if x]
        if policy.names_held_together:
            kept = [s for s in kept if not names_apart(s, group)]
        if policy.words_held_together:
            kept = [s for s in kept if not words_apart(s, group)]
        if policy.cross_summary_support:
            told = [x for s in group for x in (s.text, *(c.text for c in s.citations))]
            kept = [
                s
                for s in kept
                if stated_share(s, group) >= policy.cross_summary_support
                and not drops_negation(s, told)
            ]
        if policy.cross_sentences_on_subject:
            kept = on_subject(
                kept, [s.text for s in group], [s.source_id for s in group], widespread
            )
        summary = " ".join(without_restatements(kept))
        if len(plain_words(summary)) < 3:
            summary = rebuilt
        if policy.rebuild_copied_summaries:
            summary = said.new_or_rebuilt(summary, rebuilt) or rebuilt
        title = reply.title.strip().rstrip(".")
        said_stems = stems(f"{summary} {grounds}")
        if not title or not titles.is_new(title) or not stems(title) & said_stems:
            title = stand_in_title(summary, group)
        written = sentences_of(summary)
        sentences = [attribute(s, group) for s in written]
        summary_words = content(summary)
        written_words = [content(s) for s in written]
        whole = attribute(summary, group, all_of=True)
        whole.citations = union([whole.citations, *(s.citations for s in sentences)])
        themes.append(
            CrossTheme(
                title=title,
                summary=whole,
                sentence_citations=[s.citations for s in sentences],
                by_source=[
                    attribute(s.asked, [s])
                    for s in group
                    if share_in(words := content(s.text), summary_words) < RESTATED
                    and not repeats(words, written_words)
                ],
            )
        )
        if not policy.relations_stated:
            continue
        point = reply.point.strip()
        # an agreement is cited by the statements it restates, as any sentence is, and
        # is one only when they come from two sources or more: the 1.5B's "The sources
        # agree on the commoditization of AI labs and the start of Moonshot AI" was cited
        # on all five sources of its group
        agreed = attribute(point, group)
        if (
            reply.relation == "agree"
            and len(plain_words(point)) >= 3
            and len(agreed.source_ids) >= 2
            and said.is_new(point)
        ):
            agreements.append(agreed)
        elif reply.relation == "differ":
            a, b = sides(point, group) or (firsts[0], firsts[1])
            disagreements.append(
                Disagreement(
                    topic=title, side_a=attribute(a.text, [a]), side_b=attribute(b.text, [b])
                )
            )
    return themes, agreements, disagreements


def words_of(*texts: str) -> int:
    return sum(word_count(t) for t in texts)


def within_words(themes: list[CrossTheme], other_words: int, budget: int) -> list[CrossTheme]:
    """The themes with their longest listed statements left out, one at a time, until the
    brief's prose (theirs and ``other_words``) fits ``budget`` words; each theme keeps
    two at least. A map point can be a long sentence of the transcript's in other words,
    and six themes of five of them made a cross-source brief of 2,100 words."""
    listed = [list(t.by_source) for t in themes]
    total = other_words + words_of(*(t.title + " " + t.summary.text for t in themes))
    total += words_of(*(a.text for items in listed for a in items))
    while total > budget:
        longest = max(
            (
                (words_of(a.text), n, k)
                for n, items in enumerate(listed)
                if len(items) > 2
                for k, a in enumerate(items)
            ),
            default=None,
        )
        if longest is None:
            break
        words, n, k = longest
        del listed[n][k]
        total -= words
    return [
        t.model_copy(update={"by_source": items}) for t, items in zip(themes, listed, strict=True)
    ]


def listed_with_referents(
    themes: list[CrossTheme], referents: Referents | None
) -> list[CrossTheme]:
    """``themes`` with each statement listed under them ``Referents.joined``."""
    if referents is None:
        return themes
    return [
        t.model_copy(update={"by_source": cited_with_referents(t.by_source, referents)})
        for t in themes
    ]


def synthesize(
    briefs: list[SourceBrief],
    client: ModelClient,
    *,
    context_window: int,
    max_tokens: int,
    policy: ModelPolicy = STRICT,
    vectors: Vectorizer = lexical_vectors,
    points: Mapping[str, Sequence[KeyPoint]] | None = None,
    workers: int = 1,
    referents: Referents | None = None,
) -> CrossSourceBrief:
    """The cross-source brief: one call per group of related statements, one for the
    overview. Statements are what the source briefs say and, given ``points`` (each
    source's map points), the points they do not carry. ``context_window`` is kept for
    the callers: each call is small. ``workers``: calls in flight (see ``reduce_source``).
    ``referents``: the sources' sentences, to list a statement that opens on a bare
    pronoun after the one that says who (``Referents.joined``): under a cross-source theme
    it has no theme of its own source around it. Only as listed: the statements are
    grouped and asked about as their briefs say them."""
    del context_window
    usable = [b for b in briefs if b.status != "failed" and b.themes]
    source_ids = [b.source_id for b in briefs]
    if not usable:
        return CrossSourceBrief(
            status="failed", error="no source brief to synthesize", source_ids=source_ids
        )
    said = [
        s for b in usable for s in statements_of(b, (points or {}).get(b.source_id, ()), referents)
    ]
    titles = [t.title for b in usable for t in b.themes]
    found = cross_subjects(
        [s.text for s in said], [s.source_id for s in said], titles, MAX_CROSS_THEMES, vectors
    )
    groups = [[said[k] for k in g] for g in found]
    if not groups:  # one source, or nothing in common: its overview stands for the whole
        only = usable[0]
        return CrossSourceBrief(
            overview=only.overview,
            overview_citations=only.overview_citations,
            quotes=[most_specific_quote(only)] if only.quotes else [],
            source_ids=source_ids,
        )

    with worker_pool(workers) as pool:  # groups never share a statement
        answers = list(
            pool.map(
                lambda g: write_cross_theme(
                    g, client, max_tokens, policy.one_line_replies, policy.sentence_max_chars
                ),
                groups,
            )
        )
    problems = [
        f"cross-source theme {n} could not be written ({a})"
        for n, a in enumerate(answers, start=1)
        if isinstance(a, ModelError)
    ]
    groups = [g for g, a in zip(groups, answers, strict=True) if not isinstance(a, ModelError)]
    replies = [a for a in answers if not isinstance(a, ModelError)]
    if not replies:
        return CrossSourceBrief(status="failed", error="; ".join(problems), source_ids=source_ids)
    # groups the model titled alike are one subject: their statements and sentences joined
    alike = alike_titles([r.title for r in replies])
    groups = [[s for n in ns for s in groups[n]] for ns in alike]
    replies = [
        replies[ns[0]].model_copy(update={"summary": [x for n in ns for x in replies[n].summary]})
        for ns in alike
    ]
    widespread = widespread_stems([s.text for s in said])
    themes, agreements, disagreements = build_cross(groups, replies, policy, widespread)
    # the themes' subjects and what their sources agree or differ on, not their summaries:
    # given those, the 1.5B copied them as its overview. An agreement that two sources do
    # not back (not listed) is told as sides that complement each other: told "they
    # agree", the overview said "Both sources agree" of what one source said
    agreed = {a.text for a in agreements}

    def relation(r: CrossReply) -> str:
        unbacked = r.relation == "agree" and r.point.strip() not in agreed
        return "complement" if unbacked else r.relation

    def item(theme: CrossTheme, reply: CrossReply) -> str:
        sources = f"sources {', '.join(theme.summary.source_ids)}"
        if not policy.relations_stated:  # what the point says, without its verdict
            said = unbacked_claim_removed(reply.point.strip(), theme.summary.source_ids)
            return f"- {theme.title} ({sources}): {said}"
        return f"- {theme.title} ({sources}; they {relation(reply)}): {reply.point}"

    items = "\n".join(item(t, r) for t, r in zip(themes, replies, strict=True))
    answer = ask_or_failure(
        client,
        "synthesize",
        "synthesize_overview",
        items,
        CrossOverviewReply,
        max_tokens,
        one_line=policy.one_line_replies,
        sentence_chars=policy.sentence_max_chars,
    )
    reply = None if isinstance(answer, ModelError) else answer
    if reply is None:  # the themes stand; the overview lists them (own_overview)
        problems.append(f"the overview could not be written ({answer}): it lists the themes")
    overview = own_overview(
        joined(reply.overview) if reply else "",
        [t.title for t in themes],
        policy,
        [t.summary.text for t in themes],
        echoes_give_way=True,
    ).replace("The conversation covers", "The sources share", 1)
    grouped = [s for g in groups for s in g]
    if reply is not None and policy.overview_support:
        share = policy.overview_support
        summaries = [t.summary.text for t in themes]
        titles = [t.title for t in themes]
        overview = stated_overview(
            overview,
            grouped,
            summaries,
            share,
            list(agreed),
            titles,
            names_together=policy.names_held_together,
            words_together=policy.words_held_together,
        )
    if policy.agreement_needs_two_sources:
        overview = " ".join(
            unbacked_claim_removed(s, attribute(s, grouped).source_ids, list(agreed))
            for s in sentences_of(overview)
        )
    overview = listed_in_series(with_subjects_named(overview, [t.title for t in themes]))
    # each sentence attributed as written ("Source 004: ..." to 004), then printed as prose
    written = sentences_of(overview)
    overview_citations = [attribute(s, grouped).citations for s in written]
    overview = " ".join(unlabelled(s) for s in written)
    cited = {s for t in themes for s in t.summary.source_ids}
    sides = [x.text for d in disagreements for x in (d.side_a, d.side_b)]
    other = words_of(overview, *(a.text for a in agreements), *sides)
    return CrossSourceBrief(
        status="partial" if problems else "ok",
        error="; ".join(problems) or None,
        overview=overview,
        overview_citations=overview_citations,
        themes=listed_with_referents(within_words(themes, other, CROSS_WORDS), referents),
        agreements=agreements,
        disagreements=disagreements,
        quotes=[most_specific_quote(b) for b in usable if b.quotes and b.source_id in cited],
        source_ids=source_ids,
    )
