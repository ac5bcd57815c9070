"""Which of the map's key points a source brief carries, and where.

The map's points are the brief's raw material: short claims in the model's words, each
with verbatim evidence. A source brief carries as many of them as its word budget allows
(about 1,400 words of prose in all, so that a long source does not become a transcript),
taken from every stretch of the conversation in turn, the most specific first (a number,
then capitalised words), then the points in the words the source rarely uses (they say
something particular), for their length. A point that repeats a chosen one (the chunks
overlap, speakers repeat themselves) or that its theme's summary already says is left
out. The points with a number, or with two names
besides the ones the source keeps naming, become the "Key facts and figures"; the rest
are listed under their theme.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from wordfreq import zipf_frequency

from pipeline.languages import language_of
from pipeline.models import Cited, KeyPoint
from pipeline.settings import Settings
from pipeline.stages.point_kinds import FIGURE, is_claim
from pipeline.stages.show_talk import about_the_speaker, about_the_talk
from pipeline.stages.speakers import without_speakers
from pipeline.stages.spoken import as_written
from pipeline.text import CJK_RUN, LETTER_WORD, plain_words, segmented, word_count
from pipeline.whole_sentence import whole_sentence

# a source brief's prose: its overview, theme summaries and points (the setting's default)
BRIEF_WORDS: int = Settings.model_fields["brief_words"].default
MIN_POINT_WORDS = 300  # words of points a brief carries however long its summaries are
REPEAT_SHARE = 0.6  # content words shared with a chosen point (of the shorter): a repeat

SUBJECT_SHARE = 0.1  # a name in this share of a source's points (3 at least): its subject
_CAPITALISED = re.compile(r"(?<=\S )[A-Z][\w'-]+")  # a capitalised word, not a text's first
# a name: a run of capitalised words ("Sam Altman", "Silicon Valley", "GPT-4") that does
# not open a sentence or clause
_NAME_RUN = re.compile(r"(?<=[^\s.!?;:…] )[A-Z][\w'’-]*(?: [A-Z][\w'’-]*)*")
_POSSESSIVE = re.compile(r"['’]s$")
# a common word capitalised where a translated or transcribed sentence runs on after a
# comma ("..., But the ...", "..., Then for example ..."): Zipf 5.5 and above
_CAPITALISED_COMMON_ZIPF = 5.5


def names_in(text: str) -> set[str]:
    """The names a text mentions, each once, in lower case without its possessive:
    "Sam Altman's" and "Sam Altman" are one name, "Silicon Valley" one, not two, "China's
    AI" two; "I", "I'm" and a common word capitalised after a comma are none."""
    found = set()
    for run in _NAME_RUN.findall(text):
        name: list[str] = []
        for word in run.split():
            if name or word.isupper() or not _is_common(word):
                name.append(word)
            if _POSSESSIVE.search(word):  # "China's AI": two names
                found.add(_POSSESSIVE.sub("", " ".join(name)).lower())
                name = []
        found.add(" ".join(name).lower())
    return found - {"", "i"} - {n for n in found if n.startswith(("i'", "i’"))}


def _is_common(word: str) -> bool:
    return zipf_frequency(word.lower(), "en") >= _CAPITALISED_COMMON_ZIPF


def subject_names(points: Sequence[KeyPoint]) -> frozenset[str]:
    """The names a source keeps naming (in ``SUBJECT_SHARE`` of its points, 3 at least):
    its subject, not a particular fact. Counted word by word, "Silicon Valley" and
    "China" made two of every three of 000's points a key fact."""
    counts = Counter(name for p in points for name in names_in(p.text))
    least = max(3, SUBJECT_SHARE * len(points))
    return frozenset(name for name, n in counts.items() if n >= least)


def specific_score(point: KeyPoint) -> int:
    """How specific a point reads, for the order points are picked in: a number counts
    most, then capitalised words (two at most, the source's subject too)."""
    return 2 * bool(FIGURE.search(point.text)) + min(2, len(_CAPITALISED.findall(point.text)))


_RATED_WORD = re.compile(rf"{LETTER_WORD.pattern}|\d[\d.,%]*")  # a word or a figure
# Zipf 6 and above: "the", "and", "think", "know"... (7 is about one word in a hundred)
_COMMON_ZIPF = 6.0
_CEILING_ZIPF = 7.0


def _rated_words(text: str) -> list[tuple[str, str]]:
    """The words ``specificity`` and ``salience`` weigh, each with the language whose
    frequencies rate it: words of letters and figures, in the text's language
    (``languages.language_of``: Spanish words rated as English were all rare), and the words
    of Chinese writing (``text.segmented``; a Chinese sentence rated 0, so the map
    numbered the first sentence of each part, whatever it said)."""
    language = language_of(text)  # "": an alphabet with no word list, its words unrated
    found = [
        (w, language or "en")
        for w in _RATED_WORD.findall(CJK_RUN.sub(" ", text))
        if language or w[0].isdigit()
    ]
    if CJK_RUN.search(text):
        found += [(w, "zh") for w in segmented(text).split() if CJK_RUN.fullmatch(w)]
    return found


# hesitation sounds a transcript writes ("um", "uh", "mm"): a quote of two or more reads as
# speech, not as a statement
_HESITATION = re.compile(r"(?i)(?<![\w'’-])(?:u+m+|u+h+|e+r+m*|m+m+|h+m+|a+h+)(?![\w'’-])")
HESITANT = 2


def quote_rank(text: str) -> tuple[bool, float]:
    """How a passage ranks as a quote: one with fewer than ``HESITANT`` hesitation sounds
    first, then by ``specificity``. Four of the six quotes of two meetings' briefs were speech
    ("So , I would mov I would then shift the focus to , um , something like Schw -
    Switchboard , uh , where I 'd I would be able to , um to model , um , ...", Bro022);
    none of the seeds' quotes holds one."""
    return len(_HESITATION.findall(text)) < HESITANT, specificity(text)


def specificity(text: str) -> float:
    """How much a point says that is specific: the rarity in English of its distinct
    content words (summed, over the square root of their number, so that a long ramble
    does not win by length alone), raised for a figure and for capitalised names.
    Measured against general English (``wordfreq``'s Zipf scale, shipped with the
    package), it depends on the point alone. Small models copy the conversation's chatter
    as key points ("I'm like, dude, you literally work in tech."): the strict policy
    keeps the least specific out of a brief (``ModelPolicy.point_specificity``)."""
    rated = _rated_words(text)
    words = [w for w, _ in rated]
    rarity = [
        _CEILING_ZIPF - zipf
        for zipf in (zipf_frequency(w, lang) for w, lang in {(w.lower(), g) for w, g in rated})
        if zipf < _COMMON_ZIPF
    ]
    if not rarity:
        return 0.0
    figures = any(w[0].isdigit() for w in words)
    names = sum(1 for w in words[1:] if w[0].isupper() and w != "I")
    return (
        math.fsum(rarity)
        / math.sqrt(len(rarity))
        * (1.5 if figures else 1.0)
        * (1 + 0.1 * min(names, 3))
    )


# Zipf 5 and above: one word in 100,000 or commoner ("company", "model", "China")
_TOPIC_ZIPF = 5.0
TOPIC_WEIGHT = 0.1  # how far a source's own subject raises a sentence's specificity


def word_counts(text: str) -> Counter[str]:
    """How often ``text`` uses each word (lower case), for ``salience``."""
    return Counter(w.lower() for w, _ in _rated_words(text))


def salience(text: str, source_counts: Counter[str]) -> float:
    """``specificity``, raised when the sentence's rarer words are ones its source keeps
    using (each weighted by its rarity in English times the log of its count in the
    source): a rare word said once is a detail, one said thirty times is what the
    conversation is about. Picking each map part's sentence by it rather than by
    specificity alone, the picked sentences held 16 of the 38 tune facts instead of 15,
    and 19 of the 37 check facts instead of 16 (docs/evaluation-history.md, eighth round)."""
    words = {(w.lower(), lang) for w, lang in _rated_words(text)}
    weights = [
        (_CEILING_ZIPF - zipf) * math.log1p(source_counts[w])
        for w, zipf in ((w, zipf_frequency(w, lang)) for w, lang in words)
        if zipf < _TOPIC_ZIPF
    ]
    topic = math.fsum(weights) / math.sqrt(len(weights)) if weights else 0.0
    return specificity(text) * (1 + TOPIC_WEIGHT * topic)


def is_fact(point: KeyPoint, subject: frozenset[str] = frozenset()) -> bool:
    """What "Key facts and figures" lists: a point with a number, or with two names
    besides the source's ``subject`` (``names_in``, ``subject_names``). Two capitalised
    words made 270 of the seeds' 391 map points facts: "Silicon Valley has realized that
    China has explored its own path in many, many fields." was one of 000's 23."""
    return bool(FIGURE.search(point.text)) or len(names_in(point.text) - subject) >= 2


def content(text: str) -> set[str]:
    """Content words and numbers: "20 percent" and "30 percent" are not the same point."""
    return plain_words(text) | set(FIGURE.findall(text))


def numbers_held(words: set[str], other: set[str]) -> bool:
    """Whether every number among ``words`` (``content``'s) is ``other``'s too: a text with
    a number of its own says something new."""
    return {w for w in words if w[:1].isdigit()} <= other


def repeats(words: set[str], chosen: Sequence[set[str]], share: float = REPEAT_SHARE) -> bool:
    """Whether a point with these content words says what a chosen one says: most words
    shared, and no number of its own (``numbers_held``)."""
    return any(
        len(words & other) >= share * min(len(words), len(other)) and numbers_held(words, other)
        for other in chosen
        if other
    )


def _next_new(pool: list[KeyPoint], said: set[str], taken: list[set[str]]) -> KeyPoint | None:
    """The pool's next point that neither its theme nor a chosen point already says."""
    while pool:
        point = pool.pop(0)
        words = content(point.text)
        if not words <= said and not repeats(words, taken):
            return point
    return None


def rarity(points: Sequence[KeyPoint]) -> dict[str, float]:
    """Per point, the mean inverse document frequency of its content words among these
    points: a point in words the source rarely uses ("Breakneck", "dreadnought") says
    something particular; one in its common words ("China's AI industry") says little."""
    words = {p.id: content(p.text) for p in points}
    df = Counter(w for ws in words.values() for w in ws)
    n = len(points) + 1
    return {
        pid: math.fsum(math.log(n / df[w]) for w in ws) / len(ws) if ws else 0.0
        for pid, ws in words.items()
    }


# a point that opens on "It", "They", "He" or "She" leaves the reader to guess who, and
# one that opens on "That" or "This" as the subject of its verb, what ("So that was
# designed to circumvent the chip bands in 2022, I believe.", of DeepSeek's H800s)
_PRONOUN_OPENING = re.compile(
    r"^(?:(?:and|so|but|well|yeah|now|then),?\s+)*"
    r"(?:(it|they|he|she)\b(?!['’]s\b)|(that|this)(?=['’]s\b|\s+(?:is|was|would|will|could|"
    r"can|means|meant|has|had)\b))",
    re.IGNORECASE,
)


# the pronouns that make the picker offer a point last (``reads_broken``): "that" and
# "this" do not, since the points that took their place read worse ("Able to like give us
# give us that perspective just for the listeners ...", in 003's brief); a point on them
# is printed after the sentence that says what, where there is one (``referents``)
PERSONAL_PRONOUNS = frozenset({"it", "they", "he", "she"})


def opening_pronoun(text: str) -> str:
    """The bare pronoun ``text`` opens on, lower case ("it" of "So, it worked ..."), or ""."""
    found = _PRONOUN_OPENING.match(text.strip())
    return (found.group(1) or found.group(2)).lower() if found else ""


def opens_with_pronoun(text: str) -> bool:
    """Whether a point opens on a bare pronoun ("It worked with SMIC Fab in China ..."):
    read alone in a brief, it does not say who."""
    return bool(opening_pronoun(text))


# a sentence of a speech-to-text transcript that runs on in lower case after its stop ("I
# think definitely we're seeing that. it's not an ally or deep sea completely change ...":
# 003, 7 of the seeds' 394 map points), not an initial's ("U. S."), an ellipsis's or an
# abbreviation's ("e.g. the", "etc. and")
_RUN_ON = re.compile(r"(?<![A-Z.])(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bvs)[.?!] [a-z]")


def reads_broken(text: str) -> bool:
    """Whether a point leaves the reader to mend it: it opens on a bare personal pronoun
    (``opening_pronoun``) or runs a new sentence on in lower case."""
    return opening_pronoun(text) in PERSONAL_PRONOUNS or bool(_RUN_ON.search(text))


def pick_points(
    groups: Sequence[Sequence[KeyPoint]],
    said: Sequence[set[str]],
    budget_words: int,
    min_specificity: float = 0.0,
    written_sentences: Sequence[str] = (),
    speakers: Sequence[str] = (),
) -> list[list[KeyPoint]]:
    """For each group (a theme's points), the points the brief carries, in transcript
    order. Groups take turns, each offering its best remaining point (the most specific
    first, ``specific_score``; among equals, one that reads broken last,
    ``reads_broken``; then the rarer words for their length: the mean rarity over the
    square root of the point's words, so that two short particular points can take the
    room of one long one), until the word budget is spent. ``said`` holds, per
    group, the content words its theme's summary already says. A point less specific
    than ``min_specificity`` (the policy's ``point_specificity``; its ``speakers``' labels
    aside, ``without_speakers``) is never carried, nor
    one about the talk or where a speaker lives (``show_talk``: "We're delivering a China
    episode all about ...", "Now I'm in Hong Kong, but ..." were two of 003's key facts).
    A point that repeats one of ``written_sentences`` (the overview's and the summaries'
    sentences) is not carried either: 34 pairs of the committed briefs' sentences said the
    same, 15 of them a theme sentence and its own point again as a key fact ("I think China
    really does see this as a dreadnought moment for software." in 001)."""
    rare = rarity([p for group in groups for p in group])
    pools = [
        sorted(
            (
                p
                for p in group
                if p.evidence
                and is_claim(p.text)
                and not about_the_talk(p.text)
                and not about_the_speaker(p.text)
                and (
                    not min_specificity
                    or specificity(without_speakers(p.text, speakers)) >= min_specificity
                )
            ),
            key=lambda p: (
                -specific_score(p),
                reads_broken(p.text),
                -rare[p.id] / math.sqrt(word_count(p.text)),
            ),
        )
        for group in groups
    ]
    chosen: list[list[KeyPoint]] = [[] for _ in groups]
    taken: list[set[str]] = [content(s) for s in written_sentences]
    spent, full = 0, False
    while not full and any(pools):
        for n, pool in enumerate(pools):
            point = _next_new(pool, said[n], taken)
            if point is None:
                continue
            cost = word_count(as_written(point.text))
            if spent + cost > budget_words:
                full = True
                break
            chosen[n].append(point)
            taken.append(content(point.text))
            spent += cost
    order = {p.id: i for i, p in enumerate(p for g in groups for p in g)}
    return [sorted(c, key=lambda p: order[p.id]) for c in chosen]


def point_budget(written: str, brief_words: int = BRIEF_WORDS) -> int:
    """Words of points a brief of ``brief_words`` carries besides the prose ``written``
    for it already (the overview and theme summaries, written whatever the length), and
    at least ``MIN_POINT_WORDS`` or a third of ``brief_words``, the smaller."""
    return max(min(MIN_POINT_WORDS, brief_words // 3), brief_words - word_count(written))


# a clause that cannot open a sentence: a point that starts at its salient clause
# (``map_request.salient_clause``) may start there ("such as Owen Plumb, a grade 9 student
# in Okotoks who is using his 3D printer ...", "particularly the efforts by the
# government through Bill C-7 ...": two of covid_6's 13 key facts)
_FRAGMENT = re.compile(
    r"(?i)^\W*(?:such as|particularly|in particular|including|especially|namely)\b"
)


def cited(point: KeyPoint, per_point: int = 2) -> Cited:
    """A carried point as the brief prints it: a written sentence (``spoken.as_written``),
    the whole sentence of its evidence when it starts with a clause that cannot open one
    (``_FRAGMENT``) and was copied from it (``pipeline.whole_sentence``)."""
    text = point.text
    if _FRAGMENT.match(text):
        text = whole_sentence(text, [e.text for e in point.evidence])
    return Cited(text=as_written(text), citations=point.evidence[:per_point])


def split_facts(
    picked: Sequence[Sequence[KeyPoint]], subject: frozenset[str] = frozenset()
) -> tuple[list[Cited], list[list[Cited]]]:
    """The picked points as (key facts in transcript order, each theme's other points);
    ``subject``: the source's ``subject_names``."""
    facts = [cited(p) for group in picked for p in group if is_fact(p, subject)]
    rest = [[cited(p) for p in group if not is_fact(p, subject)] for group in picked]
    return facts, rest
