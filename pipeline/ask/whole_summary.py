"""A question that asks for a summary of the whole, answered with the brief's overview.

"Summarize the whole meeting." (QMSum's general question, one per meeting) names no
subject to search for: its words found a meeting's closing lines ("a whole-school
approach", "meet in private for the remainder of the meeting") and the model refused.
What answers it is already written, and grounded: the overview of the brief `brief run`
made (a source's, when the question is about one source or the corpus holds one; each
named source's in turn, when the question names them by id, title or kind:
``pipeline.ask.sources_named``; else the cross-source brief's), each sentence with the
passages it was cited to. Those passages are checked against the source files as any
answer's are; a sentence none of whose passages still matches is left out. No model call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from pipeline.ask.sources_named import WHOLE, SourceNames, named_sources, of_its_kind, titled
from pipeline.models import Answer, CitedPassage, Passage, Statement
from pipeline.outputs.verify import passage_problem
from pipeline.text import cited_sentences

# "Summarize the whole meeting.", "Give me a summary of this episode", "What was the
# meeting about?": a summary asked for, of the whole, with nothing more named
_SUMMARY = re.compile(
    rf"^\s*(?:please\s+)?(?:"
    rf"(?:summari[sz]e|recap|sum\s+up)\s+(?:(?:the|this|these|that)\s+)?(?:(?:whole|entire|full)\s+)?(?:{WHOLE})"
    rf"|(?:give|write)\s+(?:me\s+)?(?:a|an|the)\s+(?:short\s+|brief\s+)?(?:summary|overview)"
    rf"(?:\s+of\s+(?:(?:the|this|these|that)\s+)?(?:(?:whole|entire|full)\s+)?(?:{WHOLE}))?"
    rf"|what\s+(?:is|was|are|were)\s+(?:the|this|these|that)\s+(?:{WHOLE})\s+(?:all\s+)?about"
    rf")\s*[.?!]*\s*$",
    re.IGNORECASE,
)


def asks_for_summary(question: str) -> bool:
    """Whether ``question`` asks for a summary of the whole and names nothing else."""
    return bool(_SUMMARY.match(question))


def _read(path: Path) -> dict | None:
    try:
        brief = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return brief if isinstance(brief, dict) else None


def _with_overview(brief: dict | None) -> dict | None:
    return brief if brief is not None and brief.get("overview") else None


def cross_brief(out_dir: Path, source_ids: Sequence[str]) -> dict | None:
    """The cross-source brief (``brief.json``) when it is of ``source_ids``, no more and no
    fewer (asked of some sources, ``--source``, it is not theirs)."""
    brief = _read(out_dir / "brief.json")
    if brief is None or sorted(brief.get("source_ids") or []) != sorted(source_ids):
        return None
    return brief


def summary_answer(
    question: str,
    out_dir: Path,
    texts: dict[str, str],
    source_ids: Sequence[str],
    names: SourceNames | None = None,
) -> Answer | None:
    """The brief's overview as the answer to a summary of the whole (``asks_for_summary``)
    of ``source_ids`` (the corpus's: the cross-source brief's; those the question is
    limited to, or one: each one's own), or, for the sources the question names among
    them (``named_sources``: "Summarize source 002.", "What is 003 about?", "Summarize
    sources 001 and 003."; ``titled``, ``of_its_kind``), each one's overview in turn;
    None when the question asks something else or no overview with a verified citation
    is there. ``names``: the run's ``SourceNames`` (read from ``out_dir`` when not given)."""
    question_alone, named = named_sources(question, source_ids)
    if not named and len(source_ids) > 1:
        names = names or SourceNames.read(out_dir)
        rewrites, named = titled(question, names.all_titles, set(source_ids))
        if not named:
            said, named = of_its_kind(question, names.formats_of(source_ids))
            rewrites = [said]
        question_alone = next((q for q in rewrites if asks_for_summary(q)), rewrites[0])
    if not asks_for_summary(question_alone):
        return None
    # asked of some sources (--source), or of one: each one's overview
    cross = (
        None if named or len(source_ids) == 1 else _with_overview(cross_brief(out_dir, source_ids))
    )
    briefs = (
        [cross]
        if cross is not None
        else [_with_overview(_read(out_dir / "sources" / f"{s}.json")) for s in named or source_ids]
    )
    cited = [
        (sentence, passages)
        for brief in briefs
        if brief is not None
        for sentence, passages in cited_sentences(
            brief["overview"], brief.get("overview_citations", [])
        )
    ]
    answer = brief_answer(question, cited, texts)
    if answer is None:
        return None
    summary_of = [b["source_id"] for b in briefs if b is not None and b.get("source_id")]
    return answer.model_copy(update={"summary_of": summary_of})


def brief_answer(
    question: str, said: Sequence[tuple[str, Sequence[dict]]], texts: dict[str, str]
) -> Answer | None:
    """An answer of a brief's sentences, each with the passages it was cited to (JSON, as
    in ``brief.json``): a passage that no longer matches its source file is left out, and
    a sentence with none left; None when no sentence is left."""
    ids: dict[tuple[str, int, int], CitedPassage] = {}
    statements = []
    for sentence, passages in said:
        refs = []
        for passage in map(Passage.model_validate, passages):
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
