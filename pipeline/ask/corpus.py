"""The corpus that ``brief run`` processed, as ``brief ask`` finds it in an output folder.

    outputs/manifest.json     which sources, where their files are
    outputs/chunks.jsonl      the chunks with their sentences and spans
    outputs/summaries.jsonl   each chunk's map summary
    outputs/index/            the search index, built by ``brief run``

``open_corpus`` loads the stored index, or builds (and stores) it when it is missing or
no longer matches the chunks and summaries beside it. Asked for other index settings
(window sizes, ``embedding_model = "none"``) than the stored index was built with, while
that index still matches the run's files, it builds the one asked for in memory and
leaves the stored one as ``brief run`` wrote it: a question asked with other settings
does not change the output folder (a committed one would show as modified), nor cost the
next default question a rebuild. With an embedding model, the vector of every piece (a
few sentences, see ``retrieval.make_pieces``) is asked for through the model client
(cached per text like every call, so a new source costs only its own pieces) and stored
with the index as ``vectors.npy``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline.ask.retrieval import IndexParams, SearchIndex, build_index, embed_texts
from pipeline.ask.retrieval.spans import source_sentences
from pipeline.errors import BriefError
from pipeline.inputs.ingest import read_source_text, read_transcript, source_text
from pipeline.model.client import ModelClient
from pipeline.models import Chunk, ChunkSummary, Transcript
from pipeline.stages.show_talk import in_sponsor_read, sponsor_reads

INDEX_DIR = "index"


def _manifest_sources(out_dir: Path) -> list[dict[str, str]]:
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BriefError(
            f"cannot read {out_dir}/manifest.json ({exc}); run `brief run` first"
        ) from None
    return list(manifest["sources"])


def _located(out_dir: Path, source: dict[str, str]) -> Path:
    path = Path(source["path"])
    return path if path.is_file() else out_dir.resolve().parent / "seeds" / path.name


def source_paths(out_dir: Path) -> dict[str, Path]:
    """Source id -> its file, from the manifest. Outputs moved with the repository
    (a fresh clone) find their sources in the ``seeds/`` folder beside them."""
    return {s["source_id"]: _located(out_dir, s) for s in _manifest_sources(out_dir)}


def transcripts_of_run(out_dir: Path) -> tuple[list[Transcript], dict[str, str]]:
    """A run's transcripts, parsed again from their files (``source_paths``), in source
    order, and each file's text: what the benchmarks that redo one stage of a run
    (``bench/brief_length.py``, ``bench/synthesize_again.py``) read."""
    transcripts = [read_transcript(p, sid) for sid, p in sorted(source_paths(out_dir).items())]
    return transcripts, {t.source_id: read_source_text(Path(t.path)) for t in transcripts}


def sources_as_read(out_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(source id -> its text as ``brief run`` read it, source id -> why its file is not
    the one ``brief run`` read), each file read once. A source whose file changed since
    the run (its sha256 differs from the manifest's) has no text: every offset, line
    number and citation of it points at the text as it was."""
    texts, changed = {}, {}
    for source in _manifest_sources(out_dir):
        source_id, path = source["source_id"], _located(out_dir, source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise BriefError(f"cannot read source {source_id} at {path}: {exc}") from None
        if source.get("sha256") and hashlib.sha256(data).hexdigest() != source["sha256"]:
            changed[source_id] = (
                f"source {source_id} ({path}) changed since `brief run` wrote {out_dir}: its "
                "passages and citations point at the text as it was; run `brief run` again "
                "(chunks that did not change come from the cache)"
            )
        else:
            texts[source_id] = source_text(data, path)
    return texts, changed


def read_sources(out_dir: Path) -> dict[str, str]:
    """Each source's text as ``brief run`` read it (``read_source_text``). A source whose
    file changed since the run is an error that names the fix (``sources_as_read``):
    read at the old offsets, its passages are no longer its slices, and ``brief ask``
    refused every answer citing one ("no cited passage matched its source file") and
    showed them under their old line numbers."""
    texts, changed = sources_as_read(out_dir)
    if changed:
        raise BriefError("; ".join(changed.values()))
    return texts


def _read_jsonl(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BriefError(f"cannot read {path} ({exc}); run `brief run` first") from None


def read_chunks(out_dir: Path) -> list[Chunk]:
    """The chunks ``brief run`` wrote (``chunks.jsonl``), with their sentences and spans."""
    return [Chunk.model_validate_json(line) for line in _read_jsonl(out_dir / "chunks.jsonl")]


def corpus_fingerprint(out_dir: Path, params: IndexParams) -> str:
    digest = hashlib.sha256(params.model_dump_json().encode())
    for name in ("chunks.jsonl", "summaries.jsonl"):
        path = out_dir / name
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:16]


@dataclass
class Corpus:
    out_dir: Path
    texts: dict[str, str]
    index: SearchIndex
    stored: bool = True  # the index is the one in ``out_dir/index`` (False: built in memory)

    @functools.cached_property
    def sentences(self) -> dict[str, list[tuple[int, int]]]:
        """Each source's sentences as ``brief run`` cut them (``chunks.jsonl``), as
        (start, end) character spans in order, each once (chunks overlap: the index's own
        ``spans.source_sentences``), those of a sponsor read aside: an answer by sentence
        rests on what the conversation says, as a map point does, never on an ad (the 1.5B
        answered "What rewards can Beijing dangle in front of tech firms ...?" with the
        Brave browser's "Users earn rewards for viewing ads ..."). Read on first use
        (``pipeline.ask.sentence_answer``)."""
        spans = {}
        for source, sentences in source_sentences(read_chunks(self.out_dir)).items():
            reads = sponsor_reads(self.texts.get(source, ""))
            spans[source] = [
                (s.char_start, s.char_end) for s, _ in sentences if not in_sponsor_read(s, reads)
            ]
        return spans


def index_corpus(
    out_dir: Path,
    chunks: list[Chunk],
    summaries: list[ChunkSummary],
    texts: dict[str, str],
    params: IndexParams | None = None,
    embedder: ModelClient | None = None,
    store: bool = True,
) -> SearchIndex:
    """Build the index of an output folder whose chunks and summaries are written, and
    store it there (unless ``store`` is False)."""
    params = params or IndexParams()
    index = build_index(chunks, summaries, texts, params, corpus_fingerprint(out_dir, params))
    if params.embedding_model:
        if embedder is None:
            raise BriefError(f"embedding model {params.embedding_model} has no client")
        index.vectors = embed_texts(
            embedder, [texts[p.source_id][p.char_start : p.char_end] for p in index.pieces]
        )
    if store:
        folder = out_dir / INDEX_DIR
        if folder.exists():
            shutil.rmtree(folder)
        index.save(folder)
    return index


def open_corpus(
    out_dir: Path, params: IndexParams | None = None, embedder: ModelClient | None = None
) -> tuple[Corpus, bool]:
    """The corpus in ``out_dir`` and whether its index had to be (re)built."""
    params = params or IndexParams()
    texts = read_sources(out_dir)
    folder = out_dir / INDEX_DIR
    current = False  # the stored index matches the run's files, under its own settings
    if (folder / "meta.json").is_file():
        try:
            index = SearchIndex.load(folder)
        except (OSError, ValueError, KeyError):
            pass  # unreadable or from another version: rebuilt below
        else:
            if index.fingerprint == corpus_fingerprint(out_dir, params):
                return Corpus(out_dir, texts, index), False
            current = index.fingerprint == corpus_fingerprint(out_dir, index.params)
    chunks = read_chunks(out_dir)
    summaries_path = out_dir / "summaries.jsonl"
    summaries = (
        [ChunkSummary.model_validate_json(line) for line in _read_jsonl(summaries_path)]
        if summaries_path.is_file()
        else []
    )
    missing = sorted({c.source_id for c in chunks} - set(texts))
    if missing:
        raise BriefError(f"chunks.jsonl names sources the manifest lacks: {', '.join(missing)}")
    index = index_corpus(out_dir, chunks, summaries, texts, params, embedder, store=not current)
    return Corpus(out_dir, texts, index, stored=not current), True
