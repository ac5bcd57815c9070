"""Words and sentences as every package counts them.

- ``tokenize`` / ``stems``: lower-cased words, stop words removed, Snowball-stemmed: the
  words the search index holds, and what the map's point-support rule, the grouping of
  themes and the answer checks compare.
- ``share_in``: the share of one set of words that another contains.
- ``stem_positions``: where each stemmed word of a text stands (the answer checks' test of
  two names written close together).
- ``plain_words``: the unstemmed content words the stages match statements with.
- ``name_words``: the stemmed capitalised words that are not a sentence's opener (names,
  mostly): what the answer checks and the cross-source brief hold to their passages.
- ``numbers``: the tokens with a digit, which a statement may only hold when its evidence
  does (the answer checks, the brief's theme sentences).
- ``without_marks``: text without what a transcript marks but nobody said (the bullets
  of a file's lines, sound tags such as "{vocalsound}" or "[laughter]").
- ``segmented`` / ``word_count``: Chinese writing, which puts no space between words,
  with its words spaced apart (jieba), as every function here reads it, and a text's
  words so counted.
- the language a text is in: ``pipeline.languages``.
- ``sentences_of``: model prose cut into sentences (source text is cut by
  ``pipeline.inputs.chunking``, which also knows CJK marks and closing quotes).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

import bm25s
import bm25s.stopwords
import Stemmer

T = TypeVar("T")

_stemmer = Stemmer.Stemmer("english")
# bm25s sets its own logger to DEBUG, so every index build printed "Building index from
# tokens" through the CLI's log handler
logging.getLogger("bm25s").setLevel(logging.WARNING)
# a token with a digit, letters attached included: "2,000", "4.0", "H800", "4X", "12%"
_NUMBER = re.compile(r"(?<![\w.,])[A-Za-z]*\d[A-Za-z\d]*(?:[.,]\d+[A-Za-z\d]*)*")


CAPITALISED_WORD = re.compile(r"\b[A-Z][\w'’-]*")
# a name: capitalised words in a row ("Kai-Fu Lee", "L Squared")
NAME_RUN = re.compile(rf"{CAPITALISED_WORD.pattern}(?:[ \t]+{CAPITALISED_WORD.pattern})*")
LOWER_CASE_WORD = re.compile(r"(?<![\w'’-])[a-z][a-z'’-]*")
# a sentence or clause starts at the text's start, after its end mark, or after an
# opening quote or bracket (single quotes too: "He said 'We're done'")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[\"“(‘]\s*|(?<![\w'’])'\s*)([A-Z][\w'’-]*)")
# a contraction's word: "We're" -> "We", "I'll" -> "I"
_CONTRACTION = re.compile(r"['’](?:re|ll|ve|d|m|s|t)$", re.IGNORECASE)
# capitalised only because they open a sentence or a clause: not names
_OPENERS = frozenset(
    "according also although after again already among another as at because before both "
    "but by during each either even every finally first for from further furthermore given "
    "he her here his however i if in instead it its later meanwhile more moreover most "
    "much no not now on once one only other otherwise our overall rather she since so some "
    "still such than that the their then there therefore these they this those though thus "
    "to today together under unlike until we what when where whether which while who why "
    "with within without yes yet you".split()
)


# the marker of a bulleted transcript's lines, not a word said: markdown's "*  " before
# each wrapped line of Whisper output (seed 004), also once the lines are run together
_BULLET_MARKER = re.compile(r"(?:^|(?<=\s))\*(?:[ \t]+|$)", re.MULTILINE)


# what a transcript writes that nobody said: the AMI and ICSI meeting corpora's (and
# QMSum's) {vocalsound}, {disfmarker}, {gap}; a caption's [laughter], [inaudible], (laughs)
_SOUND_TAG = re.compile(
    r"(?<!\w)\{[a-z_]+\}(?!\w)|[\[(](?:laugh\w*|inaudible|crosstalk|music|applause|silence|noise|"
    r"cough\w*|sighs?|unintelligible|indistinct)[\])]",
    re.IGNORECASE,
)
# the AMI corpus writes a spelled-out word letter by letter: "T_V_", "D_V_D_", "F_ eight"
_SPELLED_LETTERS = re.compile(r"\b(?:[A-Z]_)+")


def without_marks(text: str) -> str:
    """``text`` without what its transcript marks but nobody said: the markers of a
    bulleted transcript's lines (a quote of its lines, or a statement copied from them:
    "you've only seen * about 40 apps" from a passage that wraps at "seen"; a "*" beside a
    word, "*emphasis*" or "3*4", stays), sound tags ("{vocalsound}", "{disfmarker}",
    "[laughter]": a brief of a QMSum meeting printed "Hit function F_ eight real quickly,
    hold down {disfmarker} Mm." as a key fact) and the underscores of spelled-out letters
    ("T_V_" is "TV"). Spaces are left as they were: a reader's text is flattened."""
    return without_sound_tags(_BULLET_MARKER.sub("", text))


def without_sound_tags(text: str) -> str:
    """``text`` without sound tags, its spelled-out letters joined (``without_marks``, the
    bullets aside: the text the map model reads, whose line bullets its prompts have
    always shown)."""
    return _SPELLED_LETTERS.sub(lambda m: m[0].replace("_", ""), _SOUND_TAG.sub("", text))


def flattened(text: str) -> str:
    """``text`` as a reader sees it: ``without_marks``, its lines and runs of spaces one
    space each."""
    return " ".join(without_marks(text).split())


def name_words(text: str, written_lower: str = "") -> set[str]:
    """The stemmed capitalised words of ``text`` that are not stop words (names, mostly).
    A word capitalised only because it opens a sentence or clause ("However", "She",
    "According", or a word that ``written_lower``, the question, writes in lower case:
    "Adapting an open model ..." for "Why is adapting an open model ...") is not a name; a
    sentence-opening name ("Huawei ...") still is; the lower-case part of a hyphenated
    word ("Roman-alphabet") is not."""
    not_names = _OPENERS.union(LOWER_CASE_WORD.findall(written_lower))
    openers = {
        m.group(1)
        for m in _SENTENCE_START.finditer(text)
        if _CONTRACTION.sub("", m.group(1).lower().strip("'’")) in not_names
    }
    words = [w for w in CAPITALISED_WORD.findall(text) if w not in openers]
    # in a hyphenated word only the capitalised parts are names: "Roman-alphabet" -> Roman
    parts = [p for w in words for p in re.split(r"[-‐‑–]", w) if p[:1].isupper()]
    return stems(" ".join(parts))


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop words removed, Snowball-stemmed word lists."""
    return bm25s.tokenize(  # type: ignore[return-value]
        [segmented(t) for t in texts],
        stopwords="en",
        stemmer=_stemmer,
        return_ids=False,
        show_progress=False,
    )


def stems(text: str) -> set[str]:
    """The distinct stemmed content words of ``text``."""
    return set(tokenize([text])[0]) - {""}


def share_in(words: set[str], within: set[str]) -> float:
    """The share of ``words`` that ``within`` contains (0 when there are none)."""
    return len(words & within) / len(words) if words else 0.0


WORD = re.compile(r"[^\W_]+")  # a word: letters and digits
LETTER_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-])*")  # a word of letters, any alphabet
# the characters of Chinese (and Japanese) writing: ideographs and kana, not its marks
CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@functools.cache
def _jieba_cut() -> Callable[[str], list[str]]:
    import jieba  # loads its dictionary (about half a second): only for Chinese text

    from pipeline.settings import user_cache

    jieba.setLogLevel(logging.WARNING)
    # the prefix dictionaries' caches beside the user's other caches, not in /tmp: there
    # wordfreq's (which rates Chinese words, ``points.specificity``) is a new file of
    # 750 KB for every folder it is installed in, as every fresh clone's test run
    folder = user_cache() / "jieba"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return jieba.lcut  # type: ignore[no-any-return]  # they stay in /tmp
    from wordfreq import chinese

    if chinese.jieba_tokenizer is None:
        chinese.jieba_tokenizer = jieba.Tokenizer(dictionary=chinese.DICT_FILENAME)
    for tokenizer in (jieba.dt, chinese.jieba_tokenizer):
        tokenizer.tmp_dir = str(folder)
    return jieba.lcut  # type: ignore[no-any-return]


def segmented(text: str) -> str:
    """``text`` with each run of Chinese or Japanese characters cut into its words (jieba's
    dictionary), spaces around them: such writing puts no space between words, so every
    count of words here took a clause of it for one word ("深度求索发布了新模型" is
    深度 求索 发布 了 新 模型). Text without such characters is returned as it is."""
    if not CJK_RUN.search(text):
        return text
    return CJK_RUN.sub(lambda m: f" {' '.join(_jieba_cut()(m[0]))} ", text)


def word_count(text: str) -> int:
    """The words of ``text``: what stands between spaces, or with Chinese writing in it the
    words of ``segmented`` (its full-width marks, which stand alone there, aside)."""
    if not CJK_RUN.search(text):
        return len(text.split())
    return sum(1 for token in segmented(text).split() if WORD.search(token))


QUESTION_MARKS = ("?", "？")  # the full-width one of Chinese and Japanese writing
FULL_WIDTH_STOPS = ("。", "！", "？")  # a sentence of Chinese or Japanese writing ends so


def ended(sentence: str) -> str:
    """``sentence`` ending with a stop: its own, else "." (or "。" after Chinese or Japanese
    writing: a Chinese brief printed "我在这个行业已经做了八年投资.")."""
    if sentence.endswith((".", "!", "?", *FULL_WIDTH_STOPS)):
        return sentence
    return sentence + ("。" if CJK_RUN.match(sentence[-1:]) else ".")


def stem_positions(text: str) -> dict[str, list[int]]:
    """Each stemmed word of ``text`` (lower-cased, stop words kept) -> its word positions."""
    at: dict[str, list[int]] = {}
    for i, word in enumerate(_stemmer.stemWords(WORD.findall(segmented(text).lower()))):
        at.setdefault(word, []).append(i)
    return at


_STOP = frozenset(
    (
        "a an and are as at be but by for from has have he her his i in is it its of on or "
        "our she so that the their them they this to was we were what which who will with you"
    ).split()
)


# words of Chinese that say nothing on their own (its one-character words are left out
# as English words of one or two letters are)
_STOP_ZH = frozenset(
    "我们 你们 他们 她们 它们 咱们 大家 自己 这个 那个 这些 那些 这样 那样 这种 那种 一个 一些 "
    "就是 还是 但是 可是 因为 所以 如果 虽然 而且 或者 然后 其实 可以 没有 什么 怎么 为什么 已经 "
    "觉得 认为 现在 时候 非常 比较 还有 这里 那里 的话 一下 一点 不是 也是 都是 有些".split()
)


def plain_words(text: str) -> set[str]:
    """The distinct lower-cased words of ``text`` of three letters or more, a short stop
    list aside, not stemmed: what the stages match a statement to its sentences and
    points with, and count a claim's words by. A second notion of "word" beside
    ``stems``, kept because the briefs were tuned with it: switching the picking of
    points to ``stems`` changes which points a brief carries. A word of Chinese writing
    (``segmented``) counts from two characters, most of its words' length."""
    return {
        w
        for w in WORD.findall(segmented(text).lower())
        if w not in _STOP
        and w not in _STOP_ZH
        and (len(w) > 2 or (len(w) == 2 and CJK_RUN.fullmatch(w) is not None))
    }


# a stop and a space, or a full stop of Chinese writing, which takes no space after it
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*")
# a full stop after a title, "vs" or one capital letter is never a sentence's end ("Dr. Li",
# "Mr. Smith", "China vs. US Technological Development", "the U. S. lead", "J. Smith", a
# parliament's "Hon. Bill Blair")
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|St|Sen|Rep|Gen|Gov|Hon|Rt|vs|[A-Z])\.$")


def sentences_of(text: str) -> list[str]:
    """Model prose cut into sentences (at ., ! or ? followed by a space, or at 。！？), except where
    what follows starts in lower case or the stop ends a title, "vs" or an initial: "the
    U.S. view is", "the U. S. view", "e.g. chips", "Dr. Li" and "China vs. US" are not
    two sentences each."""
    sentences: list[str] = []
    for piece in _SENTENCE_END.split(text.strip()):
        if not piece.strip():
            continue
        if sentences and (piece[0].islower() or _TITLE.search(sentences[-1])):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def cited_sentences(text: str, citations: Sequence[T]) -> list[tuple[str, T]]:
    """``text``'s sentences (``sentences_of``), each with its citations; [] unless they
    match one to one (a summary or an overview and its ``sentence_citations``)."""
    texts = sentences_of(text)
    if not citations or len(texts) != len(citations):
        return []
    return list(zip(texts, citations, strict=True))


def numbers(text: str) -> set[str]:
    """Every token with a digit in ``text``, lower-cased, without thousands separators:
    "2,000" -> "2000", "H800" -> "h800" (so "H800" and "H100" differ), "4X" -> "4x"."""
    return {m.replace(",", "").lower() for m in _NUMBER.findall(text)}


# words of praise a small model adds of its own: the 1.5B wrote "DeepSeek is a
# groundbreaking AI platform that promises to revolutionize the way people use and interact
# with artificial intelligence." as a theme of source 002, a thread that calls it "a massive
# boon for AI consumers", and the cross-source overview repeated it
# each word as written (its forms, a pattern) and the stem they share in letters alone
# ("revolutionary", "revolutionise": "revolution")
_PRAISE_WORDS = (
    (r"ground-?breaking", "groundbreak"),
    (r"revolution(?:ar|i[sz])", "revolution"),
    (r"game[- ]chang", "gamechang"),
    (r"cutting[- ]edge", "cuttingedge"),
    (r"transformative", "transformat"),
    (r"unprecedented", "unprecedent"),
    (r"paradigm[- ]shift", "paradigmshift"),
    (r"pioneering", "pioneer"),
    (r"state[- ]of[- ]the[- ]art", "stateoftheart"),
    (r"trailblaz", "trailblaz"),
    (r"remarkabl", "remarkabl"),
    (r"promis(?:e|es|ing) to\b", "promis"),
)
_PRAISE = tuple((re.compile(rf"(?i)\b{word}"), stem) for word, stem in _PRAISE_WORDS)


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalpha())


def praise_beyond(sentence: str, grounds: str) -> bool:
    """Whether ``sentence`` praises in a word (``_PRAISE_WORDS``: "groundbreaking",
    "revolutionize", "promises to" ...) that ``grounds``, what it rests on, never uses
    (in any of its forms: "revolutionary" holds "revolutionize"): that praise is the
    writer's, not the source's."""
    held = _letters(grounds)
    return any(stem not in held for word, stem in _PRAISE if word.search(sentence))


# where a sentence sets one claim beside another: "X, while Y", "X; Y", "X, but Y"
BESIDE = re.compile(r",?\s+(?:while|whereas)\s+|;\s+|,\s+but\s+", re.IGNORECASE)
# a relative or reported clause ("a company that ...", "H, who ..."), to where a claim is
# set beside it
_CLAUSE = re.compile(r"\s(?:that|which|who|whose|where)\s", re.IGNORECASE)
CLAUSE_BACKED = 0.5  # share of a part's content words a passage holds to back that part


def joined_clause(sentence: str, passages: Sequence[str]) -> int | None:
    """Where ``sentence`` starts a clause ("a company that ...", "H, who ...") that joins
    what one of its ``passages`` says to what another says of something else, if it does:
    a passage backs the clause (half of its content words or more), another the words
    before it, and the clause's passages share one word at most with those (``_apart``:
    002's "The article discusses the Chinese government's involvement in DeepSeek, which
    is a tech company that has been accused of promoting veiled racism against
    Americans" joins a TV drama's "veiled racism" to DeepSeek, both passages saying
    "Chinese"). Of 004's "...
    soldiers and tanks entered Tiananmen Square" and, ten lines on, "that company put out
    an API ... to access the E34B model", the 1.5B wrote "The post discusses the E34B
    model and other models put out by a company that has deployed soldiers and tanks into
    Beijing": each part is in a passage it cites, the claim in none."""
    if len(passages) < 2:
        return None
    held = [plain_words(p) for p in passages]

    def backing(words: set[str]) -> list[int]:
        return [i for i, h in enumerate(held) if len(words & h) >= CLAUSE_BACKED * len(words)]

    for found in _CLAUSE.finditer(sentence):
        before = plain_words(sentence[: found.start()])
        clause = plain_words(BESIDE.split(sentence[found.end() :])[0])
        if not before or not clause or not backing(before):
            continue
        of_clause = backing(clause)
        if of_clause and all(_apart(before & held[i], before) for i in of_clause):
            return found.start()
    return None


def _apart(shared: set[str], words: set[str]) -> bool:
    """Whether a passage that holds ``shared`` of ``words`` says nothing of them: one word
    at most (a word that runs through a source: "Chinese" in 002) and under half."""
    return len(shared) <= 1 and 2 * len(shared) < len(words)


def capitalised(text: str) -> str:
    """``text`` with its first character in upper case: what is left of a sentence whose
    opening was taken off ("So, China ..." -> "China ...")."""
    return text[:1].upper() + text[1:]


_ENDED = (".", "!", "?", '"', "”", "'", "’", ")", "…", *FULL_WIDTH_STOPS, "」", "』")
# where a text cut at its limit is cut back to, in turn, and what then ends it; Chinese and
# Japanese writing end a sentence or a clause with no space after it
_CUT_AT = ((". ", "."), ("。", "。"), ("; ", " …"), ("；", "…"), (", ", " …"), ("，", "…"))


# words no phrase ends on (articles, possessive determiners): a text that stops on one
# was cut off (a map point of 003, a part of a run of the transcript with no full stop cut
# at a line end: "... and in this case we chat for 10 cent you have the")
_DANGLING = frozenset("a an the my your our their its".split())
# ... and, with the little words that lead into what follows, the words an ellipsis does
# not follow ("... show the open AIs of the world that the …" was a cut map point of 003)
_LEADING = _DANGLING | frozenset("of to and or but that with for from in on at by as".split())
_TRAILING = re.compile(rf"(?:[\s,;:]+(?:{'|'.join(sorted(_LEADING))}))+[\s,;:]*$", re.IGNORECASE)


def stops_short(text: str) -> bool:
    """Whether ``text`` ends on a word no phrase ends on (``_DANGLING``), with no stop."""
    words = text.split()
    return bool(words) and words[-1].lower() in _DANGLING


def cut_back(text: str, limit: int) -> str:
    """A text the grammar ended at ``limit`` characters (a map point, an answer's
    statement), cut back to its last sentence or clause end in its second half, else to
    its last whole word with an ellipsis, and no article or other little word before it.
    llama.cpp's grammar ends such a string one character short of the limit (the
    committed outputs hold 17 points of 349 characters under a cap of 350, and print "...
    how to tinker with hardware in gener."), so a text that long that does not end a
    sentence was cut too; and so was a shorter one that stops on an article
    (``stops_short``)."""
    short = stops_short(text)
    if text.rstrip().endswith(_ENDED) or (len(text) < limit - 1 and not short):
        return text
    for end, ending in _CUT_AT:
        at = text.rfind(end)
        if at > limit // 2:
            return text[:at] + ending
    if " " not in text.strip():
        return text + "…"
    whole = text if short else text.rsplit(" ", 1)[0]  # else its last word was cut
    kept = _TRAILING.sub("", whole) or whole
    return kept if kept.endswith(_ENDED) else kept + " …"
