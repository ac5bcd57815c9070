"""Which sources a question names: by id, by words of its title or show, or by its kind.

"Summarize source 002.", "What is the interview with Grace Shao about?", "What does the
thread say about export controls?": a question that names a source asks about that
source. Named by its id ("002", "sources 001 and 003"), by words of its title or show
that no other source's hold ("the Big Technology Podcast episode", "the interview with
Grace Shao": ``titled``), or by its kind when it is the only one of that kind ("the
thread": the one forum thread among podcasts, ``of_its_kind``). A summary of a named
source is its brief's overview (``pipeline.ask.whole_summary``); any other question
about one named source is asked of that source alone (``asked_of``): asked of all five
seeds, "What does the thread say about export controls?" found no passage of the thread
among the five the model reads (its first is seventh), and an answer from another source
would have been printed as the thread's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from wordfreq import zipf_frequency

from pipeline.ask.several import asks_several

WHOLE = (
    r"(?:meeting|episode|podcast|conversation|interview|discussion|call|session|talk|"
    r"transcript|source|recording|hearing|show|thread)s?"
)


def named_sources(question: str, source_ids: Sequence[str]) -> tuple[str, list[str]]:
    """``question`` with the source ids it names together ("source 002", "003", "sources
    001 and 003") said as "the source", and those ids, in the corpus's order; the
    question as it is and no id when it names none. "Summarize source 002." was refused:
    its words found 004's "... you were summarizing there"."""
    named = [s for s in source_ids if _id_in(s).search(question)]
    if not named:
        return question, []
    one = "|".join(_id_in(s).pattern for s in named)
    said = rf"(?:\b(?:the\s+)?(?:{WHOLE})\s+)?(?:{one})(?:\s*(?:,|and|&)\s*(?:{one}))*"
    return re.sub(said, "the source", question, count=1, flags=re.IGNORECASE), named


def _id_in(source_id: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.]){re.escape(source_id)}(?![\w])")


_TITLE_WORD = re.compile(r"[^\W_](?:[\w'’-]*[^\W_])?")
_WHOLE_WORD = re.compile(rf"^{WHOLE}$", re.IGNORECASE)
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
            said = re.sub(rf"\bsource\s+({WHOLE})\b", r"\1", said, flags=re.I)
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


def names_and_formats(
    out_dir: Path, source_ids: Sequence[str], *, written_titles: bool
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Each source's names and format, from its brief and the manifest; a file that
    cannot be read names nothing. Names: the title and show its file gives, and with
    ``written_titles`` the title its brief was given (a plain transcript's is the model's
    own, "China's Innovation Model": words a question may use for a subject too, so they
    name a source only when a summary is asked)."""
    names: dict[str, list[str]] = {}
    for sid in source_ids:
        try:
            brief = json.loads((out_dir / "sources" / f"{sid}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(brief, dict):
            continue
        meta = brief.get("metadata") or {}
        said = [brief.get("title") if written_titles else None, meta.get("title"), meta.get("show")]
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


def asked_of(question: str, out_dir: Path, source_ids: Sequence[str]) -> list[str]:
    """The sources among ``source_ids`` that a question about something names, in their
    order, when it is asked of them alone: by id, by words of its file's title or show,
    by its kind ("How do the thread and 004 differ on chips?": 002 and 004). None (all
    of them) when it names none, or names one while it asks what several sources or
    parties say (``several.asks_several``: "... according to the monologue and Grace
    Shao?" names 003 by its title's words and 001 by a description)."""
    if len(source_ids) < 2:
        return []
    names, formats = names_and_formats(out_dir, source_ids, written_titles=False)
    found = {
        *named_sources(question, source_ids)[1],
        *titled(question, names)[1],
        *of_its_kind(question, formats)[1],
    }
    if len(found) < 2 and asks_several(question):
        return []
    return [s for s in source_ids if s in found]
