"""The word-level checks behind an answer's grounding: numbers, names, shared words.

``pipeline.ask.answer`` applies them to each statement of a model's reply (which of them
apply, and how strictly, is the model policy's: ``pipeline.stages.policy``). Words are compared
stemmed, as the search index stems them (``pipeline.text.tokenize``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.ask.name_places import names_apart, said_far_from, said_in_other_turns
from pipeline.ask.retrieval import query_terms
from pipeline.stages.policy import STRICT, ModelPolicy
from pipeline.text import (
    CAPITALISED_WORD,
    CJK_RUN,
    name_words,
    numbers,
    share_in,
    stems,
    tokenize,
)

ADDED_WORDS = 2  # a statement adding fewer words to the question's is judged by its share
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_AMOUNT = re.compile(r"(?<![\w.,-])\d+(?:[.,]\d+)*(?![\w-]|[.,]\d)")
NUMBER_WORDS = re.compile(
    r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|thousand|million|billion|trillion|dozen|half|"
    r"double|twice|triple|quarter|percent|"
    # ... and in Spanish, French, German, Italian and Portuguese ("seis millones de
    # dólares"); not "one" ("un", "une", "ein": also their "a"), nor those that are English
    # words too ("due", "cent")
    r"dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|veinte|treinta|cuarenta|cincuenta|"
    r"cien|ciento|cientos|mil|millón|millones|"
    r"deux|trois|quatre|cinq|sept|huit|neuf|dix|vingt|trente|quarante|cinquante|mille|"
    r"millions?|milliards?|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|zwanzig|"
    r"hundert|tausend|millionen|milliarden?|prozent|por ciento|pour cent|"
    r"quattro|cinque|sette|otto|nove|dieci|venti|cento|mila|milioni|miliardi|"
    r"duas|três|quatro|cinco|seis|sete|oito|dez|vinte|cem|milhões|bilhões)\b",
    re.IGNORECASE,
)
_DEMONYM_SUFFIXES = ("es", "ese", "an", "n", "ian", "i")
# a country a speaker names one way and a statement another ("the US" and "America"): the
# statement's (stemmed) name, and how the evidence may name the same country. Matched on
# the evidence as written, so that the pronoun "us" never names the United States.
_COUNTRY_ALIASES = {
    **dict.fromkeys(
        ("america", "american", "us", "usa"),
        re.compile(r"\b(?:U\.S\.(?:A\.)?|USA?|United States|America(?:ns?)?)(?!\w)"),
    ),
    **dict.fromkeys(
        ("britain", "british", "uk"),
        re.compile(r"\b(?:U\.K\.|UK|United Kingdom|Britain|British)(?!\w)"),
    ),
}
_YES_NO = re.compile(
    r"\s*(?:is|are|was|were|do|does|did|can|could|has|have|had|will|would|should|may)\b",
    re.IGNORECASE,
)
QUANTITY_QUESTION = re.compile(
    r"^\s*(how (many|much|long|old)\b)|"
    r"\bwhat (year|date|percentage|share|score|valuation|price|cost|number|amount)\b|"
    # Spanish, French, German, Italian, Portuguese: "¿Cuántos empleados tiene Mistral?"
    # was answered with "Mistral en Francia es la excepción."
    r"\b(cu[áa]nt[oa]s?|combien|wie (viele?|lange|alt)|quant[oiea]|quant[oa]s)\b|"
    r"\b(en qu[ée] año|en quelle année|in welchem jahr|in che anno|em que ano)\b",
    re.IGNORECASE,
)


# an answer that is only a day or a date ("Monday, March 18"), and a question that asks a
# time: the 1.5B answered what the guest ate for breakfast on the day of the recording with
# "Monday, March 18", from a sentence that tells the date
_DAY_OR_MONTH = (
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|april|may|june|"
    r"july|august|september|october|november|december"
)
_DATE_ONLY = re.compile(
    rf"^(?=.*\b(?:{_DAY_OR_MONTH})\b)(?:[\W\d]|\b(?:{_DAY_OR_MONTH}|st|nd|rd|th|of|on|the|"
    r"today|yesterday|tomorrow|morning|afternoon|evening|night|am|pm)\b)+$",
    re.IGNORECASE,
)
TIME_QUESTION = re.compile(
    r"\b(?:when|since|until|how long|(?:what|which) (?:year|date|day|month|week|time|decade)|"
    r"cu[áa]ndo|quand|wann|quando)\b",
    re.IGNORECASE,
)


def only_a_date(answer: str, question: str) -> bool:
    """Whether ``answer`` is only a day or a date (a weekday's or a month's name, with
    numbers) and ``question`` asks no time ("when", "what year", ...)."""
    return bool(_DATE_ONLY.match(answer.strip())) and not TIME_QUESTION.search(question)


# words that add nothing to a restated question (BM25's stop list has only 33 words):
# "China wants to escape FROM a choke point" restates "What choke point does China want
# to escape?"
FILLER_WORDS = frozenset(
    tokenize(
        [
            "about across after against along also among around because been before behind "
            "below between beyond can could did do does down during except from had has have "
            "how its just like more most much near off onto other out over past since so some "
            "than through toward towards under until up upon very via what when which while "
            "who whom whose why within without would should may might must he she his her him "
            "we our us you your me my this these those there here one really actually basically"
        ]
    )[0]
)


def restates(question: str, statement: str) -> bool:
    """Every content word of the statement (stemmed; ``FILLER_WORDS`` words aside) is one of the
    question's: it says nothing the question does not ("The two podcasts describe X." for
    "How do the two podcasts describe X?"). Not for a yes/no question, which a
    restatement answers."""
    if not question or _YES_NO.match(question):
        return False
    words = stems(statement) - FILLER_WORDS
    return words <= stems(question)


_PERSON = r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3}"
# the person a question asks the view of: "What did Eluned Morgan say about ...", "How
# did Kirsty Williams respond to ...", "Summarize Eluned Morgan's opinion on ..."
_VIEW_OF = re.compile(
    rf"\b(?:did|does|do|has|have|would)\s+(?P<who>{_PERSON})\s+(?:say|think|believe|argue|"
    r"mean|feel|respond|react|predict|claim|describe|view)\b"
    r"|(?:(?:Summari[sz]e|Describe|Explain|Give|Tell|List|State|Outline)\s+(?:me\s+)?)?"
    rf"(?P<whose>{_PERSON})['’]s?\s+(?:opinion|view|views|position|stance|response|thoughts)\b"
)


def about_words(question: str) -> set[str]:
    """The question's search words (``FILLER_WORDS`` aside: "did", "about") less those of
    the person whose view it asks, when words remain: what an answer must be about ("What
    did Eluned Morgan say about the Student Loans Company?" is not answered by "Eluned
    Morgan said that she would wish to see pay equality ...", which the 1.5B gave on a
    committee's passages)."""
    asked = set(query_terms(question))
    asked -= FILLER_WORDS if asked - FILLER_WORDS else set()
    who = view_of(question)
    if who:
        person = stems(who)
        if asked - person:
            asked -= person
    return asked


def view_of(question: str) -> str | None:
    """The person whose view the question asks ("What did Eluned Morgan say about ...":
    "Eluned Morgan"), or None."""
    found = _VIEW_OF.search(question)
    return (found.group("who") or found.group("whose")) if found else None


def addresses(question: str, statement: str, supplied: dict[int, str], cited: list[int]) -> bool:
    """The statement shares a word with the question (its person aside when it asks a
    person's view: ``about_words``), or is a short phrase quoted from a cited passage
    that holds most of the question's words (the answer itself, like "Concurrent." for
    "What is the newsletter called?")."""
    asked = about_words(question)
    if not asked or asked & stems(statement):
        return True
    phrase = " ".join(statement.strip(" .!?").split()).lower()
    if len(phrase.split()) > 5:
        return False
    for i in cited:
        passage = supplied.get(i, "")
        about = len(asked & stems(passage)) * 2 >= len(asked)
        if about and phrase in " ".join(passage.split()).lower():
            return True
    return False


def quantities(text: str) -> set[str]:
    """The plain numbers of ``text`` (a model name like "H800" or "4X" is not a quantity)."""
    return {n for n in numbers(text) if _PLAIN_NUMBER.fullmatch(n)}


def overlap(statement: str, evidence: str) -> float:
    """The share of the statement's content words (stemmed) that occur in the evidence."""
    return share_in(stems(statement), stems(evidence))


def unsupported(
    statement: str, evidence: str | Sequence[str], policy: ModelPolicy = STRICT, question: str = ""
) -> str | None:
    """Why the evidence does not state the statement, or None: a number or a name (both
    guards for every model) the evidence lacks, or too few of its words
    (``policy.answer_support``), or too few of the words it adds to the question's
    (``policy.answer_adds_support``).

    The question's own words that the evidence lacks are the analyst's framing ("the
    Golden State" of a question whose passage says "California"): a statement that
    repeats them and adds a plain number the evidence gives is also judged on what it adds
    beyond the question, since the framing is not its claim. Without such a number,
    every word counts. ``evidence`` is the cited passage, or the cited passages apart
    (``names_apart`` judges two names within one passage).
    """
    passages = [evidence] if isinstance(evidence, str) else list(evidence)
    evidence = " ".join(passages)
    missing = numbers(statement) - given_numbers(evidence)
    if missing:
        return f"the passages do not give {', '.join(sorted(missing))}"
    said = stems(statement)
    words = stems(evidence)
    words |= _written_apart(said - words, evidence)
    words |= _written_joined(said - words, statement, words)
    asked = stems(question) if question else set()
    # the framing counts only beside a stand-alone number of the evidence that the
    # question lacks (its answer: a year, an amount, a share). A name is not enough: "China"
    # or "Kai-Fu Lee" added to the framing of a question whose premise the passages do not
    # hold would pass; nor is a model's name ("Quen 1.572b ranked alongside GPT-4 on the
    # LMSys board": the passage ranks another model so)
    taken = (said & asked) - words  # from the question, and not in the passages
    framing = taken
    if not (_amounts(statement) & _amounts(evidence)) - numbers(question):
        framing = set()
    # Chinese writing has no capitals to tell a name by: a word of it that the statement
    # takes from the question and the passages lack is a subject they never mention
    # ("小米的电动汽车卖多少钱？" was answered with Doubao's price per thousand tokens)
    unwritten = sorted(w for w in taken if len(w) > 1 and CJK_RUN.fullmatch(w))
    if unwritten:
        return f"the passages do not name {', '.join(unwritten)}"
    absent = {
        n
        for n in name_words(statement, question) - words - framing
        if not _demonym_of(n, words) and not _country_named(n, evidence)
    }
    if absent:
        absent -= _spelled_out(statement, evidence)
    if absent:
        return f"the passages do not name {', '.join(names_as_written(absent, statement))}"
    if policy.answer_names_within:
        apart = names_apart(statement, passages, question, policy.answer_names_within)
        if apart:
            first, second, gap = apart
            return f"they name {first} and {second} only {gap} words apart, never together"
        far = said_far_from(statement, passages, question, policy.answer_names_within)
        if far:
            return f"they write what it says {far} said, but not near {far}"
        other = said_in_other_turns(statement, passages, question)
        if other:
            return f"they write what it gives to {other}, but not in {other}'s turns"
    share = share_in(said, words)  # the evidence tokenized once
    if framing:  # or what the statement adds beyond the question
        share = max(share, share_in(said - asked, words))
    if share < policy.answer_support:
        return f"{share:.0%} of its words are in them, {policy.answer_support:.0%} needed"
    added = said - asked - FILLER_WORDS
    if asked and len(added) >= ADDED_WORDS and share_in(added, words) < policy.answer_adds_support:
        return f"they do not hold what it adds to the question ({', '.join(sorted(added - words))})"
    return None


def names_as_written(found: set[str], statement: str) -> list[str]:
    """The statement's capitalised words whose stems are ``found``, as the statement writes
    them (a re-ask that says "do not name kerri, brown" reads as a typo to the model)."""
    words = []
    for word in CAPITALISED_WORD.findall(statement):
        for part in re.split(r"[-‐‑–]", word):
            part = re.sub(r"['’]s$", "", part)  # "State's": State
            if stems(part) & found and part not in words:
                words.append(part)
    missed = found - stems(" ".join(words))
    return words + sorted(missed)


def _amounts(text: str) -> set[str]:
    """The numbers of ``text`` that stand alone ("2020", "$760 billion", "60%"), not a
    part of a name ("GPT-4", "H800", "Quen 1.572b")."""
    return {m.replace(",", "") for m in _AMOUNT.findall(text)}


def _spelled_out(statement: str, evidence: str) -> set[str]:
    """The (stemmed) acronyms of the statement that the evidence spells out word by word:
    "SaaS" for "software as a service" (the speaker's "SAS" as transcribed; the question
    writes "SaaS"). Four letters at least: shorter ones match chance runs of initials."""
    initials = "".join(w[0] for w in re.findall(r"[a-z]+", evidence.lower()))
    found = set()
    for word in re.findall(r"\b[A-Za-z]*[A-Z][A-Za-z]*[A-Z][a-z]?\b", statement):
        letters = word.lower()
        if len(letters) >= 4 and letters in initials:
            found |= stems(word)
    return found


def _written_apart(wanted: set[str], evidence: str) -> set[str]:
    """The (stemmed) words of ``wanted`` that the evidence writes as two or three words:
    "Break Neck" for "Breakneck", "open AI's chat GPT" for "OpenAI's ChatGPT". The
    speech-to-text splits a coined name at its parts, the model writes it whole, and a
    right answer was refused for a name "the passages do not name" (three of the ten
    questions of ``bench/data/two_part_qa.jsonl``, thirty-second round)."""
    if not wanted:
        return set()
    parts = re.findall(r"[a-z0-9]+", evidence.lower())
    joined = {"".join(parts[i : i + n]) for n in (2, 3) for i in range(len(parts) - n + 1)}
    return wanted & stems(" ".join(joined))


def _written_joined(wanted: set[str], statement: str, written: set[str]) -> set[str]:
    """The (stemmed) words of ``wanted`` that the statement writes as two or three words
    and the evidence (``written``: its stemmed words) as one: "Danwang’s book" for "Dan
    Wang's book", "Deepseek" for "Deep Seek" (``_written_apart`` the other way round). A
    right answer, "Dan Wang's book says that America is run by lawyers", was refused: its
    passage writes "Danwang’s book"."""
    if not wanted:
        return set()
    parts = re.findall(r"[a-z0-9]+", statement.lower())
    found: set[str] = set()
    for n in (2, 3):
        for i in range(len(parts) - n + 1):
            joined = stems("".join(parts[i : i + n]))
            if joined and joined <= written:
                found |= stems(" ".join(parts[i : i + n]))
    return wanted & found


_LETTERS_BEFORE = re.compile(r"^[a-z]+(?=\d+[a-z])")


def given_numbers(evidence: str) -> set[str]:
    """The evidence's numbers (``text.numbers``), and a model's size the speech-to-text
    ran into the letters before it as written alone: "Yee34B" (for "Yi-34B") gives "34b"
    too. Only a figure with a unit letter after it: "H800" gives no "800"."""
    found = numbers(evidence)
    return found | {_LETTERS_BEFORE.sub("", n) for n in found}


def _demonym_of(name: str, words: set[str]) -> bool:
    """The (stemmed) name is the adjective of a place the evidence names: "japanes" of
    "japan", "chines" of "china", "korean" of "korea", "american" of "america"."""
    for suffix in _DEMONYM_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 3:
            root = name[: -len(suffix)]
            if root in words or root + "a" in words:
                return True
    return False


def _country_named(name: str, evidence: str) -> bool:
    """The (stemmed) name is a country the evidence names another way: "america" for
    "the US", "uk" for "Britain" (``_COUNTRY_ALIASES``)."""
    alias = _COUNTRY_ALIASES.get(name)
    return alias is not None and alias.search(evidence) is not None


def supported(
    statement: str, evidence: str, policy: ModelPolicy = STRICT, question: str = ""
) -> bool:
    """The evidence states the statement (``unsupported`` finds nothing missing)."""
    return unsupported(statement, evidence, policy, question) is None
