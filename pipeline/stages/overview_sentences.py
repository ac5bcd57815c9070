"""Which sentences an overview keeps: those that stand alone and say what they rest on.

Both overviews are the model's prose. A source brief's (``pipeline.stages.overview``)
drops a sentence that leans on one not before it (``leans_out_of_place``, ``stands_alone``);
the cross-source brief's (``stated_overview``, under the strict policy's
``overview_support``) also keeps only the sentences that what they rest on states
(``pipeline.stages.cross_statements.stated_share``), each other one giving way to the
next theme's first such sentence (``first_stated``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.languages import writing_language
from pipeline.stages.cross_claims import SOURCE_ID, labelled, verdict_beside
from pipeline.stages.cross_statements import Statement, names_apart, stated_share, words_apart
from pipeline.stages.negation import says_negation
from pipeline.stages.point_kinds import is_claim
from pipeline.stages.points import REPEAT_SHARE, content, numbers_held
from pipeline.stages.speakers import in_own_words
from pipeline.stages.spoken import without_fillers
from pipeline.text import WORD, plain_words, sentences_of, share_in, stems, word_count

OVERVIEW_SENTENCES = 5  # what the overview prompt asks for at most
OVERVIEW_FEWEST = 3  # ... and at least: a shorter overview takes themes' sentences
OVERVIEW_SENTENCE_WORDS = 35  # a sentence the overview takes from a theme, at most
# a sentence says a told one again when it holds this share of the told one's stems
TOLD_AGAIN = 0.8
# a told sentence draws on a theme whose summary holds this share of its stems
DRAWS_ON = 0.5

# words that open a sentence leaning on the one before it: a pronoun, a connective, or
# one of a pair ("However, the need to use technology ...", "The other host is an
# entrepreneur ...": the seeds' 000 overview took both from its themes, the second
# first), or a part of what a pronoun says ("One of his industry contacts did time ...":
# 002's overview took it from a theme where it followed the commenter it is about), or
# sources said to do something "also" ("Sources 000, 003 and 004 also discuss ...": the
# cross-source overview kept it after the sentence it followed had given way)
_LEANING = re.compile(
    r"^(?:(?:one|some|many|most|all|each|none|both|several|few|any|neither|either) of "
    r"(?:his|her|their|its|them|these|those)|"
    rf"sources?\s+{SOURCE_ID}+(?:also|too)|"
    r"they|them|their|it|its|he|she|his|her|this|that|these|those|and|but|so|"
    r"because|also|then|which|or|however|yet|instead|moreover|furthermore|therefore|thus|"
    r"hence|meanwhile|nevertheless|nonetheless|besides|likewise|similarly|additionally|"
    r"otherwise|in addition|in contrast|on the other hand|on the contrary|as a result|"
    r"beyond that|on top of that|"
    r"the other|the latter|the former)\b",
    re.IGNORECASE,
)


# a thing spoken of as the one just said, anywhere in a sentence: "something like that"
_POINTS_BACK = re.compile(
    r"\b(?:something|anything|nothing|things?|stuff) like (?:that|this)\b|\bsuch a thing\b",
    re.IGNORECASE,
)


def stands_alone(sentence: str) -> bool:
    """Whether a sentence can open a paragraph of its own: it does not lean on the one
    before it (a pronoun or a connective first, or ``points_back``) and is short enough
    to read as a line of an overview. The 1.5B's theme summaries copy their statements,
    and the cross-source overview took "They were behind on open source on a lot of AI
    development and having this force multiplier ... is what helped them like catch up
    to where they are today" (41 words) from one: whose "they", the overview does not
    say."""
    return (
        not leans(sentence)
        and not points_back(sentence)
        and word_count(sentence) <= OVERVIEW_SENTENCE_WORDS
    )


def points_back(sentence: str) -> bool:
    """Whether a sentence speaks of a thing as the one just said ("something like that",
    "such a thing") and so needs the sentence before it, wherever the words are: the
    seeds' cross-source overview said "The Chinese government would be happy if
    something like that was feasible." (self-driving cars, in 004) after a sentence on
    open source."""
    return bool(_POINTS_BACK.search(sentence))


def leans(sentence: str) -> bool:
    """Whether a sentence opens leaning on the one before it (``_LEANING``) as it is
    printed, without its speech fillers: "So, like, Huawei builds the chips." does not."""
    return bool(_LEANING.match(without_fillers(sentence).strip()))


def says_again(sentence: str, earlier: str) -> bool:
    """Whether ``sentence`` says nothing ``earlier`` does not: ``REPEAT_SHARE`` of its
    content words are the earlier one's, and no number of its own."""
    words, held = content(sentence), content(earlier)
    return share_in(words, held) >= REPEAT_SHARE and numbers_held(words, held)


def without_restatements(sentences: Sequence[str]) -> list[str]:
    """``sentences`` saying each thing once: a sentence that says again what an earlier one
    says (``says_again``) is left out, or takes the earlier one's place when that one
    leans on the sentence before it and this one does not (``leans``); one that says more
    than an earlier one ("... is similar to Moonshot AI ... in that ...") stays. The
    seeds' sixty-sixth round summaries said things twice in other words: "China is
    leading innovation due to its 30 years of manufacturing here. The speaker emphasizes
    that China is leading this innovation, given the country's 30 years of manufacturing
    here." (a cross-source theme), and 000's "The Chinese government's strong resource
    allocation capability has promoted the development of high-speed rail. The ability of
    the Chinese government to deploy has promoted the development of China's high-speed
    rail." """
    kept: list[str] = []
    for sentence in sentences:
        said = next((n for n, k in enumerate(kept) if says_again(sentence, k)), None)
        if said is None:
            kept.append(sentence)
        elif leans(kept[said]) and not leans(sentence):
            kept[said] = sentence
    return kept


def leans_out_of_place(sentences: Sequence[str], n: int, texts: Sequence[str]) -> bool:
    """Whether sentence ``n`` of an overview (its ``sentences``) leans on a sentence
    (``leans``) that is not before it here: it opens the overview, or it is copied
    from one of ``texts`` (the summaries the overview is drawn from) where another
    sentence comes before it. A sentence the model wrote after the one it leans on
    stays (while that one stays: the callers' concern)."""
    sentence = sentences[n].strip()
    if not leans(sentence):
        return False
    if n == 0:
        return True
    for text in texts:
        within = [x.strip() for x in sentences_of(text)]
        if sentence in within:
            k = within.index(sentence)
            return k == 0 or within[k - 1] != sentences[n - 1].strip()
    return False


OPENING_WORDS = 3  # two sentences that open with the same words say the same thing


def same_opening(a: str, b: str) -> bool:
    """Whether two sentences open with the same ``OPENING_WORDS`` words, two of them
    content words at least (a subject and its verb: "Open source accelerates AI adoption
    and ..." and "Open source accelerates its adoption because ...", the first and third
    sentences of the seeds' cross-source overview; not "DeepSeek is a ...")."""
    head = [w.lower() for w in WORD.findall(a)[:OPENING_WORDS]]
    if len(head) < OPENING_WORDS or head != [w.lower() for w in WORD.findall(b)[:OPENING_WORDS]]:
        return False
    return len(set(head) & plain_words(a)) >= 2


def first_stated(
    summaries: Sequence[str],
    said: Sequence[Statement],
    share: float,
    told: Sequence[str] = (),
) -> list[str]:
    """Per summary (a cross-source theme's), its first sentence that is a claim, stands
    alone (``stands_alone``), is not in a speaker's own words (``in_own_words``), says
    something besides the sentences ``told`` already (no one of them holds
    ``REPEAT_SHARE`` of its content words, nor does it hold ``TOLD_AGAIN`` of one of
    theirs, nor open as one does: ``same_opening``) and that what it rests on states
    (``stated_share`` at least ``share``), if any: first those of the summaries that
    ``told`` does not draw on yet (none of their sentences so said already, and no told
    sentence has ``DRAWS_ON`` of its stems in the summary: "China's AI open source
    accelerates adoption due to cost savings" drew on the theme of "China's AI open source
    is a very rational choice"), then the others'. In the order of the summaries alone,
    the seeds' cross-source overview took the next sentence of a theme it drew on already,
    and said the CCP was not involved twice; held only by the told sentences, it said
    "Integrating AI with more industries and sectors is a key initiative." and then "The
    government work report mentions AI Plus initiatives integrating AI with more
    industries and sectors." Last come the summaries whose first such sentence is one
    source's statement (``labelled``, "Source 000: ..."): an overview of what the sources
    say took "The Chinese government is keen to copy the Hefei model." from a theme whose
    summary gave way to its three sources' unrelated statements."""
    known = [content(x) for x in told]
    known_stems = [stems(x) for x in told]

    def said_already(sentence: str) -> bool:
        words, held = content(sentence), stems(sentence)
        return (
            any(share_in(words, k) >= REPEAT_SHARE for k in known)
            or any(share_in(k, held) >= TOLD_AGAIN for k in known_stems)
            or any(same_opening(sentence, x) for x in told)
        )

    fresh: list[str] = []
    drawn_on: list[str] = []
    one_source: list[str] = []
    for sentences in map(sentences_of, summaries):
        first = next(
            (
                x
                for x in sentences
                if is_claim(x)
                and stands_alone(x)
                and not in_own_words(x)
                and not said_already(x)
                and stated_share(x, said) >= share
            ),
            None,
        )
        if first is not None:
            held = stems(" ".join(sentences))
            drawn = any(said_already(x) for x in sentences) or any(
                share_in(k, held) >= DRAWS_ON for k in known_stems
            )
            (one_source if labelled(first) else drawn_on if drawn else fresh).append(first)
    return fresh + drawn_on + one_source


def only_a_title(sentence: str, titles: Sequence[str]) -> bool:
    """Whether a sentence says no more than one of the ``titles``: one content word or
    figure besides, at most, and no negation ("DeepSeek has no moat" under "DeepSeek's
    Moat" is a claim). Told ten cross-source subjects, the 1.5B's overview said "China's
    Middle Class has a middle class"."""
    if says_negation(sentence):
        return False
    words = content(sentence)
    return any(len(words - content(title)) <= 1 for title in titles)


def stated_overview(
    overview: str,
    said: Sequence[Statement],
    summaries: Sequence[str],
    share: float,
    listed: Sequence[str] = (),
    titles: Sequence[str] = (),
    names_together: bool = False,
    words_together: bool = False,
) -> str:
    """The overview's sentences that what they rest on states (``stated_share`` at least
    ``share``), each other one giving way, while the overview has fewer than
    ``OVERVIEW_SENTENCES``, to the next theme's sentence (``first_stated`` of the themes'
    ``summaries``: one a theme, none restating a sentence kept, first from the themes the
    overview does not draw on yet), and when one gave way, themes' sentences added while
    it has fewer than ``OVERVIEW_FEWEST`` (the 1.5B's one-sentence overview "The data
    sources discuss various aspects of China's AI industry, including ..." gave way to
    one sentence); so does
    a sentence that says no more than a theme's title (``only_a_title``), one that leans
    on a sentence not before it (``leans_out_of_place``: "It makes it cheaper for
    companies to adopt AI." opened a run's overview), one that speaks of a thing as the
    one just said (``points_back``), one in a speaker's own words (``in_own_words``: "Top
    Chinese researchers are not bothered by your criticism.", 004's researchers and
    002's commenter) and, with
    ``names_together``, one that puts names of different sources together
    (``names_apart``), and with ``words_together`` their words (``words_apart``). Told
    each subject in one line, the 1.5B wrote the seeds' cross-source overview as a press
    release's boilerplate: "AI has the potential to drive innovation across various
    industries, from healthcare to manufacturing", "Sources 000, 002, 003 and 004 agree
    that AI can help companies stay ahead of the curve": eight of its ten sentences held
    25% to 56% of their content words in what they rest on, one named only sources and a
    verdict ("discuss these differences"), and one held 80% ("Open source accelerates the
    adoption of AI technology")."""
    said_first = sentences_of(overview)
    stated = [
        x
        for n, x in enumerate(said_first)
        if stated_share(x, said, listed) >= share
        and not only_a_title(x, titles)
        and not (names_together and names_apart(x, said))
        and not (words_together and words_apart(x, said))
        and not leans_out_of_place(said_first, n, summaries)
        and not points_back(x)
        and not in_own_words(x)
        and not verdict_beside(x, listed)
    ]
    spare = iter(f for f in first_stated(summaries, said, share, stated) if f not in said_first)
    out: list[str] = []
    for n, sentence in enumerate(said_first):
        before_kept = n == 0 or (out[-1:] == [said_first[n - 1]])
        if sentence in stated and (before_kept or not leans(sentence)):
            out.append(sentence)
        elif len(out) < OVERVIEW_SENTENCES:
            instead = next((f for f in spare if f not in out), None)
            if instead is not None:
                out.append(instead)
    gave_way = any(x not in out for x in said_first)
    while gave_way and len(out) < OVERVIEW_FEWEST:
        more = next((f for f in spare if f not in out), None)
        if more is None:
            break
        out.append(more)
    return " ".join(out)


def with_subjects_named(overview: str, titles: Sequence[str]) -> str:
    """A cross-source overview of fewer than ``OVERVIEW_FEWEST`` sentences, opened with the
    subjects its sources share ("The sources share Multi Plate; Remote Control; ..."),
    when they are two or more and the brief is written in English (the sentence is). Of
    two QMSum design meetings briefed together, the 1.5B's overview kept one sentence
    of five ("Touch screen remote design is appealing."): the others set claims side by
    side that their statements do not state, and no theme had a sentence to stand in
    for them (each theme's first is a speaker's own words, "Source es2009a: I like the
    idea of the multi plate.")."""
    if len(sentences_of(overview)) >= OVERVIEW_FEWEST or len(titles) < 2:
        return overview
    if writing_language(" ".join([*titles, overview])):
        return overview
    return f"The sources share {'; '.join(titles)}. {overview}".strip()
