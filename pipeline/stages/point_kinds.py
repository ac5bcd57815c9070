"""What kind of text a map point is: a question asked (not a claim), a claim (content
words, one of them in lower case or a figure), or a topic's label. The map keeps claims
(``map_stage``), the briefs carry them (``points.pick_points``), and the overview and the
cross-source statements are held to the same test.
"""

from __future__ import annotations

import re

from pipeline.text import (
    CJK_RUN,
    LOWER_CASE_WORD,
    QUESTION_MARKS,
    plain_words,
    sentences_of,
    word_count,
)

FIGURE = re.compile(r"\d+(?:[.,]\d+)*")  # a number as a point writes it: "2,000", "4.0"


# a text's start, past the discourse markers a speaker opens with ("So, ...", "And ...")
_AFTER_MARKERS = r"^(?:(?:so|and|but|okay|ok|well|now|then|um|uh|yeah),?\s+)*"

# a question asked, not reported: its first word (after a discourse marker) is an
# auxiliary or a question word and it ends within 100 characters ("Can I just follow up
# here?", not "He asked what ...?" nor "which is deployment, ..., tacit knowledge?")
_ASKED = re.compile(
    _AFTER_MARKERS
    + r"(?:can|could|would|will|do|does|did|is|are|was|were|have|has|should|shall|may|might|"
    r"what|why|how)\b[^.!?]{0,100}\?",
    re.IGNORECASE,
)


# a question asked as a statement: "So I'm curious from your perspective, can Chinese
# companies really become global forces if they're going to be limited by ... the chip
# shortages." (003's host, one of its key facts)
_WONDERING = re.compile(
    r"\bI(?:['’]m| am| was|['’]d be| would be)\s+(?:curious|wondering)\b|"
    r"\bI (?:have to |do |can['’]t help but )?wonder\b"
)
# a question written without its question mark: "Is it 'veiled racism' to point out how
# China continues to wield the great firewall ... et al." (002's key fact)
_INVERTED = re.compile(
    _AFTER_MARKERS + r"(?:is|are|was|were|do|does|did|can|could|should|would|will|has|have)\s+"
    r"(?:it|they|you|we|he|she|there|this|that|these|those)\b",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    """Whether a text asks rather than states: its first or last sentence is a question,
    or it opens with one (the speech-to-text often writes the next word in lower case,
    "Can I just follow up here? or so is what ...", so a question asked at the start
    counts whatever follows it), or it asks without the mark: the speaker says they are
    curious or wonder, or it opens with a verb before its subject ("Is it ...")."""
    said = sentences_of(text)
    return (
        any(s.rstrip().endswith(QUESTION_MARKS) for s in said[:1] + said[-1:])
        or bool(_ASKED.match(text.strip()))
        or bool(_WONDERING.search(text))
        or bool(_INVERTED.match(text.strip()))
    )


def is_claim(text: str) -> bool:
    """Three content words or more, one of them written in lower case or a figure (names
    and a title alone claim nothing: "China's Centennial National Humiliation" was one of
    000's key facts, "Baidu and the Beijing Academy of AI." a point of 004), and not a
    question (a small model copies the host's questions as key points: "Can I just
    follow up here? Or so is what you're saying that we're seeing all these open source
    AI companies ...")."""
    words = plain_words(text)
    said = (
        any(w in words for w in LOWER_CASE_WORD.findall(text))
        or bool(FIGURE.search(text))
        or any(CJK_RUN.fullmatch(w) for w in words)  # Chinese writing has no lower case
    )
    return len(words) >= 3 and said and not is_question(text)


def is_label(text: str) -> bool:
    """A topic's name, not a claim: two words or fewer and no figure. For a chunk of
    talk about the government's view of AI, the 1.5B once wrote its four points as
    "Asian cultures", "government attitude", "self-driving cars" and "The government
    work report" (three words may be a terse claim: "Export chips limited")."""
    return word_count(text) <= 2 and not FIGURE.search(text)
