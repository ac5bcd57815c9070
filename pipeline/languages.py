"""Which language a text is written in: wordfreq's code for it (``language_of``), which
rates its words in that language, and its name for a prompt to write in it
(``writing_language``). English, any language of Latin letters with a stop-word list,
another alphabet's one language, and Chinese or Japanese writing.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter

import bm25s

from pipeline.text import CJK_RUN, LETTER_WORD

# languages a text of Latin letters may be in besides English: those with a stop-word
# list (bm25s's), which tell them apart at no cost; a language is compared by wordfreq's
# frequencies only when a word of the text is one of its stop words (the lists of 25
# languages took 1.8 s and 560 MB to load, for any English sentence full of names)
STOP_WORDS = {
    language: frozenset(getattr(bm25s.stopwords, f"STOPWORDS_{name}"))
    for language, name in (
        ("es", "SPANISH"), ("fr", "FRENCH"), ("de", "GERMAN"), ("it", "ITALIAN"),
        ("pt", "PORTUGUESE"), ("nl", "DUTCH"), ("da", "DANISH"), ("nb", "NORWEGIAN"),
        ("sv", "SWEDISH"), ("tr", "TURKISH"),
    )
}  # fmt: skip
# an alphabet that one language on wordfreq's lists is written in (Chinese and Japanese
# are rated as ``segmented`` cuts them; Korean's frequencies need MeCab, not installed)
LANGUAGE_OF_SCRIPT = {
    "CYRILLIC": "ru", "GREEK": "el", "HEBREW": "he", "ARABIC": "ar", "DEVANAGARI": "hi",
    "BENGALI": "bn", "TAMIL": "ta",
}  # fmt: skip
_KNOWN_ZIPF = 3.0  # one word in a million: an English word anyone knows
_ENGLISH_SHARE = 0.8  # of a text's words known so, and it is English without a look further
_LEAD = 1.2  # another language must rate the words this much commoner than English does


def _script(word: str) -> str:
    return unicodedata.name(word[0], "LATIN").split(" ")[0]


@functools.lru_cache(maxsize=8192)
def _letter_words(text: str) -> tuple[tuple[str, ...], str]:
    """The words of letters of ``text`` outside Chinese writing, in lower case, and the
    alphabet most of them are written in ("LATIN" when there are none)."""
    words = tuple(w.lower() for w in LETTER_WORD.findall(CJK_RUN.sub(" ", text)))
    script = Counter(_script(w) for w in words).most_common(1)[0][0] if words else "LATIN"
    return words, script


@functools.lru_cache(maxsize=8192)
def language_of(text: str) -> str:
    """wordfreq's code for the language ``text`` is written in: "en" when most of its words
    are common English words (names and figures aside, any English sentence); for Latin
    letters otherwise, among the languages whose stop words it holds (``STOP_WORDS``), the
    one in which its words are commonest, if ahead of English by ``_LEAD``; for another
    alphabet its language (``LANGUAGE_OF_SCRIPT``: Russian for Cyrillic, Arabic for the
    Arabic alphabet), "" when wordfreq lists none. A Spanish interview's words, rated as
    English, were all rare, so the map numbered "Gracias por invitarme." as the most
    specific sentence of its part."""
    from wordfreq import zipf_frequency

    words, script = _letter_words(text)
    if not words:
        return "en"
    if script != "LATIN":
        return LANGUAGE_OF_SCRIPT.get(script, "")  # "": no word list to rate them by
    english = [zipf_frequency(w, "en") for w in words]
    if sum(z >= _KNOWN_ZIPF for z in english) >= _ENGLISH_SHARE * len(words):
        return "en"
    best, score = "en", sum(english) * _LEAD
    for language, stop in STOP_WORDS.items():
        if stop.isdisjoint(words):
            continue
        rated = sum(zipf_frequency(w, language, wordlist="small") for w in words)
        if rated > score:
            best, score = language, rated
    return best


# the name a prompt gives the language of notes not in English (``writing_language``)
LANGUAGE_NAMES = {
    "es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "da": "Danish", "nb": "Norwegian", "sv": "Swedish", "tr": "Turkish",
    "ru": "Russian", "el": "Greek", "he": "Hebrew", "ar": "Arabic", "hi": "Hindi",
    "bn": "Bengali", "ta": "Tamil", "HANGUL": "Korean", "THAI": "Thai",
}  # fmt: skip
_KANA = re.compile(r"[\u3040-\u30ff]")


def writing_language(text: str) -> str:
    """The name of the language ``text`` is written in ("Spanish", "Chinese"), for a prompt
    to write in it; "" for English, or a language with no name here. Chinese or Japanese
    when its characters outnumber its other words (a Japanese text writes kana among
    them). The embedded models wrote a Spanish interview's brief in English, and one of two
    Chinese podcasts' in both ("The company has been囤 chips")."""
    ideographs = "".join(CJK_RUN.findall(text))
    words, script = _letter_words(text)
    if len(ideographs) > len(words):
        return "Japanese" if len(_KANA.findall(ideographs)) * 10 >= len(ideographs) else "Chinese"
    # an alphabet with no word list ("" from ``language_of``): its name, if it has one here
    return LANGUAGE_NAMES.get(language_of(text) or script, "")
