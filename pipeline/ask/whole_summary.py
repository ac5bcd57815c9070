"""A question that asks for a summary of the whole, answered with the brief's overview.

"Summarize the whole meeting." (QMSum's general question, one per meeting) names no
subject to search for: its words found a meeting's closing lines ("a whole-school
approach", "meet in private for the remainder of the meeting") and the model refused.
What answers it is already written, and grounded: the overview of the brief `brief run`
made (a source's, when the question is about one source or the corpus holds one; each
named source's in turn, when the question names them; else the cross-source brief's),
each sentence with the passages it was cited to. Those passages are checked against the
source files as any answer's are; a sentence none of whose passages still matches is
left out. No model call.

A question names a source by its id ("Summarize source 002."), by words of its title or
show that no other source's holds ("Summarize the Big Technology Podcast episode.",
"What is the interview with Grace Shao about?": ``titled``), or by its kind when it is
the only one of that kind ("What is the thread about?": the one forum thread,
``of_its_kind``). Both were answered with the cross-source overview, or refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from wordfreq import zipf_frequency

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


_TITLE_WORD = re.compile(r"[^\W_](?:[\w'’-]*[^\W_])?")
_WHOLE_WORD = re.compile(rf"^{_WHOLE}$", re.IGNORECASE)
TITLE_WORD_ZIPF = 5.5  # a title's word rarer than this names it ("Technology"; not "Just Might")
# the word that joins a kind of source to who is in it: "the interview with Grace Shao"
_JOINING = re.compile(r"\s*\b(?:with|by|from|featuring|of)\s*$", re.IGNORECASE)


def _words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _TITLE_WORD.findall(text)]


def titled(question: str, names: Mapping[str, Sequence[str]]) -> tuple[list[str], list[str]]:
    """The source whose ``names`` (its title, its show) hold the longest run of
    ``question``'s words (two or more, one of them rarer in English than
    ``TITLE_WORD_ZIPF`` and not a kind of source such as "podcast") that no other
    source's hold, as ([the question without the run, the question with it said as "the
    source"], [that source's id]); ([the question], []) when none. A joining "with" or
    "by" before the run goes with it: "What is the interview with Grace Shao about?" is
    "What is the interview about?" of 003, "Give me a summary of the view from Beijing"
    is "Give me a summary of the source" of 004."""
    spans = [(m.start(), m.end()) for m in _TITLE_WORD.finditer(question)]
    words = _words(question)
    held = {sid: f" {' '.join(_words(' '.join(texts)))} " for sid, texts in names.items()}
    for size in range(len(words), 1, -1):
        for start in range(len(words) - size + 1):
            run = words[start : start + size]
            if not any(
                zipf_frequency(w, "en") < TITLE_WORD_ZIPF and not _WHOLE_WORD.match(w) for w in run
            ):
                continue
            owners = [sid for sid, text in held.items() if f" {' '.join(run)} " in text]
            if len(owners) != 1:
                continue
            head = question[: spans[start][0]]
            tail = re.sub(r"^['’]s\b", "", question[spans[start + size - 1][1] :])
            said = re.sub(r"\bthe\s+the\b", "the", f"{head} the source {tail}", flags=re.I)
            said = re.sub(rf"\bsource\s+({_WHOLE})\b", r"\1", said, flags=re.I)
            without = f"{_JOINING.sub('', head)} {tail}"
            return [" ".join(without.split()), " ".join(said.split())], owners
    return [question], []


# a kind of source a question may name, said as the word a summary question takes, and the
# formats (``inputs.formats``) of that kind
_KINDS = {
    re.compile(r"\b(?:forum\s+)?thread\b|\bforum\b", re.IGNORECASE): ("thread", {"thread"}),
}


def of_its_kind(question: str, formats: Mapping[str, str]) -> tuple[str, list[str]]:
    """The one source whose format is of the kind ``question`` names ("the forum thread":
    the one thread among podcasts), with the kind said as one word ("the thread"); the
    question as it is and no id when it names no kind, or several sources are of it."""
    for kind, (word, kind_formats) in _KINDS.items():
        if kind.search(question):
            found = [sid for sid, f in formats.items() if f in kind_formats]
            if len(found) == 1:
                return kind.sub(word, question, count=1), found
    return question, []


def _named(out_dir: Path, source_ids: Sequence[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Each source's names (its title, its show's) and format, from its brief and the
    manifest; a file that cannot be read names nothing."""
    names: dict[str, list[str]] = {}
    for sid in source_ids:
        try:
            brief = json.loads((out_dir / "sources" / f"{sid}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        meta = brief.get("metadata") or {} if isinstance(brief, dict) else {}
        said = [brief.get("title"), meta.get("title"), meta.get("show")]
        names[sid] = [str(t) for t in said if t]
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        formats = {
            str(s["source_id"]): str(s.get("format", ""))
            for s in manifest.get("sources", [])
            if s.get("source_id") in source_ids
        }
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        formats = {}
    return names, formats


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
    of ``source_ids`` (the corpus's: the cross-source brief's; those the question is
    limited to, or one: each one's own), or, for the sources the question names among
    them (``named_sources``: "Summarize source 002.", "What is 003 about?", "Summarize
    sources 001 and 003."; ``titled``, ``of_its_kind``), each one's overview in turn;
    None when the question asks something else or no overview with a verified citation
    is there."""
    question_alone, named = named_sources(question, source_ids)
    if not named and len(source_ids) > 1:
        names, formats = _named(out_dir, source_ids)
        rewrites, named = titled(question, names)
        if not named:
            said, named = of_its_kind(question, formats)
            rewrites = [said]
        question_alone = next((q for q in rewrites if asks_for_summary(q)), rewrites[0])
    if not asks_for_summary(question_alone):
        return None
    cross = None if named or len(source_ids) == 1 else _overview_of(out_dir, source_ids)
    if cross is not None and sorted(cross.get("source_ids") or []) != sorted(source_ids):
        cross = None  # asked of some sources (--source): each one's overview
    own = [] if cross is not None else (named or list(source_ids))
    briefs = [cross] if cross is not None else [_overview_of(out_dir, [s]) for s in own]
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
        summary_of=[b["source_id"] for b in briefs if b is not None and b.get("source_id")],
    )
