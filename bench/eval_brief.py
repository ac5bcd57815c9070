"""Score the briefs of a run against a key-fact set, with no model call.

    .venv/bin/python bench/eval_brief.py                     # outputs/, both splits
    .venv/bin/python bench/eval_brief.py --out /tmp/run --split tune
    .venv/bin/python bench/eval_brief.py --json              # machine-readable
    .venv/bin/python bench/eval_brief.py --out /tmp/zh --split check --data bench/data/zh

Facts (bench/data/brief_facts.jsonl) and cross-source themes (brief_themes.jsonl) each
carry 2-3 keyword groups; a group is ``alternative|alternative``, an alternative a word
or phrase, ``word*`` a prefix. A fact is covered when every group matches the text:
words are compared as PyStemmer English stems (the BM25 stemmer), numbers with their
thousands commas dropped ("50,000" == "50000"), phrases as consecutive words, Chinese
writing as its words (``pipeline.text.segmented``).

What is model-written prose: every string in OUT/sources/<id>.json and OUT/brief.json,
walked generically (new fields count without a change here), except (1) passages (any
dict with the keys of pipeline.outputs.passages.PASSAGE_KEYS: quotes and citations are the
source's words), (2) the values of the keys in SKIP_KEYS (ids, statuses, speakers,
metadata), (3) strings copied from the brief's metadata and bare file names (a source
brief's title is its file's title or name) and (4) the name lists of NAME_KEYS, which
the names check scores instead. Strings are joined with a break, so a phrase never
matches across two of them; the groups of one fact may match in different strings.
Another tool's run (OUT/sources/<id>.md and OUT/brief.md, plain text, no manifest: e.g.
the peer of bench/peer_run.py) is all prose and cites nothing; its transcripts are
``seeds/``'s.

Columns: source facts covered by the source brief (``brief``), by its titles, theme
summaries and overview alone (``summaries``: not what it lists, its key facts and its
themes' points, which under the embedded 1.5B's policy are the transcript's own
sentences), and by the source brief plus the cross-source brief (``+cross``); the same
coverage for two references cut to the same number of words as that source brief: the
transcript's leading sentences (``lead``) and a TextRank extract (sumy; ``textrank``).
A statement is any dict holding a list of passages (citations, evidence); it is
supported when >= 60% of the content-word stems of its own strings occur in the union
of its cited passages (and a source that a cross-source sentence cites backs it when its
passages hold 60% of the sentence's: ``sources_unbacked``); its names are unshown when a
word of its own strings but its title, written with a capital and not opening a
sentence, is not in those passages (``names_shown``). Themes are matched against
brief.json's prose and the references get the same number of words in total.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import Stemmer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ask.corpus import source_paths  # noqa: E402
from pipeline.inputs.chunking import sentence_pieces  # noqa: E402
from pipeline.inputs.ingest import read_transcript, source_id_for  # noqa: E402
from pipeline.outputs.passages import is_passage  # noqa: E402
from pipeline.text import segmented, sentences_of, tokenize, word_count  # noqa: E402

DATA = ROOT / "bench" / "data"
SKIP_KEYS = frozenset(
    "id source_id source_ids theme_ids point_ids chunk_id chunk_ids status error metadata "
    "speaker timestamp kind chunks_total chunks_failed".split()
)
# what a source brief lists rather than summarises: its key facts and its themes' points
# (map points, which the 1.5B's policy takes from the sentences themselves)
LISTED_KEYS = frozenset({"key_facts", "points"})
NAME_KEYS = {"people": "person", "organisations": "organisation", "organizations": "organisation"}
SUPPORT_SHARE = 0.6
# a source brief titled with its file name
FILE_NAME = re.compile(r"[^\s/]+\.(?:txt|md|markdown|vtt|srt|json|html?|csv)", re.I)
BREAK = "\x00"  # joins strings: never part of a word, so phrases stop at it

_stemmer = Stemmer.Stemmer("english")
_WORD = re.compile(r"(\d+(?:[.,]\d+)*[^\W_]*|[^\W_]+|\x00)(\*?)")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def terms(text: str) -> list[tuple[str, bool]]:
    """(lower-cased word, ends with '*'); '50,000' -> '50000', "China's" -> 'china', 's'."""
    out = []
    for word, star in _WORD.findall(segmented(text.replace("’", "'")).replace(" *", "*")):
        if _THOUSANDS.fullmatch(word):
            word = word.replace(",", "")
        out.append((word.lower(), bool(star)))
    return out


def words(text: str) -> list[str]:
    return [w for w, _ in terms(text)]


@functools.lru_cache(maxsize=4096)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


class Text:
    """A text's words and stems, indexed for keyword lookups."""

    def __init__(self, text: str) -> None:
        self.lower = words(text)
        self.stems = _stemmer.stemWords(self.lower)
        self.at: dict[str, list[int]] = {}
        for i, s in enumerate(self.stems):
            self.at.setdefault(s, []).append(i)

    def _is(self, i: int, word: str, prefix: bool) -> bool:
        if i >= len(self.lower):
            return False
        return self.lower[i].startswith(word) if prefix else self.stems[i] == stem(word)

    def has(self, phrase: str) -> bool:
        """True when the words of ``phrase`` occur here consecutively (stem or prefix)."""
        tokens = terms(phrase)
        if not tokens:
            return False
        first, prefix = tokens[0]
        starts = (
            [i for i, w in enumerate(self.lower) if w.startswith(first)]
            if prefix
            else self.at.get(stem(first), [])
        )
        return any(
            all(self._is(i + j, w, p) for j, (w, p) in enumerate(tokens[1:], 1)) for i in starts
        )

    def matches(self, group: str) -> bool:
        """A keyword group: alternatives separated by '|'."""
        return any(self.has(alt) for alt in group.split("|"))

    def covers(self, keywords: Sequence[str]) -> bool:
        return all(self.matches(group) for group in keywords)


def content_stems(text: str) -> set[str]:
    """Stop words removed, stemmed: the BM25 tokenizer of `brief ask`."""
    return set(tokenize([text])[0])


# ---- names ------------------------------------------------------------------------

# Words that make an entry a clause or a sentence fragment, not a name ("TCM is", "Like").
CLAUSE_WORDS = frozenset(
    "i you he she it we they me him her them my your his its our their this that these those "
    "is are was were be been being am has have had do does did will would can could should "
    "may might must shall not no yes yeah okay ok so like just very really right well um uh "
    "but if because what which who whom when where why how there here then than also".split()
)
# Allowed inside a name, never first or last: "Bank of China", "Ludwig van Beethoven".
JOINERS = frozenset("of the and for de del der van von bin al da di du le la & -".split())
# Places and nationalities: not a person and not an organisation ("China" as a person).
PLACE_NAMES = frozenset(
    "china chinese prc us usa america american uk britain british england europe european "
    "eu west western asia asian japan japanese korea korean taiwan taiwanese singapore india "
    "russia germany france canada mexico beijing shanghai shenzhen hangzhou guangdong "
    "california washington london world".split()
) | {"united states", "u.s", "south korea", "hong kong", "silicon valley", "bay area", "new york"}


def bad_name(name: str, kind: str, organisations: frozenset[str] | set[str] = frozenset()) -> str:
    """Why ``name`` is not a proper name of a person or organisation, or ''.

    Rules, in order: empty; a sentence mark (, ; : ? !) or more than 5 words; a clause
    word (CLAUSE_WORDS, in any case, unless written in capitals like "US"); a word that
    starts lower-case and has no capital (joiners like "of" excepted, not at the ends);
    a place or nationality (PLACE_NAMES); for a person, an entry also listed as an
    organisation in the same brief."""
    tokens = name.replace("’", "'").split()
    if not tokens:
        return "empty"
    if re.search(r"[,;:?!]", name) or len(tokens) > 5:
        return "a phrase, not a name"
    for i, token in enumerate(tokens):
        bare = token.strip("\"'()[].")
        low = bare.lower()
        if low in CLAUSE_WORDS and not bare.isupper():
            return f"clause word {bare!r}"
        joiner = 0 < i < len(tokens) - 1 and low in JOINERS
        # a word with letters of case, all in lower case (Chinese writing has no case)
        cased = bare != bare.upper()
        if cased and bare == low and not any(c.isdigit() for c in bare) and not joiner:
            return f"lower-case word {bare!r}"
    if name.strip().lower().rstrip(".") in PLACE_NAMES:
        return "a place, not " + ("a person" if kind == "person" else "an organisation")
    if kind == "person" and name.casefold() in organisations:
        return "also listed as an organisation"
    return ""


# ---- walking a brief ----------------------------------------------------------------


def model_strings(value: Any, copied: frozenset[str] = frozenset()) -> Iterator[str]:
    """Every model-written string of a brief (see the module docstring)."""
    if isinstance(value, dict):
        if is_passage(value):
            return
        for key, child in value.items():
            if key not in SKIP_KEYS and key not in NAME_KEYS:
                yield from model_strings(child, copied)
    elif isinstance(value, list):
        for child in value:
            yield from model_strings(child, copied)
    elif isinstance(value, str) and value.strip() and not is_copied(value, copied):
        yield value


def is_copied(value: str, copied: frozenset[str]) -> bool:
    """Taken from the brief's metadata, or a bare file name: not written by the model."""
    return value in copied or bool(FILE_NAME.fullmatch(value.strip()))


def copied_strings(brief: dict[str, Any]) -> frozenset[str]:
    metadata = brief.get("metadata")
    return (
        frozenset(str(v) for v in metadata.values()) if isinstance(metadata, dict) else frozenset()
    )


def prose(brief: dict[str, Any]) -> str:
    return f" {BREAK} ".join(model_strings(brief, copied_strings(brief)))


def summaries(brief: dict[str, Any]) -> str:
    """The brief's prose but what it lists (``LISTED_KEYS``): its titles, theme summaries
    and overview."""

    def unlisted(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: unlisted(v) for k, v in value.items() if k not in LISTED_KEYS}
        if isinstance(value, list):
            return [unlisted(v) for v in value]
        return value

    return prose(unlisted(brief))


@dataclass
class Statement:
    text: str
    passages: list[dict[str, Any]]
    untitled: str = ""  # ``text`` without its heading (a title is in title case)


def statements(value: Any) -> Iterator[Statement]:
    """Dicts that hold a list of passages, with their own (direct) model strings."""
    if isinstance(value, dict) and not is_passage(value):
        cited = [
            child
            for key, child in value.items()
            if isinstance(child, list)
            and key not in NAME_KEYS
            and (key in ("citations", "evidence") or (child and all(map(is_passage, child))))
        ]
        if cited:
            own = [(k, v) for k, v in value.items() if isinstance(v, str) and k not in SKIP_KEYS]
            yield Statement(
                " ".join(v for _, v in own),
                [p for c in cited for p in c if is_passage(p)],
                " ".join(v for k, v in own if k != "title"),
            )
        for key, child in value.items():
            if key not in SKIP_KEYS:
                yield from statements(child)
    elif isinstance(value, list):
        for child in value:
            yield from statements(child)


def supported(statement: Statement, share: float = SUPPORT_SHARE) -> bool:
    own = content_stems(statement.text)
    if not own or not statement.passages:
        return False
    return len(own & cited_stems(statement)) >= share * len(own)


def cited_stems(statement: Statement) -> set[str]:
    """The content-word stems of the passages a statement cites."""
    return content_stems(" ".join(str(p["text"]) for p in statement.passages))


def cited_sources(brief: dict[str, Any]) -> Iterator[tuple[str, dict[str, str]]]:
    """The cross-source brief's sentences (its overview's and its themes' summaries'),
    each with the text of the passages it cites, by source."""
    said = [(brief.get("overview") or "", brief.get("overview_citations") or [])]
    said += [
        (t["summary"]["text"], t.get("sentence_citations") or []) for t in brief.get("themes", [])
    ]
    for text, per_sentence in said:
        for sentence, passages in zip(sentences_of(text), per_sentence, strict=False):
            by_source: dict[str, str] = {}
            for p in passages:
                sid = str(p["source_id"])
                by_source[sid] = f"{by_source.get(sid, '')} {p['text']}"
            yield sentence, by_source


def sources_unbacked(brief: dict[str, Any]) -> tuple[int, int]:
    """Of the sources the cross-source brief's sentences cite (one count per sentence and
    source), how many, and how many whose cited passages do not hold SUPPORT_SHARE of the
    sentence's content words: a source cited for a claim it does not make."""
    cited = unbacked = 0
    for sentence, by_source in cited_sources(brief):
        own = content_stems(sentence)
        for passages in by_source.values():
            cited += 1
            unbacked += len(own & content_stems(passages)) < SUPPORT_SHARE * len(own)
    return cited, unbacked


_SOURCE_LABEL = re.compile(r"\bSources?\s+\d+(?:(?:,\s*|\s+and\s+)\d+)*")  # "Source 003"


def said_names(text: str) -> set[str]:
    """The stems of the words of ``text`` written with a capital that do not open a
    sentence (names, mostly: "Sam Altman", "Hongzhou"): a sentence's first word has one
    whatever it is, so a name that opens a sentence is not counted."""
    out: set[str] = set()
    for sentence in re.split(r"(?<=[.!?])\s+", _SOURCE_LABEL.sub(" ", text)):
        for token in sentence.split()[1:]:
            # of a hyphenated word, its parts written with a capital ("AI-powered": AI)
            for part in re.split(r"[-‐‑–]", token.strip("\"'“”‘’()[],.;:!?")):
                if part[:1].isupper():
                    out |= content_stems(part)
    return out


def unshown_names(statement: Statement) -> set[str]:
    """The names the statement says (``said_names`` of its own strings but its title) that
    its cited passages do not hold: a reader who opens its citations does not find who or
    what they name there."""
    return said_names(statement.untitled) - cited_stems(statement)


def names_shown(statement: Statement) -> bool:
    return not unshown_names(statement)


def unshown_lines(statements: Iterable[Statement]) -> list[str]:
    """Per statement whose passages do not show its names, those names and the statement
    (for ``--missed``)."""
    return [
        f"[{', '.join(sorted(names))}] {x.untitled[:160]}"
        for x in statements
        if (names := unshown_names(x))
    ]


def listed_names(value: Any) -> Iterator[tuple[str, str]]:
    """(kind, entry) for every string in a people/organisations list, at any depth."""
    if isinstance(value, dict) and not is_passage(value):
        for key, child in value.items():
            if key in NAME_KEYS and isinstance(child, list):
                yield from ((NAME_KEYS[key], str(x)) for x in child if isinstance(x, str))
            else:
                yield from listed_names(child)
    elif isinstance(value, list):
        for child in value:
            yield from listed_names(child)


def name_problems(brief: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(kind, entry, why) for each listed entry that is not a proper name of its kind."""
    listed = list(listed_names(brief))
    orgs = {n.casefold() for k, n in listed if k == "organisation"}
    out = []
    for kind, name in listed:
        why = bad_name(name, kind, orgs)
        if why:
            out.append((kind, name, why))
    return out


# ---- references ---------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def source_sentences(path: Path, source_id: str) -> list[str]:
    """The transcript's sentences as the pipeline splits them (ingest + chunking)."""
    return [p.text for p in sentence_pieces(read_transcript(path, source_id))]


def cut(sentences: Iterable[str], n_words: int) -> str:
    """The sentences, in the order given, cut at ``n_words`` words."""
    out: list[str] = []
    for sentence in sentences:
        out.extend(segmented(sentence).split())
        if len(out) >= n_words:
            break
    return " ".join(out[:n_words])


@functools.lru_cache(maxsize=64)
def textrank_order(sentences: tuple[str, ...]) -> list[str]:
    """Sentences by sumy's TextRank score, best first (no nltk data needed: the document
    is built from our own sentences and words, stemmed with PyStemmer)."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    class Words:
        @staticmethod
        def to_words(text: str) -> list[str]:
            return [w for w in words(text) if w != BREAK]

    sents = [Sentence(s, Words()) for s in sentences]
    document = ObjectDocumentModel([Paragraph(sents)])
    summarizer = TextRankSummarizer(_stemmer.stemWord)
    summarizer.stop_words = get_stop_words("english")
    ratings = summarizer.rate_sentences(document)
    order = sorted(range(len(sents)), key=lambda i: (-ratings[sents[i]], i))
    return [sentences[i] for i in order]


# ---- scoring ------------------------------------------------------------------------


def load_jsonl(path: Path, split: str) -> list[dict[str, Any]]:
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r for r in rows if split == "all" or r["split"] == split]


@dataclass
class SourceScore:
    source_id: str
    words: int = 0
    statements: int = 0
    supported: int = 0
    unshown: int = 0  # statements with a name their passages do not hold
    unshown_said: list[str] = field(default_factory=list)  # their names, then their text
    names: int = 0
    bad_names: list[tuple[str, str, str]] = field(default_factory=list)
    covered: dict[str, list[str]] = field(default_factory=dict)  # column -> fact ids
    facts: list[str] = field(default_factory=list)


COLUMNS = ("brief", "summaries", "+cross", "lead", "textrank")
# sumy is a dev dependency: without it the textrank column reads n/a, the rest still works
HAVE_SUMY = importlib.util.find_spec("sumy") is not None


def read_brief(path: Path) -> dict[str, Any]:
    """``path``.json as ``brief run`` writes it; else ``path``.md, a plain-text summary
    (another tool's, e.g. bench/peer_run.py's), all of it prose with no statements; else
    nothing."""
    if path.with_suffix(".json").is_file():
        return dict(json.loads(path.with_suffix(".json").read_text(encoding="utf-8")))
    if path.with_suffix(".md").is_file():
        return {"text": path.with_suffix(".md").read_text(encoding="utf-8")}
    return {}


def plain_ids(out: Path) -> set[str]:
    return {f.stem for f in (out / "sources").glob("*.md")}


def seed_paths(seeds: Path) -> dict[str, Path]:
    """Source id -> transcript for a run with no manifest: the files of ``seeds/`` under
    the ids ``brief run`` gives them."""
    return {source_id_for(f): f for f in sorted(seeds.iterdir()) if f.suffix == ".txt"}


def score_run(
    out: Path, split: str = "all", data: Path = DATA, seeds: Path = ROOT / "seeds"
) -> dict[str, Any]:
    """The scores of the run in ``out``; its transcripts are those its manifest lists, or
    for another tool's run (no manifest) those of ``seeds``."""
    facts = load_jsonl(data / "brief_facts.jsonl", split)
    themes = load_jsonl(data / "brief_themes.jsonl", split)
    paths = source_paths(out) if (out / "manifest.json").is_file() else seed_paths(seeds)
    cross = read_brief(out / "brief")  # absent when synthesis failed: no cross prose
    cross_prose = prose(cross)
    cross_text = Text(cross_prose)
    ranked: dict[str, tuple[list[str], list[str]]] = {}
    scores = []
    for stem_ in sorted({f.stem for f in (out / "sources").glob("*.json")} or plain_ids(out)):
        brief = read_brief(out / "sources" / stem_)
        sid = str(brief.get("source_id", stem_))
        text = prose(brief)
        s = SourceScore(sid, words=word_count(text.replace(BREAK, " ")))
        stmts = list(statements(brief))
        s.statements, s.supported = len(stmts), sum(map(supported, stmts))
        s.unshown_said = unshown_lines(stmts)
        s.unshown = len(s.unshown_said)
        s.names = len(list(listed_names(brief)))
        s.bad_names = name_problems(brief)
        if sid not in paths:
            raise SystemExit(f"{out}/manifest.json does not list source {sid}")
        sentences = source_sentences(paths[sid], sid)
        ranked[sid] = (sentences, textrank_order(tuple(sentences)) if HAVE_SUMY else [])
        texts = {
            "brief": Text(text),
            "summaries": Text(summaries(brief)),
            "+cross": Text(f"{text} {BREAK} {cross_prose}"),
            "lead": Text(cut(ranked[sid][0], s.words)),
        }
        if HAVE_SUMY:
            texts["textrank"] = Text(cut(ranked[sid][1], s.words))
        mine = [f for f in facts if f["source_id"] == sid]
        s.facts = [f["id"] for f in mine]
        s.covered = {
            c: [f["id"] for f in mine if t.covers(f["keywords"])] for c, t in texts.items()
        }
        scores.append(s)
    cross_words = word_count(cross_prose.replace(BREAK, " "))
    share = cross_words // max(1, len(ranked))
    theme_texts = {
        "brief": cross_text,
        "lead": Text(f" {BREAK} ".join(cut(lead, share) for lead, _ in ranked.values())),
    }
    if HAVE_SUMY:
        theme_texts["textrank"] = Text(f" {BREAK} ".join(cut(t, share) for _, t in ranked.values()))
    theme_cover = {
        c: [t["id"] for t in themes if x.covers(t["keywords"])] for c, x in theme_texts.items()
    }
    cross_stmts = list(statements(cross))
    cross_unshown = unshown_lines(cross_stmts)
    sources_cited, sources_not_saying = sources_unbacked(cross)
    cross_score = {
        "words": cross_words,
        "statements": len(cross_stmts),
        "supported": sum(map(supported, cross_stmts)),
        "unshown": len(cross_unshown),
        "unshown_said": cross_unshown,
        "sources_cited": sources_cited,
        "sources_unbacked": sources_not_saying,
        "themes": [t["id"] for t in themes],
        "covered": theme_cover,
        "columns": [c for c in COLUMNS if c != "textrank" or HAVE_SUMY],
    }
    sources = [s.__dict__ for s in scores]
    return {
        "out": str(out),
        "split": split,
        "sources": sources,
        "cross": cross_score,
        "all": totals(sources, cross_score),
    }


# ---- report -------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "-"


def totals(sources: list[dict[str, Any]], cross: dict[str, Any]) -> dict[str, Any]:
    """The whole run: counts summed over the source briefs (and the cross brief's words,
    statements and themes)."""
    n = sum(len(x["facts"]) for x in sources)
    covered = {
        c: sum(len(x["covered"][c]) for x in sources) for c in COLUMNS if c in cross["columns"]
    }
    themes = len(cross["themes"])
    return {
        "words": sum(x["words"] for x in sources) + cross["words"],
        "statements": sum(x["statements"] for x in sources) + cross["statements"],
        "supported": sum(x["supported"] for x in sources) + cross["supported"],
        "unshown": sum(x["unshown"] for x in sources) + cross["unshown"],
        "names": sum(x["names"] for x in sources),
        "bad_names": sum(len(x["bad_names"]) for x in sources),
        "facts": n,
        "covered": covered,
        "coverage": {c: round(k / n, 3) if n else None for c, k in covered.items()},
        "themes": themes,
        "themes_covered": {c: len(v) for c, v in cross["covered"].items()},
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        "| source | words | statements | supported | names unshown | not names | facts: brief "
        "| summaries | +cross | lead | textrank |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    cross = result["cross"]

    def row(label: str, words: int, stm: int, sup: int, unshown: int, bad: int, names: int) -> str:
        return (
            f"| {label} | {words:,} | {stm} | {_pct(sup, stm)} | {_pct(unshown, stm)} "
            f"| {_pct(bad, names)} | "
        )

    for s in result["sources"]:
        cells = [
            _pct(len(s["covered"][c]), len(s["facts"])) if c in s["covered"] else "n/a"
            for c in COLUMNS
        ]
        head = row(
            s["source_id"],
            s["words"],
            s["statements"],
            s["supported"],
            s["unshown"],
            len(s["bad_names"]),
            s["names"],
        )
        lines.append(head + " | ".join(cells) + " |")
    cells = [
        f"themes {_pct(len(cross['covered'][c]), len(cross['themes']))}"
        if c in cross["covered"]
        else ("n/a" if c == "textrank" else "-")
        for c in COLUMNS
    ]
    sup = _pct(cross["supported"], cross["statements"])
    unshown = _pct(cross["unshown"], cross["statements"])
    head = f"| cross-source | {cross['words']:,} | {cross['statements']} | {sup} | {unshown} | - | "
    lines.append(head + " | ".join(cells) + " |")
    t = result["all"]
    cells = [_pct(t["covered"][c], t["facts"]) if c in t["covered"] else "n/a" for c in COLUMNS]
    lines.append(
        row(
            "all",
            t["words"],
            t["statements"],
            t["supported"],
            t["unshown"],
            t["bad_names"],
            t["names"],
        )
        + " | ".join(cells)
        + " |"
    )
    return "\n".join(lines)


def missed(result: dict[str, Any], split: str, data: Path = DATA) -> str:
    """The facts and themes of ``split`` that the briefs do not cover, with their text,
    and the statements whose passages do not show the names they say."""
    facts = {f["id"]: f for f in load_jsonl(data / "brief_facts.jsonl", split)}
    themes = {t["id"]: t for t in load_jsonl(data / "brief_themes.jsonl", split)}
    lines = []
    for s in result["sources"]:
        for fid in s["facts"]:
            if fid not in s["covered"]["brief"]:
                f = facts[fid]
                lines.append(
                    f"- {fid} ({s['source_id']}) {f['fact']}  [{'; '.join(f['keywords'])}]"
                )
    for tid in result["cross"]["themes"]:
        if tid not in result["cross"]["covered"]["brief"]:
            t = themes[tid]
            lines.append(f"- {tid} (cross) {t['theme']}  [{'; '.join(t['keywords'])}]")
    unshown = [f"- {s['source_id']}: {x}" for s in result["sources"] for x in s["unshown_said"]]
    unshown += [f"- cross-source: {x}" for x in result["cross"]["unshown_said"]]
    out = "missed by the briefs:\n" + "\n".join(lines) if lines else "nothing missed"
    if unshown:
        out += "\n\nnames their passages do not show:\n" + "\n".join(unshown)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "outputs", help="run folder")
    parser.add_argument("--split", choices=("tune", "check", "all"), default=None)
    parser.add_argument(
        "--data", type=Path, default=DATA, help="folder of brief_facts.jsonl, brief_themes.jsonl"
    )
    parser.add_argument(
        "--seeds", type=Path, default=ROOT / "seeds", help="transcripts of a run with no manifest"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--missed", action="store_true", help="list the facts and themes the briefs miss"
    )
    args = parser.parse_args(argv)
    splits = [args.split] if args.split else ["tune", "check"]
    results = [score_run(args.out, split, args.data, args.seeds) for split in splits]
    if not HAVE_SUMY:
        print("sumy is not installed (dev dependency): run `make setup`", file=sys.stderr)
    if args.json:
        print(json.dumps(results if len(results) > 1 else results[0], indent=1))
        return 0
    for result in results:
        print(f"\n### {result['out']}: {result['split']} split\n")
        print(table(result))
        if args.missed:
            print("\n" + missed(result, args.split or result["split"], args.data))
    cross = results[0]["cross"]
    print(
        f"\ncross-source sentences' cited sources that do not hold {SUPPORT_SHARE:.0%} of "
        f"their content words: {_pct(cross['sources_unbacked'], cross['sources_cited'])}"
    )
    bad = results[0]["sources"]
    listed = [f"{s['source_id']}: {n!r} ({why})" for s in bad for _, n, why in s["bad_names"]]
    if listed:
        print("\nnames listed that are not names: " + "; ".join(listed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
