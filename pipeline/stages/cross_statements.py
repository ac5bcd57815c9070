"""A source brief as statements, and a cross-source sentence attributed to them.

Synthesize (``pipeline.stages.synthesize``) works on statements: each cited sentence of
a source brief (a theme's summary sentence, one of its points, a key fact), each once,
with the theme it belongs to. Code, not the model, decides which statements a
cross-source sentence rests on (``attribute``: the ones sharing the most content words,
or, for a sentence that names its sources, each named source's best) and which two
statements are the sides of a disagreement (``sides``); their passages are the
sentence's citations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.models import Attributed, KeyPoint, Passage, SourceBrief
from pipeline.stages.cross_claims import ID, STEM_ID, relation_only
from pipeline.stages.point_kinds import is_claim
from pipeline.stages.points import content, repeats
from pipeline.stages.referents import Referents
from pipeline.stages.show_talk import about_the_speaker, cites_only_the_talk, tells_the_talk
from pipeline.stages.speakers import in_own_words
from pipeline.stages.spoken import as_written
from pipeline.stages.theme_citations import showing_names, theme_sentences
from pipeline.text import BESIDE, NAME_RUN, name_words, plain_words, share_in, stems


@dataclass(frozen=True)
class Statement:
    """One cited sentence of a source brief: a theme's summary sentence, one of its points,
    or a key fact; with the theme it belongs to."""

    source_id: str
    theme_id: str
    text: str
    citations: list[Passage]
    # who a theme's summary sentence that opens "He" or "She" is about: the person its
    # summary's sentence before opens with ("Wang mentions ... She argues ..."), "" else
    subject: str = ""

    @property
    def asked(self) -> str:
        """The statement as a synthesis request shows it: its "He" or "She" as the person
        (``subject``). Shown "She argues that Silicon Valley and China's innovations are
        like current" (000's Afra Wang), the 1.5B wrote "China argues that ..."."""
        if not self.subject:
            return self.text
        return self.subject + self.text[self.text.index(" ") :]


def subject_of(sentence: str, before: str, people: Sequence[str]) -> str:
    """The person a summary's ``sentence`` that opens "He" or "She" is about: the run of
    capitalised words ``before`` (the summary's sentence before it) opens with, when its
    names are one of ``people``'s (the brief's list: "Wang" of "Afra Wang", not "China"
    or "Source"); else ""."""
    if sentence.split(" ", 1)[0] not in ("He", "She"):
        return ""
    found = NAME_RUN.match(before)
    if found is None:
        return ""
    named = name_words(found.group(0))
    return found.group(0) if named and any(named <= name_words(p) for p in people) else ""


def statements_of(
    brief: SourceBrief, points: Sequence[KeyPoint] = (), referents: Referents | None = None
) -> list[Statement]:
    """What a source brief says, statement by statement, each once, then the source's map
    points it does not carry (``points``: the raw material a cross-source subject may
    rest on, though no theme of its own source carried it). A key fact or a point belongs
    to the theme of the stretch its passage is in (themes are contiguous stretches).
    Given ``referents``, a summary's sentence put before the next to say who it is about
    (``Referents.introduces``) is no statement: the sources' subjects are found in the
    summaries as the model wrote them."""
    out: list[Statement] = []
    starts: list[tuple[int, str]] = []
    for theme in brief.themes:
        sentences = theme_sentences(theme)
        if referents is not None:
            sentences = [
                s
                for s, after in zip(sentences, [*sentences[1:], None], strict=True)
                if after is None
                or not referents.introduces(s.citations, after.text, after.citations)
            ]
        subjects = [""] + [
            subject_of(s.text, before.text, brief.people)
            for s, before in zip(sentences[1:], sentences, strict=False)
        ]
        for said, subject in zip(sentences, subjects, strict=True):
            out.append(Statement(brief.source_id, theme.id, said.text, said.citations, subject))
        for point in theme.points:
            out.append(Statement(brief.source_id, theme.id, point.text, point.citations))
        starts.append((min((c.char_start for c in theme.citations), default=0), theme.id))
    starts.sort()
    placed = [(f.text, f.citations) for f in brief.key_facts]
    placed += [(as_written(p.text), p.evidence) for p in points if is_claim(p.text)]
    for text, citations in placed:
        at = citations[0].char_start if citations else 0
        theme_id = next((tid for start, tid in reversed(starts) if start <= at), starts[0][1])
        out.append(Statement(brief.source_id, theme_id, text, citations))
    # a point that restates its theme's summary sentence says nothing new here
    kept: list[Statement] = []
    kept_words: list[set[str]] = []
    for statement in out:
        # what the episode covers, who talks about what ("The notes discuss the
        # differences between ...", a theme's first sentence), or where a speaker lives
        # and works, is no subject the sources share; nor is a point cut from the
        # episode's list of contents ("the Chinese public's engagement with AI products,
        # the state of AI regulation ...", of 004's "In this wide ranging conversation
        # we cover ...": the 1.5B made it "The Chinese government's stance on AI
        # technology is critical to understanding the export controls.")
        if (
            tells_the_talk(statement.text)
            or about_the_speaker(statement.text)
            or cites_only_the_talk(statement.citations)
        ):
            continue
        words = content(statement.text)
        if not repeats(words, kept_words):
            kept.append(statement)
            kept_words.append(words)
    return kept


_SOURCE_WORD = re.compile(r"\bsources?\b", re.IGNORECASE)


def best_by_source(text: str, said: Sequence[Statement]) -> dict[str, tuple[int, Statement]]:
    """Per source, in the order the statements come, its statement that shares the most
    content words with ``text`` (the first of equals) and how many it shares."""
    words = plain_words(text)
    best: dict[str, tuple[int, Statement]] = {}
    for statement in said:
        shared = len(words & plain_words(statement.text))
        if statement.source_id not in best or shared > best[statement.source_id][0]:
            best[statement.source_id] = (shared, statement)
    return best


# a statement beside the best is a sentence's evidence too when it holds nearly as many of
# the sentence's words as the best (``evidence``)
STATES = 0.8


def attribute(text: str, said: Sequence[Statement], *, all_of: bool = False) -> Attributed:
    """``text`` attributed to its evidence (``evidence``) among the statements that share
    the most content words with it, at most three, each sharing at least half as many as
    the best (all of them with ``all_of``), each cited by its first passage. A sentence
    that names its sources ("Source 001: ...", "Sources 001 and 004 ...") is attributed
    to the best statement of each source it names, and to no other: the words it shares
    with another source's statement ("China", "model") do not make that statement its
    evidence. A name the first passages do not show adds the statements' passage that
    shows it (``theme_citations.showing_names``)."""
    chosen = list(said) if all_of else evidence(text, said)
    passages: list[Passage] = []
    for statement in chosen:
        passages.extend(p for p in statement.citations[:1] if p not in passages)
    passages += showing_names(text, passages, [c for s in chosen for c in s.citations])
    return Attributed(
        text=text,
        theme_ids=list(dict.fromkeys(s.theme_id for s in chosen)),
        source_ids=sorted({s.source_id for s in chosen}),
        citations=passages,
    )


def evidence(text: str, said: Sequence[Statement]) -> list[Statement]:
    """The statements ``text`` rests on (``resting_on``) that are its evidence: the best,
    and each other that holds nearly as many of its words (``STATES``) or a word of it
    those before do not. The cross-source theme "Open Source AI" said "China's AI open
    source is a very rational choice.", 000's words, and was cited on 000, 004 ("it is
    marketed as open source, but ...") and 003 ("the rise of what it's called the open
    source deal"): the words its subject has everywhere made three sources of one source's
    claim. A sentence that names its sources keeps a statement of each."""
    rests = resting_on(text, said)
    if any(_names(text, sid) for sid in {s.source_id for s in rests}):
        return rests
    words, held, best = plain_words(text), set[str](), 0
    chosen: list[Statement] = []
    for statement in rests:  # the best first
        shared = words & plain_words(statement.text)
        if not chosen or shared - held or len(shared) >= STATES * best:
            chosen.append(statement)
            held |= shared
            best = best or len(shared)
    return chosen


def resting_on(text: str, said: Sequence[Statement]) -> list[Statement]:
    """The statements ``attribute`` rests ``text`` on."""
    words = plain_words(text)
    shared = {id(s): len(words & plain_words(s.text)) for s in said}
    ranked = sorted(said, key=lambda s: -shared[id(s)])
    named = [sid for sid in dict.fromkeys(s.source_id for s in said) if _names(text, sid)]
    if named:
        per_source = best_by_source(text, said)
        return [per_source[sid][1] for sid in named]
    best = shared[id(ranked[0])] if ranked else 0
    return [s for s in ranked if 0 < 2 * shared[id(s)] >= best][:3] or ranked[:1]


def names_apart(sentence: str, said: Sequence[Statement]) -> bool:
    """Whether a claim of ``sentence`` puts together names that only different sources
    hold: of the sources of the statements the claim rests on (``resting_on``; each with
    its first passage), none holds all of the claim's names that one of them holds. Of
    002's "this sounds almost exactly like Japan's Fifth Generation AI project" and 004's
    "a startup called Moonshot AI and another one called Drupal AI that are both started
    by Tsinghua professors", the 1.5B wrote "Japan's Fifth Generation AI project is
    similar to Moonshot AI and Drupal AI in that they are both startups funded by Tsinghua
    University": each of its words is in what it rests on, the claim in neither source.
    Claims set side by side ("Source 000 stresses X, while source 003 Y") are each held
    to this on their own; a claim that names its source is held to ``borrows_names``."""
    return any(
        _joins_sources(claim, said) or borrows_names(claim, said)
        for claim in BESIDE.split(sentence)
    )


def borrows_names(claim: str, said: Sequence[Statement]) -> bool:
    """Whether a claim that names its sources ("Source 004: ...") holds a name that only
    statements of sources it does not name hold: neither the statements of the sources it
    names nor their passages. Of 002's "a bunch of identical offerings for 'Colorfullfe',
    'Der Blue' and 'Extolife', all priced similarly" and 004's "Baidu is the main one
    that I know of that is around $7, $8 mark", the 1.5B wrote "Source 004: Baidu's
    commercialization of 'Colorfullfe' at $7, $8 mark.", cited on 004's passage: a name
    004 never says, told as 004's."""
    named = {s.source_id for s in said if _names(claim, s.source_id)}
    if not named:
        return False
    own = [x for s in said if s.source_id in named for x in told(s)]
    others = [x for s in said if s.source_id not in named for x in told(s)]
    borrowed = name_words(_FRAMING.sub(" ", claim)) - stems(" ".join(own))
    return bool(borrowed & name_words(" ".join(others)))


def told(statement: Statement) -> list[str]:
    """What a statement says and what its first passage (the one it is cited by) says."""
    return [statement.text, *(p.text for p in statement.citations[:1])]


def _by_source(said: Iterable[Statement]) -> dict[str, set[str]]:
    """Per source, the stems of what its statements and their first passages say."""
    held: dict[str, set[str]] = {}
    for statement in said:
        held.setdefault(statement.source_id, set()).update(stems(" ".join(told(statement))))
    return held


def _joins_sources(claim: str, said: Sequence[Statement]) -> bool:
    held = _by_source(resting_on(claim, said))
    if len(held) < 2:
        return False
    named = {n for n in name_words(claim) if any(n in words for words in held.values())}
    return not any(named <= words for words in held.values())


def words_apart(sentence: str, said: Sequence[Statement]) -> bool:
    """Whether a claim of ``sentence`` joins what different sources say: of the sources of
    the statements it rests on (``resting_on``; each with its first passage), two or more
    each hold a content word of the claim that no other of them holds, bar the words
    every source of ``said`` says ("China"). Of 004's "They're stretched very thinly"
    (foreign journalists in Beijing) and 003's "nothing against the Chinese AI
    industry", the 1.5B wrote "Chinese AI industry is stretched very thinly.", and the
    cross-source overview told it; of 000's person in Silicon Valley and 003's friend
    "so reluctant to try out AI", "The person from Silicon Valley is reluctant to try out
    AI." ``names_apart`` holds names so; this, every word."""
    every_source = _by_source(said).values()
    everywhere = set.intersection(*every_source) if every_source else set()
    for claim in BESIDE.split(sentence):
        held = _by_source(resting_on(claim, said))
        words = stems(_FRAMING.sub(" ", claim)) - everywhere
        own = [
            words & mine - set().union(*(h for k, h in held.items() if k != source))
            for source, mine in held.items()
        ]
        if sum(1 for x in own if x) >= 2:
            return True
    return False


def _names(text: str, source_id: str) -> bool:
    """ "Source 001: ...", "Sources 001 and 003 ..." name 001."""
    return bool(
        _SOURCE_WORD.search(text) and re.search(rf"(?<![\w.]){re.escape(source_id)}(?![\w])", text)
    )


def said_by_its_source(sentence: str, said: Sequence[Statement]) -> str | None:
    """A cross-source sentence in a speaker's own words (``speakers.in_own_words``: a
    statement copied, "I", "we", "you") that names no source, as its source's: opened by
    "Source 003:" when the statements it rests on (``resting_on``) are one source's, None
    when they are several sources' (whose words would they be?); any other sentence as
    it is. The seeds' cross-source theme "China AI Industry" opened "Top Chinese
    researchers are not bothered by your criticism." (004's researchers, 002's
    commenter), and "LLM competition" said "Deep Sea completely broke the moat ... you
    don't need to pay for LLMs." in nobody's name."""
    if not in_own_words(sentence) or _SOURCE_WORD.search(sentence):
        return sentence
    sources = {s.source_id for s in resting_on(sentence, said)}
    return f"Source {sources.pop()}: {sentence}" if len(sources) == 1 else None


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_ORDINAL_SOURCE = re.compile(rf"\b(?:the\s+)?({'|'.join(_ORDINALS)})\s+source\b", re.IGNORECASE)


def ordinals_named(sentence: str, group: Sequence[Statement]) -> str:
    """``sentence`` with "the first source", "the second source" ... named as the source
    that comes first, second ... in ``group`` (the order the model was given them): the
    1.5B's "The first source suggests that AI alignment is not just about scaling laws"
    left the reader to count. An ordinal past the group's sources stays as it is."""
    order = list(dict.fromkeys(s.source_id for s in group))

    def named(match: re.Match[str]) -> str:
        k = _ORDINALS.index(match.group(1).lower())
        return f"Source {order[k]}" if k < len(order) else match.group(0)

    return _ORDINAL_SOURCE.sub(named, sentence)


_ONE_SOURCE = re.compile(rf"\bSource ({ID})\b")
# a sentence that names one source is another source's statement when that statement holds
# this share of its content words and the named source's statements under half of it
COPIED = 0.8


def named_rightly(sentence: str, group: Sequence[Statement]) -> str:
    """``sentence`` with the one source it names ("Source 000: ...") changed to the source
    whose statement of ``group`` it restates, when it restates one (``COPIED``) and the
    statements of the source it names hold under half of its content words; any other
    sentence as it is. The 1.5B's summary of a group of two swapped its sources: "Source
    000: Chinese developers are focusing on improving their tech ..." (004's words, which
    no statement of 000 holds) and "Source 004: But what they are worried about is that
    developers around the world are using China's open source model ..." (000's); cited
    on the source each named, neither sentence was what its passage says."""
    named = set(_ONE_SOURCE.findall(sentence))
    if len(named) != 1 or re.search(r"\bsources\b", sentence, re.IGNORECASE):
        return sentence
    [source_id] = named
    words = stems(_FRAMING.sub(" ", sentence))
    held = {id(x): share_in(words, stems(x.text)) for x in group}
    own = max((held[id(x)] for x in group if x.source_id == source_id), default=0.0)
    other = max(
        (x for x in group if x.source_id != source_id), key=lambda x: held[id(x)], default=None
    )
    if other is None or own >= 0.5 or held[id(other)] < COPIED:
        return sentence
    return _ONE_SOURCE.sub(f"Source {other.source_id}", sentence)


def sides(point: str, group: Sequence[Statement]) -> tuple[Statement, Statement] | None:
    """The two sides of a disagreement: of the two sources whose statements share the
    most content words with the model's ``point`` ("Source 001 sees chips as the limit,
    source 004 the stockpiles"), each one's statement that shares the most; None when two
    sources do not both share a word with it. The first statement of each source, taken
    before, set "China's Centennial National Humiliation" against a remark on dialectical
    materialism."""
    ranked = sorted(
        (pair for pair in best_by_source(point, group).values() if pair[0]),
        key=lambda pair: -pair[0],
    )
    if len(ranked) < 2:
        return None
    first, second = ranked[0][1], ranked[1][1]
    order = {id(s): n for n, s in enumerate(group)}
    return (first, second) if order[id(first)] < order[id(second)] else (second, first)


# the words that name sources and what they do with a subject, not what is claimed (of
# ids of digits, three alone: a year, "2022", is a claim's)
_FRAMING = re.compile(
    rf"\b(sources?|\d{{3}}|{STEM_ID}|both|all|agree[sd]?|discuss(es|ed)?|differ(s|ed|ences?)?|"
    r"similarit(y|ies)|that|how|these|those|this|them|they|it)\b",
    re.IGNORECASE,
)


def stated_share(text: str, said: Sequence[Statement], listed: Sequence[str] = ()) -> float:
    """The share of ``text``'s content words (stemmed; its sources and their verdict
    aside: "Sources 000 and 002 agree that ...") that the statements it rests on
    (``resting_on``), their passages or the ``listed`` agreements contain; 0 for a
    sentence of nothing else ("Sources 000 and 001 discuss these differences."). Claims
    set side by side are each held to it too, the least share counting: the 1.5B's
    cross-source overview said "Sources 000, 001, 002, 003, 004 discuss the impact of
    export controls on chip industry growth, while sources 003 and 004 agree that China's
    AI open source is a rational choice and accelerates its adoption." (000's and 001's
    words), whose whole rested on all five sources. A claim that only says how the
    sources relate ("..., but they differ on the markets": ``relation_only``) is none."""
    claims = [c for c in BESIDE.split(text) if not relation_only(c)]
    whole = _claim_stated(text, said, listed)
    return (
        min([whole, *(_claim_stated(c, said, listed) for c in claims)])
        if len(claims) > 1
        else whole
    )


def _claim_stated(claim: str, said: Sequence[Statement], listed: Sequence[str]) -> float:
    words = stems(_FRAMING.sub(" ", claim))
    if not words:
        return 0.0
    held = [x for s in resting_on(claim, said) for x in told(s)] + list(listed)
    return share_in(words, stems(" ".join(held)))
