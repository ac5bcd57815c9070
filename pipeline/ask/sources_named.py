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

import functools
import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
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
    named = [s for s in source_ids if s in question and _id_in(s).search(question)]
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


class Titles:
    """Each source's names (its title, its show) as its words, and which sources hold
    each word, so that a question's runs of words are looked up, not searched for in
    every title (1,000 sources: about 40 ms a question searched)."""

    def __init__(self, names: Mapping[str, Sequence[str]]) -> None:
        self.held = {sid: f" {' '.join(_words(' '.join(texts)))} " for sid, texts in names.items()}
        self.by_word: dict[str, set[str]] = {}
        for sid, text in self.held.items():
            for word in set(text.split()):
                self.by_word.setdefault(word, set()).add(sid)

    def owners(self, run: Sequence[str], among: Collection[str] | None) -> list[str]:
        """The sources (of ``among``, when given) whose names hold ``run`` in a row."""
        found = set.intersection(*(self.by_word.get(w, set()) for w in run))
        phrase = f" {' '.join(run)} "
        return sorted(s for s in found if (among is None or s in among) and phrase in self.held[s])


def titled(
    question: str, titles: Titles, among: Collection[str] | None = None
) -> tuple[list[str], list[str]]:
    """The source (of ``among``, when given) whose names hold the longest run of
    ``question``'s words (two or more, one of them rarer in English than
    ``TITLE_WORD_ZIPF`` and not a kind of source such as "podcast") that no other
    source's hold, as ([the question without the run, the question with it said as "the
    source"], [that source's id]); ([the question], []) when none. A joining "with" or
    "by" before the run goes with it: "What is the interview with Grace Shao about?" is
    "What is the interview about?" of 003, "Give me a summary of the view from Beijing"
    is "Give me a summary of the source" of 004."""
    spans = [(m.start(), m.end()) for m in _TITLE_WORD.finditer(question)]
    words = _words(question)
    for size in range(len(words), 1, -1):
        for start in range(len(words) - size + 1):
            run = words[start : start + size]
            owners = titles.owners(run, among)  # first: the word list loads only if needed
            if len(owners) != 1 or not any(
                zipf_frequency(w, "en") < TITLE_WORD_ZIPF and not _WHOLE_WORD.match(w) for w in run
            ):
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


@dataclass(frozen=True)
class SourceNames:
    """What names each source of a run, read once per `brief ask` session (a question
    reads no file: at 1,000 transcripts, reading their briefs cost about 0.2 s): the
    title and show its file gives, the title its brief was given (printed beside its
    passages; a plain transcript's is the model's own, "China's Innovation Model": words a
    question may use for a subject too, so they name a source only when a summary is
    asked), and its format."""

    given: Mapping[str, Sequence[str]] = field(default_factory=dict)
    written: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, out_dir: Path) -> SourceNames:
        """From the run's source briefs and manifest; a file that cannot be read names
        nothing."""
        given: dict[str, list[str]] = {}
        written: dict[str, str] = {}
        for path in sorted((out_dir / "sources").glob("*.json")):
            try:
                brief = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(brief, dict) or not brief.get("source_id"):
                continue
            sid, meta = str(brief["source_id"]), brief.get("metadata") or {}
            given[sid] = [str(t) for t in (meta.get("title"), meta.get("show")) if t]
            if brief.get("title"):
                written[sid] = " ".join(str(brief["title"]).split())
        try:
            manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
            formats = {str(s["source_id"]): str(s.get("format", "")) for s in manifest["sources"]}
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            formats = {}
        return cls(given, written, formats)

    @functools.cached_property
    def file_titles(self) -> Titles:
        """The titles and shows the files give: what names a source in any question."""
        return Titles(self.given)

    @functools.cached_property
    def all_titles(self) -> Titles:
        """With the briefs' own titles too: what names a source in a summary question."""
        both = {s: list(self.given.get(s, ())) for s in {*self.given, *self.written}}
        for sid, title in self.written.items():
            both[sid].append(title)
        return Titles(both)

    def formats_of(self, source_ids: Sequence[str]) -> dict[str, str]:
        return {sid: self.formats[sid] for sid in source_ids if sid in self.formats}


def asked_of(question: str, names: SourceNames, source_ids: Sequence[str]) -> list[str]:
    """The sources among ``source_ids`` that a question about something names, in their
    order, when it is asked of them alone: by id, by words of its file's title or show,
    by its kind ("How do the thread and 004 differ on chips?": 002 and 004). None (all
    of them) when it names none, or names one while it asks what several sources or
    parties say (``several.asks_several``: "... according to the monologue and Grace
    Shao?" names 003 by its title's words and 001 by a description)."""
    if len(source_ids) < 2:
        return []
    found = {
        *named_sources(question, source_ids)[1],
        *titled(question, names.file_titles, set(source_ids))[1],
        *of_its_kind(question, names.formats_of(source_ids))[1],
    }
    if len(found) < 2 and asks_several(question):
        return []
    return [s for s in source_ids if s in found]
