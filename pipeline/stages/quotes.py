"""Quotes: what a brief quotes of a source, verbatim by construction.

A source brief quotes the most specific passage of each stretch of its points
(``fill_quotes``); the cross-source brief quotes each source's most specific passage of a
quote's length among its quotes and the passages its points cite
(``most_specific_quote``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pipeline.models import KeyPoint, Passage, Quote, SourceBrief
from pipeline.stages.points import quote_rank

QUOTE_CHARS = (60, 400)  # a readable quote's length


def is_quotable(passage: Passage) -> bool:
    return QUOTE_CHARS[0] <= len(passage.text) <= QUOTE_CHARS[1]


def fill_quotes(
    points: list[KeyPoint],
    limit: int = 3,
    speaker: Callable[[Passage], str | None] = lambda passage: None,
    printed: Sequence[Passage] = (),
) -> list[Quote]:
    """The most specific evidence (``points.specificity``: rare words, figures, names; a
    passage without hesitation sounds first, ``points.quote_rank``) of
    each stretch of the points (one per stretch, spread over the transcript), each a
    readable 60-400 characters: verbatim by construction, with who says it (``speaker``:
    ``speaker_at``; covid_6's quotes were printed with no speaker). Taken by the point's importance
    (its rank within its chunk), the quotes were each stretch's first chunk's ("China's
    new energy, and then China's three new ones, right, Then many of these VCs ...") and
    held 4 of the 75 key facts' words (tune 4, check 0); by their own specificity
    ("... the size of China's SAS market is worth 5.2 billion compared to the US's 120
    billion"), 6 (4, 2). A passage that overlaps one of ``printed`` (the cited passages of
    the points the brief carries) comes after those that do not: 20 of the 30 quotes of
    the seeds' and five meetings' briefs said a key fact or point of their brief again
    (forty-third round)."""
    if not points:
        return []
    stretch = max(1, -(-len(points) // limit))
    chosen: list[Quote] = []
    for start in range(0, len(points), stretch):
        window = points[start : start + stretch]
        candidates = [e for p in window for e in p.evidence if is_quotable(e)]
        if candidates:
            passage = max(
                candidates,
                key=lambda e: (not any(e.overlaps(p) for p in printed), quote_rank(e.text)),
            )
            quote = Quote(passage=passage, speaker=speaker(passage))
            if quote not in chosen:
                chosen.append(quote)
    return sorted(chosen[:limit], key=lambda q: q.passage.char_start)


def most_specific_quote(brief: SourceBrief) -> Quote:
    """What the cross-source brief quotes of a source: its most specific passage of a
    quote's length (``quotable``), not its first quote, which was often the show's
    opening ("Yeah, I'm really excited for this conversation, ... 12 time zones apart")."""
    return max(quotable(brief), key=lambda q: quote_rank(q.passage.text))


def quotable(brief: SourceBrief) -> list[Quote]:
    """A source brief's quotes and the first passages of the points it carries, those of
    a quote's length: its own quotes leave out what its points print
    (``fill_quotes``), the cross-source brief prints none of them."""
    return [
        *brief.quotes,
        *(
            Quote(passage=p.citations[0], speaker=p.speaker)
            for p in brief.carried
            if p.citations and is_quotable(p.citations[0])
        ),
    ]
