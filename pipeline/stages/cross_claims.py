"""What a cross-source sentence may claim about its sources: a claim that they agree or
differ stays only where what they said backs it, and runs of source ids read as a series.
The embedded models' overviews said "Both sources agree that X" of what one source said;
``synthesize`` passes every overview sentence and, where the policy states no relations,
every theme's point through ``unbacked_claim_removed``."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.stages.points import content
from pipeline.text import BESIDE, capitalised, share_in

# an overview's "the sources agree that X" restates a listed agreement holding this share
# of X's content words
AGREEMENT_RESTATED = 0.6

# a source's id as a sentence names it: the seeds' "000" (a file "000_....txt"), or a
# file's stem with a letter and a digit in it, "es2009a" (``ingest.source_id_for``; a
# meeting series briefed from "ES2009a.txt" and "ES2009b.txt"); a stem of letters alone
# ("interview") is not told from a word
STEM_ID = r"(?=[A-Za-z0-9_-]*[A-Za-z])(?=[A-Za-z_-]*\d)[A-Za-z0-9][A-Za-z0-9_-]*"
ID = rf"(?:\d{{3,}}|{STEM_ID})"
_SOURCES = r"^(?:(?:all|both|the)\s+)?(?:(?:two|three|four|five)\s+)?sources\s+"
_SAY = r"(agree|disagree|differ)\s+(that|on|about|in)\s+"
# one of the source ids a sentence names, with what follows it ("002 and ", "000, ")
SOURCE_ID = rf"(?:{ID}(?:,\s*|,?\s+and\s+|\s+))"
_VERDICT = re.compile(_SOURCES + _SAY, re.IGNORECASE)
# ... or, in a claim beside another, named ("while sources 002 and 003 agree that")
_NAMED_VERDICT = re.compile(_SOURCES + SOURCE_ID + "*" + _SAY, re.IGNORECASE)
# a clause that says the sources (or one of them) see it otherwise
_BUT_DIFFER = re.compile(
    r",?\s+(?:but|while|whereas)\s+"
    r"(?:(?:they|the\s+(?:first|second|other)\s+source|source\s+\d+)\s+)?"
    r"(?:differ|disagree|have\s+different|notes?|adds?|says?)\b.*$",
    re.IGNORECASE,
)


# "However, there is disagreement about X": the same claim as "The sources disagree on X"
_THERE_IS = re.compile(
    r"^(?:(?:however|but|yet),?\s+)?there\s+(?:is|are)\s+(?:some\s+|a\s+|general\s+)?"
    r"(disagreement|agreement|consensus|debate)\s+(?:among\s+the\s+sources\s+)?"
    r"(that|on|about|over|in)\s+",
    re.IGNORECASE,
)


# "agree that X and that Y": without its verdict, the claim reads "X and Y"
_SECOND_THAT = re.compile(r"(,?\s+(?:and|but)\s+)that\s+(?=\S)", re.IGNORECASE)


def unbacked_claim_removed(
    sentence: str, source_ids: Sequence[str], agreements: Sequence[str] = ()
) -> str:
    """``_unbacked_claim_removed``, also for a claim put as "there is (dis)agreement
    about X" (the 1.5B's cross-source overview: "However, there is disagreement about
    the impact on the US economy ...")."""
    there = _THERE_IS.match(sentence)
    if there is None:
        return _unbacked_claim_removed(sentence, source_ids, agreements)
    verdict = "agree" if there.group(1).lower() in ("agreement", "consensus") else "disagree"
    claim = f"The sources {verdict} {there.group(2)} {sentence[there.end() :]}"
    said = _unbacked_claim_removed(claim, source_ids, agreements)
    return sentence if said == claim else said


def _unbacked_claim_removed(
    sentence: str, source_ids: Sequence[str], agreements: Sequence[str] = ()
) -> str:
    """The sentence without its claim that sources agree or differ, unless it restates
    one of the listed ``agreements`` (those two sources' statements back): "All sources
    agree that X, but they differ on Y." -> "X."; "... agree that X and that Y." -> "X
    and Y." (the 1.5B's cross-source overview kept "LLMs are developing into a different
    thing and that the US has an advantage ..."); "Both sources agree on X." or "The
    sources disagree on whether X." -> "Sources 001 and 002 discuss X." (``source_ids``:
    the sources of the statements it restates); "X, but they differ on Y." -> "X." Told
    that 000 and 001 differ on open source, the 1.5B's overview said "Both sources agree
    that China's AI open source is rational but differ on its potential impact", and
    001 had said "China was behind on open source". Any other sentence as it is."""
    found = _VERDICT.match(sentence)
    if found is None:
        cut = _BUT_DIFFER.sub("", sentence)
        return sentence if cut == sentence or not cut else f"{cut.rstrip(' .')}."
    rest = _BUT_DIFFER.sub("", sentence[found.end() :]).rstrip(" .")
    agreed = found.group(1).lower() == "agree"
    backed = agreed and restates_agreement(rest, agreements)
    if not rest or backed:
        return sentence
    if agreed and found.group(2).lower() == "that":
        claim = _SECOND_THAT.sub(r"\1", rest)
        return f"{capitalised(claim)}."
    if not source_ids:
        return sentence
    if len(source_ids) == 1:
        return f"Source {source_ids[0]} discusses {rest}."
    # "and" between every two ids, as the overview's prompt has always shown them (its
    # replies are cached on it); the brief prints them as a series (``listed_in_series``)
    return f"Sources {' and '.join(source_ids)} discuss {rest}."


def relation_only(claim: str) -> bool:
    """Whether a claim set beside another only says how the sources relate ("they differ
    on the markets"): ``unbacked_claim_removed`` cuts it, so it states nothing to hold."""
    return bool(_BUT_DIFFER.match(f" but {claim}"))


def verdict_beside(sentence: str, agreements: Sequence[str] = ()) -> bool:
    """Whether a claim set beside the sentence's first says that sources agree or differ
    and restates none of the listed ``agreements``: "The Chinese government is keen to
    copy the Hefei model, while sources 002 and 003 agree that LLMs are developing into a
    different thing ..." (the 1.5B's cross-source overview; 002 said nothing of it).
    ``unbacked_claim_removed`` mends such a claim where it opens the sentence."""
    for claim in BESIDE.split(sentence)[1:]:
        found = _NAMED_VERDICT.match(claim)
        if found is None:
            continue
        agreed = found.group(1).lower() == "agree"
        if not (agreed and restates_agreement(claim[found.end() :], agreements)):
            return True
    return False


def restates_agreement(claim: str, agreements: Sequence[str]) -> bool:
    """Whether ``claim`` (what sources are said to agree on) restates a listed agreement."""
    return any(
        share_in(content(claim), content(listed)) >= AGREEMENT_RESTATED for listed in agreements
    )


def in_series(ids: Sequence[str]) -> str:
    """Source ids as a reader lists them: "000 and 002", "000, 002 and 003"."""
    return ids[0] if len(ids) == 1 else f"{', '.join(ids[:-1])} and {ids[-1]}"


_AND_SERIES = re.compile(rf"(?<=\bSources )({ID})((?: and {ID}){{2,}})\b")


def listed_in_series(text: str) -> str:
    """A text's runs of source ids joined by "and" listed as a series: the 1.5B wrote
    "Sources 000 and 002 and 003 and 004 agree that ..." in the cross-source overview
    ("Sources 000, 002, 003 and 004 agree that ...")."""
    return _AND_SERIES.sub(lambda m: in_series([m.group(1), *re.findall(ID, m.group(2))]), text)


_LABEL = re.compile(rf"^Source {ID}:\s+(?=\S)")


def labelled(sentence: str) -> bool:
    """Whether a sentence opens with one source's label ("Source 000: ..."): a summary
    that gave way to its statements, or a speaker's words (``said_by_its_source``)."""
    return bool(_LABEL.match(sentence))


def unlabelled(sentence: str) -> str:
    """An overview sentence without the source label a theme's summary opens it with
    ("Source 004: Shutting down open source could lead to a widening gap." reads
    "Shutting down ..."): its citation names the source, and the overview is prose."""
    rest = _LABEL.sub("", sentence, count=1)
    return capitalised(rest)
