""" "What do the sources say about X?", answered with the cross-source theme on X.

Asked of the whole corpus, such a question wants each source's side on one subject. The
passages its words find are the few that share most of them: "What do the sources say
about US export controls on chips?" found 004's sentence on foreign open-source
architecture, and the answer was "China sees it as a vulnerability". `brief run` has
already grouped what the sources say on their shared subjects (the cross-source brief's
themes, each statement cited), so a question that asks what the sources say about the
subject of one of them is answered with that theme: its summary's sentences, then what
each source says on it, each with the passages it was cited to, checked against the
source files as any answer's are (``whole_summary.brief_answer``). No model call.

A theme answers when the question's subject is mostly (``SUBJECT_SHARE`` of its stems)
said in the theme's title, summary and statements, and its title or the statements of
two of its sources name part of it (``matching_theme``); else the question is searched
and asked as any other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.ask.whole_summary import brief_answer, cross_brief
from pipeline.models import Answer
from pipeline.text import cited_sentences, stems

# "What do the sources say about ...?", "What do the podcasts think of ...?"
_ABOUT = re.compile(
    r"^\s*what\s+do\s+(?:the\s+|these\s+|all\s+(?:the\s+)?|both\s+|the\s+different\s+)?"
    r"(?:sources|podcasts|episodes|conversations|transcripts|speakers|guests|interviews)\s+"
    r"(?:say|think|tell\s+us|discuss|argue|report)\s+(?:about|on|of|regarding)\s+"
    r"(?P<subject>.+?)\s*[.?!]*\s*$",
    re.IGNORECASE,
)
SUBJECT_SHARE = 2 / 3  # of the subject's stems, said in the theme


def subject_asked(question: str) -> str | None:
    """The subject of a question that asks what the sources say about it, else None."""
    found = _ABOUT.match(question)
    return found["subject"] if found else None


def matching_theme(subject: str, themes: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The theme on ``subject``: of those whose words say ``SUBJECT_SHARE`` of its stems
    at least and whose title names part of it, or whose statements of two sources or
    more do ("chips" under "AI Export Controls"; not "DeepSeek", which one summary
    sentence of "Silicon Valley vs. China" names), the one whose title names most of
    them, then that says most, then whose statements say it most often; the first of
    equals."""
    asked = stems(subject)
    best, best_key = None, (0, 0.0, 0)
    for theme in themes:
        title = stems(theme["title"])
        listed = [(stems(s["text"]), tuple(s["source_ids"])) for s in theme["by_source"]]
        said = title.union(stems(theme["summary"]["text"]), *(words for words, _ in listed))
        share = len(asked & said) / len(asked) if asked else 0.0
        saying = [ids for words, ids in listed if asked & words]
        if share < SUBJECT_SHARE or not (asked & title or len(set(saying)) >= 2):
            continue
        key = (len(asked & title), share, len(saying))
        if best is None or key > best_key:
            best, best_key = theme, key
    return best


def theme_answer(
    question: str, out_dir: Path, texts: dict[str, str], source_ids: Sequence[str]
) -> Answer | None:
    """The cross-source theme on the subject the question asks the sources about
    (``subject_asked``, ``matching_theme``) as its answer: the theme's summary sentences,
    then each statement it lists, with their verified passages; None when the question
    asks something else, is asked of some sources only, or no theme is on its subject."""
    subject = subject_asked(question)
    if subject is None or len(source_ids) < 2:
        return None
    brief = cross_brief(out_dir, source_ids)
    theme = matching_theme(subject, brief.get("themes") or []) if brief else None
    if theme is None:
        return None
    cited = [
        *cited_sentences(theme["summary"]["text"], theme.get("sentence_citations", [])),
        *((s["text"], s["citations"]) for s in theme["by_source"]),
    ]
    answer = brief_answer(question, cited, texts)
    return None if answer is None else answer.model_copy(update={"theme": theme["title"]})
