"""The whole run: ingest -> chunk -> map -> reduce -> synthesize -> outputs.

``run_pipeline`` wires the stages together, times them, writes every output as soon as
it exists (a crash loses nothing that the cache and the output folder already hold) and
returns the manifest. The model server, when embedded, starts only when the first call
misses the cache, so a rerun over the same inputs starts nothing and calls nothing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pipeline import session as sessions
from pipeline.ask.corpus import index_corpus
from pipeline.ask.retrieval import embed_texts
from pipeline.errors import ModelAuthError, ModelError, ModelUnreachable
from pipeline.inputs.chunking import chunk_all
from pipeline.inputs.ingest import read_source_text, transcripts_in
from pipeline.model.cache import CallCache
from pipeline.model.prompts import load_prompt
from pipeline.model.stopping import worker_pool
from pipeline.model.usage import StageUsage
from pipeline.models import (
    ChunkSummary,
    CrossSourceBrief,
    KeyPoint,
    SkippedFile,
    SourceBrief,
    Transcript,
)
from pipeline.outputs.writer import OutputWriter
from pipeline.settings import Settings
from pipeline.stages.map_stage import map_chunks
from pipeline.stages.name_kinds import (
    organisations_by_likeness,
    organisations_named,
    with_sorted_names,
)
from pipeline.stages.names import without_short_forms
from pipeline.stages.passage_joins import common_names
from pipeline.stages.policy import policy_for
from pipeline.stages.reduce_stage import file_and_title, reduce_source
from pipeline.stages.referents import Referents
from pipeline.stages.synthesize import synthesize
from pipeline.stages.themes import lexical_vectors

PROMPTS = (
    "map",
    "map_names",
    "reduce",
    "reduce_overview",
    "names",
    "synthesize",
    "synthesize_overview",
)


class Progress:
    """No-op progress; the CLI passes one that draws bars."""

    @contextlib.contextmanager
    def stage(self, name: str, total: int) -> Iterator[Callable[[int], None]]:
        def advance(n: int = 1) -> None:
            pass

        yield advance

    def note(self, message: str) -> None:
        pass


class SourceRecord(BaseModel):
    source_id: str
    path: str
    sha256: str
    format: str
    chunks: int
    failed_chunks: int
    status: str


class Manifest(BaseModel):
    settings_fingerprint: str
    settings: dict[str, Any]
    model: str
    model_sha256: str | None
    context_window: int
    prompt_hashes: dict[str, str]
    sources: list[SourceRecord]
    skipped: list[SkippedFile]
    usage: dict[str, StageUsage]
    total: StageUsage
    stage_seconds: dict[str, float]
    wall_seconds: float
    failures: list[str]


def run_pipeline(
    paths: Sequence[Path],
    settings: Settings,
    out_dir: Path,
    *,
    use_cache: bool = True,
    refresh: bool = False,
    progress: Progress | None = None,
    session: sessions.ModelSession | None = None,
) -> Manifest:
    progress = progress or Progress()
    started = time.monotonic()
    # before the output folder exists: with nothing to brief, nothing is written
    transcripts, skipped = transcripts_in(paths, max_bytes=settings.max_file_bytes, outputs=out_dir)
    writer = OutputWriter(out_dir)
    writer.lock()
    try:
        ingested = (transcripts, skipped, time.monotonic() - started)
        return _run_locked(ingested, settings, writer, use_cache, refresh, progress, session)
    finally:
        writer.unlock()


def _run_locked(
    ingested: tuple[list[Transcript], list[SkippedFile], float],
    settings: Settings,
    writer: OutputWriter,
    use_cache: bool,
    refresh: bool,
    progress: Progress,
    session: sessions.ModelSession | None,
) -> Manifest:
    transcripts, skipped, ingest_seconds = ingested
    started = time.monotonic() - ingest_seconds
    seconds: dict[str, float] = {"ingest": ingest_seconds}
    cache = CallCache(settings.cache_dir, enabled=use_cache, refresh=refresh)
    own_session = session is None
    session = session or sessions.ModelSession(settings, cache, log_dir=settings.cache_dir.parent)
    try:
        texts = {t.source_id: read_source_text(Path(t.path)) for t in transcripts}
        for item in skipped:
            progress.note(f"skipped {item.path}: {item.reason}")

        mark = time.monotonic()
        chunks = chunk_all(
            transcripts,
            chunk_tokens=settings.chunk_tokens,
            overlap_tokens=settings.chunk_overlap_tokens,
        )
        writer.write_chunks(chunks)
        seconds["chunk"] = time.monotonic() - mark

        mark = time.monotonic()
        with progress.stage("map", len(chunks)) as advance:
            summaries = map_chunks(
                chunks,
                texts,
                session.client,
                max_tokens=settings.map_max_tokens,
                workers=session.workers,
                on_done=lambda _: advance(1),
                policy=policy_for(settings),
            )
        writer.write_jsonl("summaries.jsonl", summaries)
        seconds["map"] = time.monotonic() - mark

        mark = time.monotonic()
        referents = Referents(transcripts, texts)
        briefs = reduce_all(
            transcripts, summaries, texts, session, settings, writer, progress, referents
        )
        seconds["reduce"] = time.monotonic() - mark

        mark = time.monotonic()
        with progress.stage("synthesize", 1) as advance:
            cross = cross_source_brief(briefs, summaries, session, settings, referents)
            advance(1)
        writer.write_cross(cross, briefs)
        seconds["synthesize"] = time.monotonic() - mark
        dropped = writer.drop_other_sources({t.source_id for t in transcripts})
        if dropped:
            progress.note(
                f"removed the briefs of {len(dropped)} earlier source(s) not in this run "
                f"({', '.join(dropped)}); brief them together with these to keep them"
            )

        mark = time.monotonic()
        # for `brief ask`
        index_corpus(writer.root, chunks, summaries, texts, session.index_params, session.embedder)
        seconds["index"] = time.monotonic() - mark
    finally:
        if own_session:
            session.close()
        cache.close()

    failures = [f"{s.path}: {s.reason}" for s in skipped]
    failures += [f"chunk {s.chunk_id}: {s.error}" for s in summaries if s.status == "failed"]
    failures += [f"source {b.source_id}: {b.error}" for b in briefs if b.error]
    if cross.error:  # failed, or partial: a theme or the overview could not be written
        failures.append(f"cross-source brief: {cross.error}")
    per_source = {
        t.source_id: [s for s in summaries if s.source_id == t.source_id] for t in transcripts
    }
    status = {b.source_id: b.status for b in briefs}
    manifest = Manifest(
        settings_fingerprint=settings.fingerprint(),
        settings=settings.model_dump(mode="json", exclude={"api_key", "cache_dir", "model_dir"}),
        model=session.model,
        model_sha256=session.model_sha256,
        context_window=session.context_window,
        prompt_hashes={name: load_prompt(name).sha256 for name in PROMPTS},
        sources=[
            SourceRecord(
                source_id=t.source_id,
                path=t.path,
                sha256=t.sha256,
                format=t.format,
                chunks=len(per_source[t.source_id]),
                failed_chunks=sum(s.status == "failed" for s in per_source[t.source_id]),
                status=status[t.source_id],
            )
            for t in transcripts
        ],
        skipped=skipped,
        usage=dict(session.client.usage),
        total=session.client.total(),
        stage_seconds={k: round(v, 3) for k, v in seconds.items()},
        wall_seconds=round(time.monotonic() - started, 3),
        failures=failures,
    )
    writer.write_json("manifest.json", manifest)
    writer.write_report()
    return manifest


def reduce_all(
    transcripts: list,
    summaries: list[ChunkSummary],
    texts: dict[str, str],
    session: sessions.ModelSession,
    settings: Settings,
    writer: OutputWriter,
    progress: Progress,
    referents: Referents | None = None,
) -> list[SourceBrief]:
    """The reduce stage of a run: each source's brief from its chunks' summaries, written
    as it is done (``bench/brief_length.py`` asks it again on a run's summaries).
    ``referents``: the sources' sentences (built from ``transcripts`` and ``texts`` when
    not given)."""
    if referents is None:
        referents = Referents(transcripts, texts)
    # across sources: see listed_entities; with an embedding model, also the names listed
    # as people that read as the run's organisations
    organisations = organisations_named(summaries)
    if session.embedder is not None:
        try:
            organisations |= organisations_by_likeness(
                summaries, partial(embed_texts, session.embedder)
            )
        except (ModelAuthError, ModelUnreachable):
            raise
        except ModelError:  # the lists stay as the chunks gave them; the synthesis and the
            pass  # index, which embed next, report what failed

    policy = policy_for(settings)
    common = common_names([p.text for s in summaries if s.status == "ok" for p in s.key_points])

    def one(transcript: Any) -> SourceBrief:
        mine = [s for s in summaries if s.source_id == transcript.source_id]
        try:
            brief = reduce_source(
                transcript,
                mine,
                session.client,
                context_window=session.context_window,
                max_tokens=settings.reduce_max_tokens,
                points_per_chunk=settings.points_per_chunk,
                policy=policy,
                known_organisations=organisations,
                workers=session.workers,
                brief_words=settings.brief_words,
                referents=referents,
                common=common,
            )
            if policy.names_sorted_by_vote:
                brief = with_sorted_names(
                    brief,
                    texts[transcript.source_id],
                    session.client,
                    settings.reduce_max_tokens,
                    one_line=policy.one_line_replies,
                )
            brief = brief.model_copy(update={"people": without_short_forms(brief.people)})
        except (ModelAuthError, ModelUnreachable):
            raise
        except (ModelError, ValueError) as exc:
            file, title = file_and_title(transcript)
            brief = SourceBrief(
                source_id=transcript.source_id,
                status="failed",
                error=str(exc),
                title=title,
                file=file,
                metadata=transcript.metadata,
                chunks_total=len(mine),
                chunks_failed=sum(s.status == "failed" for s in mine),
            )
        writer.write_source(brief)
        return brief

    with (
        progress.stage("reduce", len(transcripts)) as advance,
        worker_pool(session.workers) as pool,
    ):
        results = []
        for brief in pool.map(one, transcripts):
            advance(1)
            results.append(brief)
    return results


def cross_source_brief(
    briefs: list[SourceBrief],
    summaries: list[ChunkSummary],
    session: sessions.ModelSession,
    settings: Settings,
    referents: Referents | None = None,
) -> CrossSourceBrief:
    """The synthesize stage of a run: the cross-source brief from the source briefs and
    the run's map points (``bench/synthesize_again.py`` asks it again on a run's outputs);
    a model error other than credentials or reachability makes a failed brief.
    ``referents``: the sources' sentences (``synthesize``)."""
    points: dict[str, list[KeyPoint]] = {}  # each source's map points, in one pass
    for summary in summaries:
        points.setdefault(summary.source_id, []).extend(summary.key_points)
    try:
        return synthesize(
            briefs,
            session.client,
            context_window=session.context_window,
            max_tokens=settings.synthesize_max_tokens,
            policy=policy_for(settings),
            vectors=partial(embed_texts, session.embedder) if session.embedder else lexical_vectors,
            points=points,
            workers=session.workers,
            referents=referents,
        )
    except (ModelAuthError, ModelUnreachable):
        raise
    except ModelError as exc:
        return CrossSourceBrief(
            status="failed", error=str(exc), source_ids=[b.source_id for b in briefs]
        )
