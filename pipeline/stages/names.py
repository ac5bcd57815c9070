"""Which of the names a small model lists are names: of people, of organisations.

The map's reply lists the people and organisations a chunk names; a small model also
lists speaker labels, clauses, places and common nouns there ("Like", "TCM is", "China",
"Father", "Ernie 4.0"). Code keeps the proper names the chunk really contains, and sorts
bodies ("Georgia University") from people.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from difflib import SequenceMatcher

from pipeline.models import ChunkSummary
from pipeline.text import flattened

_CLAUSE_MARK = re.compile(r"[,;:?!()\"\n]")


def is_name_in(name: str, text: str, max_words: int = 6) -> bool:
    """Whether ``name`` reads as a name that the text really contains: a small model
    also lists speaker labels, clauses and whole sentences as "organisations"."""
    return (
        0 < len(name.split()) <= max_words
        and not _CLAUSE_MARK.search(name)
        and name.lower() in text.lower()
    )


# words a small model lists as names that are not names of people or organisations
_COMMON = frozenset(
    (
        "like yeah yes no okay ok so well right um uh and but the a an i you he she we they it "
        "this that these those what who where when why how is are was were be there here also "
        "my your our their his her its mr mrs ms dr sir god"
    ).split()
)
_PLACES = frozenset(
    (
        "china chinese prc us usa america american americans united states uk britain british "
        "england europe european eu west western east eastern asia asian africa japan japanese "
        "korea korean taiwan taiwanese india indian russia russian germany german france "
        "french israel iran singapore canada mexico beijing washington shanghai shenzhen "
        "hangzhou guangdong london new york california silicon valley hong kong world "
        "south north korea"
    ).split()
)
# how alike two spellings of a person's name with the same first name are at least
# (difflib's ratio of their ``name_key``s)
SPELLING_LIKENESS = 0.7
_JOINERS = frozenset("of and the for de van von bin da la du".split())


def is_proper_name(name: str, text: str, max_words: int = 5) -> bool:
    """A proper name the chunk contains: capitalised words (joiners like "of" inside),
    not a common word, a clause or a place (a small model lists "China", "Like", "TCM
    is", "training data" and "Silicon Valley" as names)."""
    words = name.split()
    if not words or not is_name_in(name, text, max_words=max_words):
        return False
    # letters or digits spelled one by one ("Letters Q R S", "7 7") are how a transcript
    # dictates a name it does not contain; a real one is written "QRS" or "Q.R.S."
    if any(
        len(a) == len(b) == 1 and (a + b).isalnum() for a, b in zip(words, words[1:], strict=False)
    ):
        return False
    for i, word in enumerate(words):
        bare = word.strip(".'’()")
        inside = 0 < i < len(words) - 1
        if bare.lower() in _COMMON and not bare.isupper():
            return False
        if bare[:1].islower() and not (inside and bare in _JOINERS):
            return False
    # a place, also of several words ("United States", "South Korea", "U.S.")
    return not all(w.lower().replace(".", "") in _PLACES for w in words)


# the last word of a name that names a body, not a person ("Georgia University")
_BODY_WORDS = frozenset(
    (
        "university college academy institute school lab labs laboratory research group inc "
        "corp corporation company ltd bank ministry party times news cloud robotics dynamics "
        "technologies motors capital ventures foundation association council agency"
    ).split()
)


def is_body(name: str) -> bool:
    """A name that ends in a word naming a body: "Shanghai AI Labs", "Georgia University"."""
    words = name.split()
    return bool(words) and words[-1].lower().strip(".,") in _BODY_WORDS


# how a speaker introduces a name that is not a person's: a body ("a startup called
# Baiquan", "China's biggest home appliance company, Maidea", "companies like Alibaba",
# "Alibaba's chatbot") or a product ("a chatbot product called Tongyi Qianwen", "Quen
# 1.572b", "Spike Dancers chatbot"); and a person ("a person named Feng Zhang", "Kaifu
# Li, who is ...")
_AS_BODY_BEFORE = re.compile(
    r"\b(?:company|companies|startup|start-up|firm|conglomerate|lab|brand|maker|"
    r"manufacturer)(?:\s+(?:called|named|like|such as)|,)?\s*$",
    re.IGNORECASE,
)
_AS_BODY_AFTER = re.compile(r"^['’]s\s+(?:chatbot|app|model|models|assistant)\b", re.IGNORECASE)
_AS_PRODUCT_BEFORE = re.compile(
    r"\b(?:product|chatbot|app|model|assistant|platform|tool|service)\s+(?:called|named)\s*$",
    re.IGNORECASE,
)
_AS_PRODUCT_AFTER = re.compile(
    r"^\s+(?:chatbot|app|model|models|assistant)\b|^\s+\d+(?:\.\d+)+[a-z]?\b|^\s+\d+b\b",
    re.IGNORECASE,
)
_AS_PERSON_BEFORE = re.compile(
    r"\b(?:person|man|woman|guy)\s+(?:named|called)\s*$|\b(?:professor|founder|CEO|author)\s*$",
    re.IGNORECASE,
)
_AS_PERSON_AFTER = re.compile(r"^(?:,\s+who\b|\s+(?:said|says|told|thinks|wrote|argues)\b)")
_CONTEXT_CHARS = 40  # looked at before and after each mention


@functools.lru_cache(maxsize=16)
def _folded(source: str) -> str:
    """The source with its lines (and a bulleted transcript's markers) run together."""
    return flattened(source)


@functools.lru_cache(maxsize=4096)
def introduced_as(name: str, source: str) -> str | None:
    """What the source introduces ``name`` as, "organisation" or "product", when it does
    (and never as a person), else None. The 1.5B listed "Baiquan", "Maidea", "Waymark" and "Game
    Science" as people where the speaker said "a startup called Baiquan", and "Quen",
    "Tongyi Qianwen" and "Spike Dancers" (ByteDance's chatbot, as transcribed)."""
    if not name.strip():  # an empty pattern would match at every character
        return None
    text = _folded(source)
    kinds = set()
    for mention in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
        before = text[max(0, mention.start() - _CONTEXT_CHARS) : mention.start()]
        after = text[mention.end() : mention.end() + _CONTEXT_CHARS]
        if _AS_PERSON_BEFORE.search(before) or _AS_PERSON_AFTER.match(after):
            return None
        if _AS_BODY_BEFORE.search(before) or _AS_BODY_AFTER.match(after):
            kinds.add("organisation")
        elif _AS_PRODUCT_BEFORE.search(before) or _AS_PRODUCT_AFTER.match(after):
            kinds.add("product")
    return "organisation" if "organisation" in kinds else next(iter(kinds), None)


def is_person_name(name: str, text: str, source: str = "") -> bool:
    """A person's name: a proper name of 1-4 words that is not an acronym ("TCM"), holds
    no digit or web address ("Ernie 4.0", "Yee34B", "U.com" are products), is not a body
    (``is_body``) and, of one word, is not a common noun: its ``source`` (else ``text``),
    written in upper and lower case, writes it in lower case as often as not ("Father",
    "Chatbot": the 1.5B listed them as people). A transcript in lower case ("i had a
    conversation with mark zuckerberg") tells nothing by its case: there the last rule
    does not apply."""
    words = name.split()
    if not is_proper_name(name, text, max_words=4) or (len(words) == 1 and name.isupper()):
        return False
    if any(c.isdigit() for c in name) or ".com" in name.lower() or is_body(name):
        return False
    if is_office(name):
        return False
    return len(words) > 1 or not _in_case(source or text) or _lower_times(name, source or text) < 1


# a body's one-word name is a common noun when the source writes it in lower case this many
# times as often as capitalised: covid_6's "seniors" (42 to 2), "fishers" (4 to 1); 003's
# "meta" (2 to 1, speech-to-text) stays Meta
COMMON_NOUN_TIMES = 3


def is_organisation_name(name: str, text: str, source: str = "") -> bool:
    """An organisation's name: a proper name (``is_proper_name``) that is no title or
    office (``is_office``: the 1.5B listed covid_6's "Prime Minister" as an organisation)
    and, of one word, no common noun of its ``source`` (else ``text``; the 1.5B listed
    covid_6's "Seniors" and "Fishers": ``COMMON_NOUN_TIMES``)."""
    if not is_proper_name(name, text) or is_office(name):
        return False
    whole = source or text
    return (
        len(name.split()) > 1
        or not _in_case(whole)
        or _lower_times(name, whole) < COMMON_NOUN_TIMES
    )


# words of a title or an office, not of a name: the 1.5B listed covid_6's "Prime Minister"
# as a person (a committee of Canada's House of Commons, where speakers are "Hon." and
# "Right Hon.")
_OFFICE_WORDS = frozenset(
    (
        "prime minister ministers president vice premier senator speaker chair chairman "
        "chairwoman chairperson deputy secretary governor mayor chancellor ambassador "
        "commissioner attorney general auditor king queen prince princess pope right hon "
        "honourable honorable leader opposition member members mp"
    ).split()
)


def is_office(name: str) -> bool:
    """A title or an office, not a person's name: "Prime Minister", "the Deputy Speaker",
    "Minister of Finance" (an office word, then "of")."""
    words = [w.strip(".,'’").lower() for w in _LEADING_ARTICLE.sub("", name.strip()).split()]
    if not words or words[0] not in _OFFICE_WORDS:
        return False
    return "of" in words or all(w in _OFFICE_WORDS or w in _JOINERS for w in words)


# an honorific before a name: "Hon. Bill Morneau" is Bill Morneau, "Right Hon. Justin
# Trudeau" Justin Trudeau
_HONORIFIC = re.compile(r"^(?:(?:right|rt\.?)\s+)?(?:hon|mr|mrs|ms|mx|dr|prof|sir)\.?\s+", re.I)


def without_honorific(name: str) -> str:
    """``name`` without an honorific before it ("Hon. Harjit S." -> "Harjit S.")."""
    bare = _HONORIFIC.sub("", name.strip())
    return bare or name.strip()


@functools.lru_cache(maxsize=4096)
def _lower_times(word: str, text: str) -> float:
    """How many times as often ``text`` writes ``word`` (or its plural) in lower case as
    capitalised (infinite when it never capitalises it, 1 when it never writes it);
    counted once per word and source, since every chunk of a source asks again."""
    said = re.findall(rf"(?<![\w-]){re.escape(word)}s?(?![\w-])", text, re.IGNORECASE)
    upper = sum(w[0].isupper() for w in said)
    lower = len(said) - upper
    if not upper:
        return math.inf if lower else 1.0
    return lower / upper


_PRONOUN_I = re.compile(r"(?<![\w'’-])[iI](?![\w'’-])")


@functools.lru_cache(maxsize=16)
def _in_case(text: str) -> bool:
    """The text is written in upper and lower case: its pronoun "I" is mostly upper case."""
    found = _PRONOUN_I.findall(text)
    return found.count("I") > found.count("i")


_POSSESSIVE = re.compile(r"(?<=\w)['’]s$")


def kept_names(raw: list[str], keep: Callable[[str], bool], seen: set[str]) -> list[str]:
    """The names of ``raw`` that ``keep`` accepts, each once (``seen``: lower case, shared
    by the calls for one chunk, so that a name listed as an organisation is not a person
    too), without a possessive's "'s" (the 1.5B listed "Patel's" as a person)."""
    names = []
    for name in (_POSSESSIVE.sub("", n.strip()) for n in raw):
        if name.lower() not in seen and keep(name):
            seen.add(name.lower())
            names.append(name)
    return names


def name_key(name: str) -> str:
    """One key for the spellings of a name: lower case, without spaces, dots and hyphens
    ("Deep Seek", "DeepSeek", "deepseek"; "Open AI", "OpenAI")."""
    return _NAME_SPACING.sub("", name.lower())


_NAME_SPACING = re.compile(r"[\s.\-‐–—]+")


def is_role(name: str, roles: Iterable[str]) -> bool:
    """``name`` is one of the ``roles`` (``role_labels``), also after "the" or with more
    words ("the Project Manager", "User Interface Developer" for "User Interface")."""
    bare = _LEADING_ARTICLE.sub("", name.strip()).lower()
    return any(
        name_key(bare) == name_key(role) or bare.startswith(role.lower() + " ") for role in roles
    )


_LEADING_ARTICLE = re.compile(r"^(?:the|our|a)\s+", re.IGNORECASE)


def listed_entities(
    summaries: list[ChunkSummary],
    known_organisations: Collection[str] = (),
    roles: Collection[str] = (),
) -> tuple[list[str], list[str]]:
    """The source's 15 most often named people and organisations, each under its most
    frequent spelling (``name_key``: "Deep Seek" and "DeepSeek" are one name). A name that
    any chunk lists as an organisation is not a person, as within one chunk
    (``map_stage``): the model lists companies as people ("Meta"), not people as
    companies. So is a name in ``known_organisations`` (``name_key``s: what the other
    sources' chunks list as organisations, ``organisations_named``): the 1.5B listed
    "OpenAI", "Google" and "Alibaba" as people in one source and as organisations in
    another, and "DeepSeek" as a person where another chunk of the same source listed
    "Deep Seek" as an organisation. A speaker's role (``roles``: ``role_labels``) is
    neither."""
    named: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    called_organisation: set[str] = set()
    for summary in summaries:
        for entity in summary.entities:
            name = entity.name.strip()
            if is_role(name, roles):
                continue
            key = name_key(without_honorific(name))
            named[key] += 1
            spellings.setdefault(key, Counter())[name] += 1
            if entity.kind == "organisation" or key in known_organisations:
                called_organisation.add(key)
    ranked = [key for key, _ in named.most_common()]  # ties: first seen first
    shown = {key: spellings[key].most_common(1)[0][0] for key in ranked}
    organisations = [shown[k] for k in ranked if k in called_organisation]
    people: list[str] = []
    for key in ranked:  # a variant after the more often listed spelling it varies
        name = shown[key]
        bare = without_honorific(name)
        if key not in called_organisation and not any(
            spelt_alike(bare, without_honorific(p)) for p in people
        ):
            people.append(name)
    return people[:15], organisations[:15]


def spelt_alike(name: str, other: str, likeness: float = SPELLING_LIKENESS) -> bool:
    """Two spellings of one person's name, as speech-to-text and translation write it:
    the same first name and the whole alike ("Mark Zuckerberg" and "Mark Segerberg" in
    000, "Kai-Fu Lee" and "Kaifu Li" in 004: 0.74 and 0.80 alike). Two names that differ
    in their first name stay apart ("Dan Wang" and "Yan Wang", 0.86 alike)."""
    words, others = name.split(), other.split()
    if len(words) < 2 or len(others) < 2 or name_key(words[0]) != name_key(others[0]):
        return False
    return SequenceMatcher(None, name_key(name), name_key(other)).ratio() >= likeness


def without_short_forms(people: list[str]) -> list[str]:
    """``people`` without a one-word name that is the first or last word of exactly one
    longer listed name: "Grace" is "Grace Shao" (003's list read "Grace, Grace Shao"). A
    word two longer names share ("Li" of "Yuan Li" and "Li Kaifu") stays listed."""
    ends: Counter[str] = Counter()
    for name in people:
        words = name.lower().split()
        if len(words) > 1:
            ends.update({words[0], words[-1]})
    return [n for n in people if len(n.split()) > 1 or ends[n.lower()] != 1]
