"""A source's overview: asked from its themes (one call), then held to them by code (a
section title put in front of a sentence goes, a sentence that is only a title gives
way to that theme's first sentence, and so, in the cross-source overview, does one that
opens with a title, the overview spans the themes, a later sentence
says what is said, not who talks about what), and the source's title when its file has
none."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Sequence

from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import ModelError
from pipeline.model.client import ModelClient
from pipeline.models import Theme
from pipeline.stages.item_calls import ask_or_failure
from pipeline.stages.overview_sentences import leans, leans_out_of_place, stands_alone
from pipeline.stages.point_kinds import is_claim
from pipeline.stages.points import content, names_in, repeats
from pipeline.stages.policy import STRICT, ModelPolicy
from pipeline.stages.repeats import without_repeated_sentences
from pipeline.stages.show_talk import tells_the_talk
from pipeline.stages.speakers import in_own_words
from pipeline.stages.theme_citations import shows, theme_sentences
from pipeline.text import praise_beyond, sentences_of, share_in


class OverviewReply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(
        max_length=120,
        description="4 to 10 words naming what the conversation is about (for a source "
        "whose file has no title)",
    )
    overview: list[str] = Field(
        min_length=1, max_length=4, description="3 or 4 sentences: who, what, argument, end"
    )


def write_overview(
    themes: list[Theme],
    client: ModelClient,
    *,
    title: str,
    max_tokens: int,
    one_line: bool,
    sentence_chars: int = 0,
) -> OverviewReply | ModelError:
    """The overview of a source's themes, and a title for the source (one call); a reply
    that fails is returned, not raised, as ``reduce_stage.write_theme``'s."""
    items = "\n".join(f"- {t.title}: {t.summary}" for t in themes)
    return ask_or_failure(
        client,
        "reduce",
        "reduce_overview",
        items,
        OverviewReply,
        max_tokens,
        one_line=one_line,
        sentence_chars=sentence_chars,
        title=title,
    )


def first_sentences(
    summaries: Sequence[str],
    drawn_on: Collection[int | None],
    fits: Callable[[str], bool] = lambda _: True,
) -> Iterator[str]:
    """Per theme summary the overview does not draw on (its index not in ``drawn_on``),
    in order, its first sentence that ``fits``: what a sentence of the overview gives way
    to (a theme with none gives none)."""
    for k, summary in enumerate(summaries):
        if k not in drawn_on:
            first = next((x for x in sentences_of(summary) if fits(x)), None)
            if first is not None:
                yield first


def spread_over_themes(overview: str, summaries: Sequence[str]) -> str:
    """The overview with at most one sentence copied from each theme's summary: a further
    copy gives way to the first sentence of a theme the overview does not draw on, in
    order (kept when none is left), so the overview keeps its length and spans the source
    (``ModelPolicy.overview_spans_themes``)."""
    said = sentences_of(overview)
    owners = [
        next((k for k, s in enumerate(summaries) if sentence in sentences_of(s)), None)
        for sentence in said
    ]
    fresh = first_sentences(summaries, owners)
    out: list[str] = []
    for n, (sentence, owner) in enumerate(zip(said, owners, strict=True)):
        copied_again = owner is not None and owner in owners[:n]
        out.append(next(fresh, sentence) if copied_again else sentence)
    return " ".join(out)


def stated_after_the_first(overview: str, summaries: Sequence[str]) -> str:
    """The overview with each sentence after the first that tells who talks about what
    (``show_talk.tells_the_talk``) or is in a speaker's own words ("I", "you") giving way to
    a claim of a theme the overview does not draw on yet: the theme's first sentence that is
    a claim, stands alone (``stands_alone``) and is neither, the themes in order (the
    sentence is kept when no theme is left). The first sentence may introduce the
    conversation ("Afra Wang discusses Silicon Valley's envy of China."). Asked for "who
    talks about what, the main argument and the conclusion", the 1.5B wrote 4 of the 12
    later sentences of the seeds' source overviews so ("The host mentions Kai Fu Lee's
    comments on ...": two of source 003's three) and one in its speaker's words ("The quote
    wasn't as crazy as I thought"); told not to, it still did (docs/evaluation-history.md,
    twenty-ninth round). A sentence that leans on one that is not before it
    (``leans_out_of_place``, or the one it leans on gave way) gives way too; one that opens
    the overview goes, the next opens it and a theme's claim comes last in its place: the
    seeds' 000 overview opened "The other host is an entrepreneur in the United States." and
    went on "However, the need to use technology ...", each copied from a theme where it
    followed another sentence. ``ModelPolicy.overview_states``."""
    said = sentences_of(overview)

    def told_so(x: str) -> bool:
        return tells_the_talk(x) or in_own_words(x)

    def opens(x: str) -> bool:
        return is_claim(x) and stands_alone(x)

    out: list[str] = []

    def states(x: str) -> bool:  # ... and says what no sentence kept says yet
        return opens(x) and not told_so(x) and not repeats(content(x), [content(o) for o in out])

    # an opening that leans on nothing goes, and the next sentence opens (may introduce)
    first = next((n for n, x in enumerate(said) if not leans(x)), len(said))
    said = said[first:]
    if not said:  # every one leans: a theme's first claim opens
        opener = next(first_sentences(summaries, (), states), None)
        opener = opener or next(first_sentences(summaries, (), opens), None)
        if opener is None:
            return overview
        said, first = [opener], first - 1
    by_theme = [sentences_of(s) for s in summaries]

    def themes_of(*sentences: str) -> set[int]:  # the themes these sentences come from
        return {k for k, own in enumerate(by_theme) if any(x in own for x in sentences)}

    drawn_on = themes_of(*said)
    out.append(said[0])
    for n, x in enumerate(said[1:], start=1):
        before_kept = out[-1] == said[n - 1]
        if told_so(x) or leans_out_of_place(said, n, summaries) or (leans(x) and not before_kept):
            x = next(first_sentences(summaries, drawn_on, states), x)
            drawn_on |= themes_of(x)
        out.append(x)
    for _ in range(first):  # the overview keeps its length while a theme has a claim
        more = next(first_sentences(summaries, drawn_on, states), None)
        if more is None:
            break
        out.append(more)
        drawn_on |= themes_of(more)
    return " ".join(out)


RESTATED = 0.8  # share of an overview sentence's content words that a theme's sentence says


def names_as_in_themes(overview: str, themes: Sequence[Theme], title: str = "") -> str:
    """The overview with a sentence that restates a theme's sentence (``RESTATED`` of its
    content words are that sentence's) but says a name that neither that sentence, nor
    the passages it is cited on, nor the source's ``title`` shows giving way to the
    theme's sentence. Of 002's "One of his industry contacts did time for shipping DEC Vax
    VMS kit to Bulgaria ...", the 1.5B's overview said "One of Google's industry contacts
    ..." (the Google of another passage), and the passage cited for each name the
    sentence says (``theme_citations.showing_names``) made that look shown."""
    cited = [c for t in themes for c in theme_sentences(t)]
    if not cited:
        return overview
    out = []
    for sentence in sentences_of(overview):
        words = content(sentence)
        best = max(cited, key=lambda c: len(words & content(c.text)))
        if share_in(words, content(best.text)) >= RESTATED:
            shown = " ".join([title, best.text, *(p.text for p in best.citations)])
            if not all(shows(shown, name) for name in names_in(sentence)):
                sentence = best.text
        out.append(sentence)
    return " ".join(out)


def written_title(text: str, max_words: int = 12) -> str:
    """The model's title for a source whose file has none; "" when it is not one."""
    title = " ".join(text.split()).strip(" .\"'")
    return title if 0 < len(title.split()) <= max_words else ""


def _bare(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .:")


_LISTED_SOURCES = re.compile(r"\s*\(sources?\b[^)]*\)\s*:")


def _after_head(sentence: str, head: str, with_sources: bool) -> str | None:
    """What follows ``head`` ("Title:") at the start of ``sentence``, or, ``with_sources``,
    what follows the title and the sources the list gave after it ("Title (sources 001,
    003; ...):"); None when the sentence opens otherwise."""
    if sentence.lower().startswith(head):
        return sentence[len(head) :].strip()
    title = head[:-1]
    listed = (
        _LISTED_SOURCES.match(sentence, len(title))
        if with_sources and sentence.lower().startswith(title)
        else None
    )
    return sentence[listed.end() :].strip() if listed else None


def own_overview(
    text: str,
    titles: list[str],
    policy: ModelPolicy = STRICT,
    summaries: Sequence[str] = (),
    *,
    echoes_give_way: bool = False,
) -> str:
    """The overview without a section title (or its head before a colon) put in front of
    a sentence ("Title: ...", in any case: the 1.5B began a sentence of 004's "Chat GPT's
    impact on China:" for its theme "Chat GPT's Impact on China") and without a sentence
    it repeats, or that praises in words its sections never use (``text.praise_beyond``);
    when nothing is left, the titles stand for it. A sentence that restates a
    section's summary stays: an overview picks what matters from its sections. When the
    strict policy dropped those, four of the five source overviews of the seeds were a
    list of titles or one sentence (docs/evaluation-history.md, ninth round). A sentence
    that is only a section's title gives way to the first sentence of that section's
    summary (``summaries``, in the titles' order): the 1.5B once wrote source 004's
    overview as four of its titles ("China's AI Regulations: A Brief Overview. Chatbot
    Competition and Public Awareness. ...").

    ``echoes_give_way``: a sentence that opens with a section's title (and the sources the
    list gave with it) is an echo of the list the model was given, and gives way to that
    section's first sentence, not only its title. Given "- Title (sources ...): point" a
    line, the 1.5B wrote the seeds' cross-source overview as such lines cut short ("AI and
    Technology: Silicon Valley interest", "China's Technology Leadership: Manufacturing
    capabilities lead development"), and with the titles taken off the overview read
    "Silicon Valley interest. ..." (docs/evaluation-history.md, forty-fifth round)."""
    # "Chat GPT's impact on China:" (004), or a title's head before its colon: "Welsh
    # Language and Lifelong Learning: Cabinet Secretary ..." (a QMSum committee meeting,
    # its theme "Welsh Language and Lifelong Learning: Recruitment Challenges")
    # ... or its subtitle after the colon: "Commoditization and Alignment: Commoditize
    # your complement ..." (001's theme "China's AI Industry: Commoditization and Alignment")
    heads = sorted(  # the longest first: a whole "Title: Subtitle:" before its "Title:"
        {f"{name.strip()}:".lower() for t in titles for name in (t, *t.split(":", 1))},
        key=len,
        reverse=True,
    )
    firsts = {  # a title, or its head before a colon ("ChatGPT vs. Ernie 4.0: A Comparison"),
        # or what follows the colon: "Nvidia's H20 Chip in China: Smic's Limitations." with
        # its head taken off read "Smic's Limitations." (a Spanish interview's overview)
        _bare(name): next(iter(sentences_of(summary)), "")
        for title, summary in zip(titles, summaries, strict=False)
        for name in {title, *title.split(":", 1)}
    }
    kept = []
    grounds = " ".join([*titles, *summaries])
    for sentence in sentences_of(text):
        if summaries and praise_beyond(sentence, grounds):  # the writer's, not the themes'
            continue
        opened = ((h, _after_head(sentence, h, echoes_give_way)) for h in heads)
        head, rest = next(((h, r) for h, r in opened if r is not None), ("", sentence))
        if head and echoes_give_way:  # the section's first sentence, when it has one
            rest = firsts.get(_bare(head)) or rest
        kept.append(firsts.get(_bare(rest), rest))
    overview = without_repeated_sentences(" ".join(kept), policy.repeat_prefix)
    if overview or not titles:
        return overview
    return "The conversation covers " + "; ".join(titles) + "."
