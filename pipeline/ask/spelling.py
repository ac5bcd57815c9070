"""Names the question spells otherwise than the transcripts.

Transcripts made by speech-to-text spell names as they sound: "Mark Andresen" for Marc
Andreessen, "Quen" for Qwen, "Unitri" for Unitree, "LM Sys" for LMSYS. An analyst types
the names as they are written, and that cost twice:

- BM25 never matched them. ``NearSpellings`` gives the search index's nearest spellings
  of a name it does not know, and the index searches for those (``retrieval.index``).
- The embedded model reads literally. Asked "What did Marc Andreessen say about OpenAI
  after DeepSeek?" with 000's passage that says "Mark Andresen ... said you should
  change its name quickly" ranked first, the 1.5B replied that the passages do not
  state the answer; asked with the passage's spelling, it answered. So each name of
  the question that none of the passages shown contains is written as they write it
  (``respellings``), when one of their names is spelled alike. Only the model's
  question changes: the answer keeps the question as asked and lists what was
  respelled (``Answer.respelled``), and the passages stay verbatim.

Spelled alike (``likeness``): difflib's ratio of the two in lower case at least
``LIKENESS``, the same first letter, not a longer or shorter form of the other
("Japanese" and "Japan", "chatbots" and "Chatbot"), and not a common word much
commoner than the asked one (``COMMONER``: "United" is not how a transcript spells
"Unitree"; "Mark" may be how it spells "Marc"). A name written as one word with capitals
inside ("LMSys", "OpenAI") is also compared with two of the passages' names in a row,
joined ("LM Sys", "Open AI").

A name here is a word of ``MIN_LETTERS`` or more with a capital letter that does not
open the question, or opens it and is rare in English (``wordfreq``'s Zipf frequency
under ``RARE_ZIPF``: "Andreessen said ...", not "Besides ..."). Words in lower case are
left alone: searched as the corpus's nearest words, rare ones were as often unrelated
("metropolis" as "monopolist", "telegraphy" as "therapy") as misheard.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from difflib import SequenceMatcher

from pipeline.stages.names import name_key

# "LeCun"/"LeCoon" 0.73, "Marc"/"Mark" 0.75, "Unitree"/"Unitri" 0.77, "Andreessen"/"Andresen" 0.89
LIKENESS = 0.7
RARE_ZIPF = 3.0  # rarer than about one word in a million ("Andreessen" 2.1, "Hangzhou" 2.9)
COMMONER = 1.5  # Zipf above the asked word's: "Mark" for "Marc" is 1.0 above
LENGTH_GAP = 2  # letters more or fewer: "Andresen" for "Andreessen", "LeCoon" for "LeCun"
MIN_LETTERS = 4  # "Xi", "Yi", "Lee": too short to tell a misspelling from another name

_WORD = re.compile(r"[A-Za-z]+")


def _zipf(word: str) -> float:
    """``wordfreq``'s Zipf frequency in English: imported and loaded (~0.2 s) only when a
    word is in doubt, which most questions never need."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def _is_name(word: str, opens: bool) -> bool:
    if len(word) < MIN_LETTERS or not any(c.isupper() for c in word):
        return False
    return not opens or _zipf(word) < RARE_ZIPF


def passage_spellings(texts: Iterable[str]) -> Counter[str]:
    """The names the passages write (words with a capital letter, and two such words in
    a row as one: "LM Sys"), with how often each occurs."""
    found: Counter[str] = Counter()
    for text in texts:
        words = list(_WORD.finditer(text))
        for n, match in enumerate(words):
            word = match.group()
            if not any(c.isupper() for c in word):
                continue
            found[word] += 1
            if n + 1 < len(words):
                after = words[n + 1]
                between = text[match.end() : after.start()]
                if between == " " and after.group()[:1].isupper():
                    found[f"{word} {after.group()}"] += 1
    return found


def likeness(asked: str, written: str) -> float:
    """How alike two spellings are, as one name misheard (``names.name_key``: lower
    case, spaces dropped): difflib's ratio, or 0 when they cannot be one name: another
    first letter, one a longer form of the other, or the written one a common word much
    commoner than the asked one (``COMMONER``)."""
    asked, written = name_key(asked), name_key(written)
    if written[:1] != asked[:1]:
        return 0.0
    if written != asked and (written.startswith(asked) or asked.startswith(written)):
        return 0.0  # another form of a word, not another spelling: "Japan", "chatbots"
    common = _zipf(written)
    if common >= RARE_ZIPF and common > _zipf(asked) + COMMONER:
        return 0.0  # a common word, not a name misheard: "United" for "Unitree"
    return SequenceMatcher(None, asked, written).ratio()


def _closest(word: str, spellings: Counter[str]) -> str | None:
    joined = any(c.isupper() for c in word[1:])  # "LMSys", "OpenAI": maybe two words
    best: tuple[float, int, str] | None = None
    for spelling, count in spellings.items():
        if " " in spelling and not joined:
            continue
        alike = likeness(word, spelling)
        if alike >= LIKENESS and (best is None or (alike, count) > best[:2]):
            best = (alike, count, spelling)
    return best[2] if best else None


class NearSpellings:
    """A search vocabulary's nearest spellings of a word it lacks (``likeness``), for
    BM25: "qwen" finds the windows that say "Quen", "andreessen" those that say
    "Andresen". On the first word asked, the vocabulary is grouped by first letter and
    length; a word is compared with those of its first letter and a length within
    ``LENGTH_GAP`` of its own, and difflib's cheap upper bounds skip most of them before
    the ratio is computed."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._vocabulary = vocabulary
        self._by_start: dict[tuple[str, int], list[str]] | None = None
        self._found: dict[str, list[str]] = {}

    def nearest(self, word: str) -> list[str]:
        """The vocabulary's words spelled most like ``word`` (several when equally
        alike), none when none is alike enough."""
        if word not in self._found:
            self._found[word] = self._nearest(word) if len(word) >= MIN_LETTERS else []
        return self._found[word]

    def _nearest(self, word: str) -> list[str]:
        if self._by_start is None:
            self._by_start = {}
            for known in self._vocabulary:
                if len(known) >= MIN_LETTERS:
                    self._by_start.setdefault((known[0], len(known)), []).append(known)
        matcher = SequenceMatcher(None, "", word)
        best, found = LIKENESS, list[str]()
        for length in range(len(word) - LENGTH_GAP, len(word) + LENGTH_GAP + 1):
            for other in self._by_start.get((word[0], length), ()):
                matcher.set_seq1(other)
                if matcher.real_quick_ratio() < best or matcher.quick_ratio() < best:
                    continue
                if matcher.ratio() < best:
                    continue
                alike = likeness(word, other)
                if alike > best:
                    best, found = alike, [other]
                elif alike == best:
                    found.append(other)
        return sorted(found)


def candidate_names(question: str, known: Callable[[str], bool] = lambda word: False) -> list[str]:
    """The words of ``question`` that may be names (see the module's docstring), other
    than those ``known`` (looked at first: a word in doubt costs a frequency look-up)."""
    return [
        m.group()
        for n, m in enumerate(_WORD.finditer(question))
        if not known(m.group()) and _is_name(m.group(), n == 0)
    ]


def respellings(question: str, texts: Iterable[str]) -> dict[str, str]:
    """The question's names that ``texts`` (the passages the model is shown) do not
    contain, each with the passages' nearest spelling of it: {"Andreessen": "Andresen"}."""
    texts = list(texts)
    present = {w.lower() for text in texts for w in _WORD.findall(text)}
    spellings = passage_spellings(texts)
    found: dict[str, str] = {}
    for word in candidate_names(question, lambda w: w.lower() in present):
        spelling = _closest(word, spellings)
        if spelling is not None:
            found[word] = spelling
    return found


def in_spelling(question: str, respelled: dict[str, str]) -> str:
    """``question`` with the words ``respellings`` found written the passages' way."""
    if not respelled:
        return question
    return _WORD.sub(lambda m: respelled.get(m.group(), m.group()), question)
