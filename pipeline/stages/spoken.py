"""Speech fillers out of what a brief prints.

The map's points state a sentence of the conversation, and a small model states it in
the speaker's words: "if you read some of like Chinese, China's like official policy,
like documents, they categorize AI as national infrastructure". A brief is read, not
heard: ``without_fillers`` takes out the words that carry nothing in writing ("like" as a
filler, "you know", "kind of", "I mean", "basically", a stammered "the the", an opening
"So" or "And") and keeps every word that could carry meaning ("things like batteries",
"I like it", "what kind of model", "China is like Germany"), and what the transcript
marks but nobody said ("{vocalsound}", "[laughter]": ``text.without_marks``), and a
committee speaker's opening address to the chair ("Mr. Chair, ..."). The words
a point loses are words a brief's budget no longer spends (``pipeline.stages.points``).
Quotes are never touched: they stay verbatim.
"""

from __future__ import annotations

import re

from pipeline.text import CJK_RUN, capitalised, flattened, sentences_of, without_marks

# "like" as a filler: after a word that takes no "like" in writing ("some of like
# Chinese", "China's like official policy", "the most like adept", "so like"), or before
# a comma ("documents, like, they"; "we have like, we have"); after a possessive
# determiner, but for the "like button" ("by their like commanding of resources, not
# through like hoarding of intellectual property": 001's point)
_AFTER = r"of|as|at|in|on|for|with|from|through|by|about|into|and|or|but|so|most|um|uh"
_DETERMINER = r"their|our|your|my|its"
# "China's like", not "it's like" (it is like)
_POSSESSIVE = r"(?<!\bit)(?<!\bthat)(?<!\bhe)(?<!\bshe)(?<!\bthere)(?<!\bwhat)(?<!\bwho)['’]s?"
_LIKE_AFTER_WORD = re.compile(
    rf"(?i)(\b(?:{_AFTER})|\b(?:{_DETERMINER})(?= like (?!buttons?\b|counts?\b))|{_POSSESSIVE})"
    r" like(?:,(?= )|(?= ))(?! to\b)"
)
# not a quote's "I was like, ...", "he's like, it was madness" (dropped, "he's it was madness")
_LIKE_COMMA = re.compile(
    r"(?i)(?:^|(?<!\bwas)(?<!\bis)(?<!\bwere)(?<!\bam)(?<!['’]m)(?<!['’]re)"
    r"(?<!\bhe['’]s)(?<!\bshe['’]s) )like,(?= )"
)
# a number after a dropped filler "like" is an estimate: "for like 10 years"
_LIKE_NUMBER = re.compile(rf"(?i)(\b(?:{_AFTER})|{_POSSESSIVE}) like (?=\$?\d)")

# filler phrases set off by commas; a filler phrase after a word takes its comma along
_SET_OFF = r"you know|I mean|I think|I guess|um+|uh+|er|sort of|kind of|like|right|yeah|basically"
_BETWEEN_COMMAS = re.compile(rf"(?i),\s*(?:{_SET_OFF}),(?=\s)")
_ADVERB = re.compile(r"(?i) (?:you know,|(?:basically|literally|actually|um+|uh+),?)(?=[ .;:!?])")
_TAG = re.compile(r"(?i),\s*(?:right|you know|I think)\s*([.?!]?)$")
# an opening "Well," "Now," "Okay," only with its comma ("Well known labs", "Now is the time");
# so is the address to the chair a committee's speakers open with ("Mr. Chair, we continue
# to work ...", "Mr.Chair, we have invested ...", "Chair, in December 2018 ...": 132 of
# covid_6's 348 turns), a chamber's ("Madam Speaker,") and a Welsh committee's ("Deputy
# Presiding Officer,")
_ADDRESS = (
    r"(?:(?:mr|mister|madam|madame|mrs|ms)\.?\s?)?(?:deputy\s)?"
    r"(?:chair|chairman|chairwoman|chairperson|speaker|presiding officer)"
)
_OPENING = re.compile(
    r"(?i)^(?:(?:(?:so(?! far\b| much\b| many\b| long\b| that\b)|and|yeah|um+|uh+|i mean|"
    rf"you know|like|basically|actually)\b,?|(?:well|okay|ok|oh|now|right|{_ADDRESS}),)\s+)+"
)
# inside a clause: hedges that add nothing in print, unless a determiner makes them a noun
# ("what kind of model", "a sort of bubble" keep theirs)
_HEDGE = re.compile(
    r"(?i)(?<!\bwhat)(?<!\bthis)(?<!\bthat)(?<!\bsome)(?<!\bany)(?<!\bthe)(?<!\bone)"
    r"(?<!\bevery)(?<!\ba)(?<!\bsame)(?<!\bno)(?<!\bkinds)(?<!\bsorts)"
    r" (?:kind|sort) of(?: like)?(?= )"
)
# "the the", "really really really"; not "had had", "that that" (grammatical)
_STAMMER = re.compile(r"(?i)\b(?!had\b|that\b)(\w+(?:'\w+)?)(?: \1\b)+")
_SPACES = re.compile(r" {2,}")
_SPACE_BEFORE_MARK = re.compile(r" +(?=[,.;:!?])")
_DOUBLE_COMMA = re.compile(r",(?:\s*,)+")
# the 1.5B writes the sources' "U.S." as "U. S."
_SPACED_INITIAL = re.compile(r"\b([A-Z])\. (?=[A-Z]\.)")
# a comma before a clause that opens with a capital, as a translation subtitled a
# sentence a cue writes its sentences ("... innovations in China, This is the development
# path ..., For example, I was looking at A16Z recently."): a comma never comes before a
# capitalised word that is not a name (nor "I"); a semicolon joins them, so that a text
# keeps its count of sentences (a summary's citations are counted by its sentences)
_SPLICE = re.compile(
    r", (And|But|So|Or|Then|Now|Also|Just|Because|If|When|After|Especially|However|"
    r"They|He|She|It|We|You|This|That|These|Those|There|What|How|Why|In|For|Like|Of|Many)\b"
)


def _set_off(found: re.Match[str]) -> str:
    """What stands for a filler set off by commas: one comma ("home to Zili, you know, the
    conglomerate"), none before a figure ("makes, like, 40%")."""
    after = found.string[found.end() + 1 : found.end() + 2]
    return "" if after and after in "$0123456789" else ","


def without_fillers(text: str) -> str:
    """``text`` without the speech fillers a written brief has no use for, its first
    letter raised when an opening filler is dropped. Never empty: a text that would be
    left with under three words is returned as it was, but for what nobody said
    (``text.without_marks``: "{vocalsound} Okay ." is "Okay .")."""
    out = flattened(text)
    out = _LIKE_NUMBER.sub(
        lambda m: f"{m[1]} " if m[1].lower() == "about" else f"{m[1]} about ", out
    )
    out = _LIKE_AFTER_WORD.sub(r"\1", out)
    out = _BETWEEN_COMMAS.sub(_set_off, out)
    out = _LIKE_COMMA.sub("", out)
    out = _HEDGE.sub("", out)
    out = _ADVERB.sub("", out)
    out = _STAMMER.sub(r"\1", out)
    out = _TAG.sub(lambda m: m[1] or "", out)
    opening = _OPENING.match(out)
    if opening and opening.end() < len(out):
        rest = out[opening.end() :]
        out = capitalised(rest)
    out = _DOUBLE_COMMA.sub(",", out)
    out = _SPACE_BEFORE_MARK.sub("", _SPACES.sub(" ", out)).strip(" ,")
    return out if len(out.split()) >= 3 else without_marks(text).strip()


# what links a sentence to the one before it: a point or a key fact is read alone, with
# nothing before it to go on from (5 of the 102 key facts of a cold run over the seeds
# opened on one: "But now the opening time has been postponed to between 30 and 33
# years."); a summary's sentences keep theirs
_LINK = re.compile(r"(?i)^(?:but|or|then(?!-))\b,?\s+(?=\S)")
_CLOSING = "\"'’”)]"
# a contraction that opens a sentence ("it's", "that's", "don't"); another word with an
# apostrophe may be one cut at its start ("ina's", of "China's")
_CONTRACTION = re.compile(
    r"(?:it|that|there|here|what|who|he|she|they|we|you|i|let)['’](?:s|re|ve|ll|d|m)|"
    r"(?:do|does|did|is|was|are|were|ca|could|wo|would|should|have|has|had)n['’]t",
    re.IGNORECASE,
)


def _mostly_chinese(text: str) -> bool:
    """More characters of Chinese (or Japanese) writing than Latin letters: a sentence of
    it ends with "。", not "." ("杭州的宇树科技推出了人形机器人G1。")."""
    return sum(map(len, CJK_RUN.findall(text))) > sum(c.isascii() and c.isalpha() for c in text)


def as_written(text: str, alone: bool = True) -> str:
    """``text`` ``without_fillers``, as a sentence read ``alone`` (a point: without the
    word that links it to a sentence before, ``_LINK``): a capital first letter when its first
    word is in lower case ("glorifies individual inventor..." -> "Glorifies..."; "iPhone"
    stays), and a full stop when it ends in a letter or a figure. A point starts where
    its salient clause does (``map_request.salient_clause``) and ends where the model
    stopped: 20 of the 79 points of the seeds' briefs began in lower case or ended with
    no stop. Initials are written together, as the sources write them: the 1.5B wrote
    the seeds' "U.S." as "U. S." (9 times in the map points of source 003). Clauses a
    translation joined by commas, each opening with a capital, are joined by semicolons
    (``_SPLICE``: 19 times in the printed prose of 000's brief and the cross-source
    brief, "... in China, This is the development path ...")."""
    out = without_fillers(text)
    if alone:  # after the fillers: "And then an article ..." is "Then an article ..."
        out = _LINK.sub("", out, count=1)
    out = _SPLICE.sub(lambda m: f"; {m[1].lower()}", _SPACED_INITIAL.sub(r"\1.", out))
    # "e-mailing them", "that's exactly why", "yesterday, when" too; "iPhone" stays, and so
    # does a word cut at its start ("ina's technological progress", an answer's statement)
    first = out.split(" ", 1)[0]
    word = first.rstrip(",;:")
    if (word.replace("-", "").isalpha() or _CONTRACTION.fullmatch(word)) and first.islower():
        out = capitalised(out)
    if out.rstrip(_CLOSING)[-1:].isalnum():
        out += "。" if _mostly_chinese(out) else "."
    return out


def in_writing(text: str) -> str:
    """Model prose sentence by sentence ``as_written``: a small model copies the speakers'
    words into its sentences too ("Danwang's book is Breakneck, right.")."""
    return " ".join(as_written(s, alone=False) for s in sentences_of(text))
