"""A question that asks for a summary of the whole, answered with the brief's overview.

"Summarize the whole meeting." (QMSum's general question, one per meeting) names no
subject to search for: its words found a meeting's closing lines ("a whole-school
approach", "meet in private for the remainder of the meeting") and the model refused.
What answers it is already written, and grounded: the overview of the brief `brief run`
made (a source's, when the question is about one source or the corpus holds one; each
named source's in turn, when the question names them by id; else the cross-source
brief's), each sentence with the passages it was cited to. Those
passages are checked against the source files as any answer's are; a sentence none of
whose passages still matches is left out. No model call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from pipeline.models import Answer, CitedPassage, Passage, Statement
from pipeline.outputs.markdown import cited_sentences
from pipeline.outputs.verify import passage_problem

_WHOLE = (
    r"(?:meeting|episode|podcast|conversation|interview|discussion|call|session|talk|"
    r"transcript|source|recording|hearing|show|thread)s?"
)
# "Summarize the whole meeting.", "Give me a summary of this episode", "What was the
# meeting about?": a summary asked for, of the whole, with nothing more named
_SUMMARY = re.compile(
    rf"^\s*(?:please\s+)?(?:"
    rf"(?:summari[sz]e|recap|sum\s+up)\s+(?:(?:the|this|these|that)\s+)?(?:(?:whole|entire|full)\s+)?(?:{_WHOLE})"
    rf"|(?:give|write)\s+(?:me\s+)?(?:a|an|the)\s+(?:short\s+|brief\s+)?(?:summary|overview)"
    rf"(?:\s+of\s+(?:(?:the|this|these|that)\s+)?(?:(?:whole|entire|full)\s+)?(?:{_WHOLE}))?"
    rf"|what\s+(?:is|was|are|were)\s+(?:the|this|these|that)\s+(?:{_WHOLE})\s+(?:all\s+)?about"
    rf")\s*[.?!]*\s*$",
    re.IGNORECASE,
)


def asks_for_summary(question: str) -> bool:
    """Whether ``question`` asks for a summary of the whole and names nothing else."""
    return bool(_SUMMARY.match(question))


def named_sources(question: str, source_ids: Sequence[str]) -> tuple[str, list[str]]:
    """``question`` with the source ids it names together ("source 002", "003", "sources
    001 and 003") said as "the source", and those ids, in the corpus's order; the
    question as it is and no id when it names none. "Summarize source 002." was refused:
    its words found 004's "... you were summarizing there"."""
    named = [s for s in source_ids if _id_in(s).search(question)]
    if not named:
        return question, []
    one = "|".join(_id_in(s).pattern for s in named)
    said = rf"(?:\b(?:the\s+)?(?:{_WHOLE})\s+)?(?:{one})(?:\s*(?:,|and|&)\s*(?:{one}))*"
    return re.sub(said, "the source", question, count=1, flags=re.IGNORECASE), named


def _id_in(source_id: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.]){re.escape(source_id)}(?![\w])")


def _overview_of(out_dir: Path, source_ids: Sequence[str]) -> dict | None:
    """The brief whose overview answers: the one source's, else the cross-source one."""
    path = (
        out_dir / "sources" / f"{source_ids[0]}.json"
        if len(source_ids) == 1
        else out_dir / "brief.json"
    )
    try:
        brief = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return brief if isinstance(brief, dict) and brief.get("overview") else None


def summary_answer(
    question: str, out_dir: Path, texts: dict[str, str], source_ids: Sequence[str]
) -> Answer | None:
    """The brief's overview as the answer to a summary of the whole (``asks_for_summary``)
    of ``source_ids`` (the corpus's, or those the question is limited to), or, for the
    sources the question names among them (``named_sources``: "Summarize source 002.",
    "What is 003 about?", "Summarize sources 001 and 003."), each one's overview in turn;
    None when the question asks something else or no overview with a verified citation
    is there."""
    question_alone, named = named_sources(question, source_ids)
    if not asks_for_summary(question_alone):
        return None
    briefs = (
        [_overview_of(out_dir, [s]) for s in named]
        if named
        else [_overview_of(out_dir, source_ids)]
    )
    ids: dict[tuple[str, int, int], CitedPassage] = {}
    statements = []
    for brief in (b for b in briefs if b is not None):
        cited = [
            [Passage.model_validate(p) for p in passages]
            for passages in brief.get("overview_citations", [])
        ]
        for sentence, passages in cited_sentences(brief["overview"], cited):
            refs = []
            for passage in passages:
                if passage_problem(passage.model_dump(), texts) is not None:
                    continue
                key = (passage.source_id, passage.char_start, passage.char_end)
                if key not in ids:
                    ids[key] = CitedPassage(
                        id=len(ids) + 1, label=passage.label, score=0.0, passage=passage
                    )
                refs.append(ids[key].id)
            if refs:
                statements.append(Statement(text=sentence, citations=refs))
    if not statements:
        return None
    return Answer(
        question=question,
        answered=True,
        answer=" ".join(s.text for s in statements),
        statements=statements,
        citations=list(ids.values()),
        reason=None,
        from_brief=True,
    )
