"""How a source theme's sentences are cited: each with the evidence of the map points it
restates (``cite_sentences``), and cut before a clause that joins two of its passages
(``without_joined_clause``). Code, not the model, decides every citation."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pipeline.models import Cited, KeyPoint, Passage, Theme
from pipeline.stages.points import names_in
from pipeline.stages.show_talk import cites_only_the_talk
from pipeline.text import joined_clause, plain_words, sentences_of


def cite_sentences(text: str, points: Sequence[KeyPoint], per_sentence: int = 2) -> list[Cited]:
    """``text`` sentence by sentence, each cited with the evidence of the points that
    share the most content words with it, each at least half as many as the best (the
    best point when none shares a word). With any second point that shared a word, 000's
    "Many AI researchers are not willing to be a public screw." was cited first with a
    passage that says something else ("The simplest way is that AI brings a lot of hope
    to the stagnation of innovation ...", L417), and so was it in the cross-source brief,
    which cites a statement by its first passage (the seeds' briefs: 952 passages checked
    by `brief verify`, 858 with the rule)."""
    out = []
    usable = [p for p in points if p.evidence]
    for sentence in sentences_of(text):
        words = plain_words(sentence)
        shared = {p.id: len(words & plain_words(p.text)) for p in usable}
        ranked = sorted(usable, key=lambda p: -shared[p.id])
        best = shared[ranked[0].id] if ranked else 0
        chosen = [p for p in ranked if 0 < 2 * shared[p.id] >= best][:per_sentence] or ranked[:1]
        passages = list({e.char_start: e for p in chosen for e in p.evidence[:1]}.values())
        if not cites_only_the_talk(passages):  # else it is left out
            passages += showing_names(sentence, passages, [p.evidence[0] for p in ranked])
        out.append(Cited(text=sentence, citations=sorted(passages, key=lambda e: e.char_start)))
    return out


def showing_names(
    text: str, shown: Sequence[Passage], candidates: Sequence[Passage]
) -> list[Passage]:
    """For each name ``text`` says (``points.names_in``) that the ``shown`` passages do not
    show, the first of the ``candidates`` (read once per name) that shows it, each once.
    003's "The analyst highlights Alibaba, Jack Ma, and Baidu's plans to go open source"
    was cited with the passages on open source and Baidu, and not the one that says
    "Alibaba, Jack Ma": a reader who opens its citations did not find him."""
    seen = " ".join(p.text for p in shown)
    more: list[Passage] = []
    for name in sorted(names_in(text)):
        if shows(seen, name):
            continue
        passage = next((p for p in candidates if shows(p.text, name)), None)
        if passage is not None and passage not in shown and passage not in more:
            more.append(passage)
            seen += " " + passage.text
    return more


def shows(text: str, name: str) -> bool:
    """Whether ``text`` says ``name`` (``points.names_in``'s, lower case) as a word."""
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE) is not None


# a clause after one of these is what the words before it report: they say nothing alone
_REPORTED = re.compile(
    r"\b(?:sa(?:y|ys|id|ying)|(?:note|argue|believe|feel|mention|explain|add|claim|suggest|"
    r"state|know|hope|show|find|report|agree|warn|mean|realize|think)(?:s|e?d)?|felt|thought|"
    r"knew|found|meant|shown)$",
    re.IGNORECASE,
)


def without_joined_clause(cited: Cited, points: Sequence[KeyPoint]) -> Cited | None:
    """A theme's sentence up to a clause that joins what one of its passages says to what
    another says of something else (``text.joined_clause``), cited again; none when too
    little is left before it (fewer than three content words) or the clause is what the
    words before it report ("People in Silicon Valley have never said that ...")."""
    at = joined_clause(cited.text, [p.text for p in cited.citations])
    if at is None:
        return cited
    head = cited.text[:at].rstrip(" ,;:-")
    if len(plain_words(head)) < 3 or _REPORTED.search(head):
        return None
    return cite_sentences(f"{head}.", points)[0]


def theme_sentences(theme: Theme) -> list[Cited]:
    """A theme's summary sentence by sentence, each with its passages (the theme's first
    when its sentences were not cited one by one)."""
    texts = sentences_of(theme.summary)
    if theme.sentence_citations and len(texts) == len(theme.sentence_citations):
        return [
            Cited(text=t, citations=c) for t, c in zip(texts, theme.sentence_citations, strict=True)
        ]
    return [Cited(text=t, citations=theme.citations[:1]) for t in texts]


def union(groups: Iterable[list[Passage]]) -> list[Passage]:
    """Every passage of the groups once, in source order."""
    unique = {(p.source_id, p.char_start): p for group in groups for p in group}
    return sorted(unique.values(), key=lambda p: (p.source_id, p.char_start))


def citations(points: list[KeyPoint], limit: int = 4) -> list[Passage]:
    """The first evidence passage of the most important points, each passage once."""
    ordered = sorted(points, key=lambda p: -p.importance)
    unique = {p.evidence[0].char_start: p.evidence[0] for p in ordered if p.evidence}
    return list(unique.values())[:limit]
