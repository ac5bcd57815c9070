"""Dry run: the calls and tokens a run would spend, before it spends anything.

``plan_run`` ingests and chunks like ``run_pipeline`` and renders every map request
exactly as the map stage will (same prompt, schema and cache key), so the map line is
exact: which chunks the cache already answers, and the prompt tokens of the rest. The
map points asked again, and the reduce and synthesis prompts, depend on the map's
replies, so their lines are estimates: about ``RESTATED_PER_CALL`` points asked again a
map call (when the policy asks again); for each source with a chunk still to map, one
reduce call per theme (their number follows the source's length), one for its overview
and, when the policy says so, up to two that sort its listed names
(``pipeline.stages.name_kinds``); and when any source brief changes, one synthesis call
per cross-source theme (at most ``MAX_CROSS_THEMES``: an upper bound, the
groups found depend on what the briefs say) and one for the overview. Token counts use
tiktoken (cl100k); a served model's own tokenizer differs by a few percent. Nothing
starts a model server.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from pipeline.inputs.chunking import chunk_all
from pipeline.inputs.ingest import read_source_text, transcripts_in
from pipeline.model.client import ModelClient
from pipeline.model.llm import count_tokens
from pipeline.model.prompts import load_prompt
from pipeline.model.providers import family_of
from pipeline.settings import Settings
from pipeline.stages.map_request import (
    chunk_request,
    part_tokens_by_chunk,
    point_count,
)
from pipeline.stages.policy import policy_for
from pipeline.stages.reduce_stage import source_tokens as tokens_of
from pipeline.stages.synthesize import MAX_CROSS_THEMES
from pipeline.stages.themes import theme_count

NOTE_TOKENS = 25  # a reduce note (one short key point), measured on seeds/
# a map point the model copied from the openings listing is asked again on its own part
# (``ModelPolicy.restate_copied_points``): 21 per 53 chunks in the seventeenth and
# eighteenth rounds' cold runs over seeds/, 25 in the twenty-second's, each request about
# 630 tokens (tiktoken)
RESTATED_PER_CALL = 0.4
RESTATED_TOKENS = 630
NAME_CALLS = 2  # at most: a source's names sorted alone, then those it moves in their mention
NAMES_TOKENS = 250  # ~20 names alone, the few it moves with ~18 words each (seeds/)
THEME_TOKENS = 80  # a theme's title and summary


class StagePlan(BaseModel):
    stage: str
    calls: int
    cached: int
    prompt_tokens: int
    max_completion_tokens: int
    exact: bool


class RunPlan(BaseModel):
    model: str
    sources: int
    chunks: int
    source_tokens: int
    stages: list[StagePlan]
    cost_usd: float | None
    rung: str = Field("full", description="how reply schemas are sent (pipeline.model.providers)")
    provider: str = Field("llama.cpp server", description="the provider family of the model")
    servers: int = Field(1, description="deployments of the model group (model_list)")
    skipped: list[str] = Field(default_factory=list, description="files skipped, with why")

    @property
    def calls(self) -> int:
        return sum(s.calls for s in self.stages)

    @property
    def prompt_tokens(self) -> int:
        return sum(s.prompt_tokens for s in self.stages)

    @property
    def max_completion_tokens(self) -> int:
        return sum(s.max_completion_tokens for s in self.stages)


def _message_tokens(messages: list[dict[str, str]]) -> int:
    return sum(count_tokens(m["content"]) + 4 for m in messages)


def plan_run(
    paths: Sequence[Path],
    settings: Settings,
    client: ModelClient,
    *,
    model: str,
    outputs: Path | None = None,
) -> RunPlan:
    """What ``run_pipeline(paths, settings, outputs)`` would ask ``client``'s model,
    without asking."""
    transcripts, skipped = transcripts_in(paths, max_bytes=settings.max_file_bytes, outputs=outputs)
    texts = {t.source_id: read_source_text(Path(t.path)) for t in transcripts}
    source_tokens = sum(count_tokens(text) for text in texts.values())
    chunks = chunk_all(
        transcripts,
        chunk_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
    )
    policy = policy_for(settings)
    one_line = policy.one_line_replies
    map_calls = map_cached = map_tokens = 0
    changed: dict[str, int] = {}
    sizes = part_tokens_by_chunk(chunks, policy.map_part_tokens)  # as ``map_chunks``'
    for chunk in chunks:
        text = texts[chunk.source_id]
        request = chunk_request(chunk, text, settings.map_max_tokens, policy, sizes[chunk.id])
        messages, key = client.request(**request)
        if client.is_cached(key):
            map_cached += 1
            continue
        map_calls += 1
        map_tokens += _message_tokens(messages)
        changed[chunk.source_id] = changed.get(chunk.source_id, 0) + 1

    def static(name: str, **values: str) -> int:
        return _message_tokens(load_prompt(name, one_line=one_line).render(**values))

    themes = {t.source_id: theme_count(tokens_of(t)) for t in transcripts}
    chunk_count = {sid: sum(c.source_id == sid for c in chunks) for sid in themes}
    reduce_static = static("reduce", boundary="<<<x>>>", items="")
    overview_static = static("reduce_overview", boundary="<<<x>>>", title="", items="")
    names_static = static("names", boundary="<<<x>>>", items="")
    name_calls = NAME_CALLS if policy.names_sorted_by_vote else 0
    points_per_chunk = point_count(settings.chunk_tokens, policy.map_part_tokens)
    reduce_calls = sum(themes[sid] + 1 + name_calls for sid in changed)
    reduce_tokens = sum(
        themes[sid] * reduce_static
        + overview_static
        + name_calls * names_static
        + (NAMES_TOKENS if name_calls else 0)
        + points_per_chunk * chunk_count[sid] * NOTE_TOKENS
        + themes[sid] * THEME_TOKENS
        for sid in changed
    )
    # cross-source themes group statements of different sources: at most MAX_CROSS_THEMES
    cross = MAX_CROSS_THEMES if len(themes) > 1 else 0
    synth_calls = cross + 1 if changed and cross else 0
    synth_tokens = synth_calls * static("synthesize", boundary="<<<x>>>", items="")
    synth_tokens += 3 * cross * THEME_TOKENS + cross * THEME_TOKENS if synth_calls else 0
    # extracted points are never copies to ask again
    asks_again = policy.restate_copied_points and not policy.map_points_extracted
    again = round(RESTATED_PER_CALL * map_calls) if asks_again else 0
    stages = [
        StagePlan(
            stage="map",
            calls=map_calls,
            cached=map_cached,
            prompt_tokens=map_tokens,
            max_completion_tokens=map_calls * settings.map_max_tokens,
            exact=True,
        ),
        StagePlan(
            stage="map again",
            calls=again,
            cached=0,
            prompt_tokens=again * RESTATED_TOKENS,
            max_completion_tokens=again * settings.map_max_tokens,
            exact=False,
        ),
        StagePlan(
            stage="reduce",
            calls=reduce_calls,
            cached=sum(n + 1 + name_calls for sid, n in themes.items() if sid not in changed),
            prompt_tokens=reduce_tokens,
            max_completion_tokens=reduce_calls * settings.reduce_max_tokens,
            exact=False,
        ),
        StagePlan(
            stage="synthesize",
            calls=synth_calls,
            cached=cross + 1 if not changed and cross else 0,
            prompt_tokens=synth_tokens,
            max_completion_tokens=synth_calls * settings.synthesize_max_tokens,
            exact=False,
        ),
    ]
    plan = RunPlan(
        model=model,
        sources=len(transcripts),
        chunks=len(chunks),
        source_tokens=source_tokens,
        stages=stages,
        cost_usd=None,
        rung=client.rung,
        provider=family_of(
            settings.model_list[0].model if settings.model_list else settings.model
        ).name,
        servers=max(1, len(settings.model_list)),
        skipped=[f"{s.path}: {s.reason}" for s in skipped],
    )
    plan.cost_usd = price(model, plan.prompt_tokens, plan.max_completion_tokens, settings)
    return plan


def price(
    model: str, prompt_tokens: int, completion_tokens: int, settings: Settings
) -> float | None:
    """Dollars at the model's list price (an upper bound: completions at their budget);
    0 for the embedded model, None when litellm does not know the model's price."""
    if settings.embedded:
        return 0.0
    from pipeline.model.llm import litellm

    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
    except Exception:  # litellm raises its own errors for unknown models
        return None
    return float(prompt_cost + completion_cost)
