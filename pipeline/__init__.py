"""Transcript briefing pipeline: Transcript -> Chunk -> ChunkSummary -> SourceBrief ->
CrossSourceBrief, every model call through one client, every quote verbatim.

The tree, by what a newcomer looks for:

- ``inputs``: reading files (``formats``: one module per format family, a registry),
  ``ingest`` and ``chunking``;
- ``model``: the one client seam (``client``) and what it uses: ``reply`` (the reply's
  schema, parsing and validation), ``cache``, ``retry``, ``prompts``, ``providers`` (how
  schemas are sent), ``llm`` (litellm), ``servers`` (model groups) and the embedded
  llama.cpp servers (``embedded``, ``embedding_model``);
- ``stages``: ``map_stage`` (and ``map_request``: which sentences it asks about,
  ``map_evidence``: the passages a point cites),
  ``reduce_stage``, ``synthesize`` (and ``cross_statements``: a brief as cited
  statements) and their helpers (``points``, ``themes``, ``repeats``,
  ``overview_sentences``: which of an overview's sentences stand, ``names``: which
  listed names are names, ``name_kinds``: people or organisations, by vote,
  ``show_talk``: intros, ads and sponsor reads, ``spoken``: what a brief prints in written
  language), and ``policy``, every rule that patches a small model's habits;
- ``ask``: the search index and retrieval (``retrieval``, ``corpus``) and grounded
  answers (``answer``, ``answer_checks``);
- ``outputs``: the output folder (``writer``), the Markdown and HTML renderers, ``verify``;
- at the top: the CLIs (``cli``, ``ask_cli``), ``runner.run_pipeline`` that wires the
  stages, ``session`` (the model client of a run and the servers behind it), ``plan``
  (dry run), ``settings``, ``models`` (the contracts), ``errors`` and
  ``text`` (words and sentences as every package counts them).

This package namespace exports only the light-weight contracts, settings and errors, so
that importing it does not import litellm.
"""

from pipeline.errors import (
    BriefError,
    CacheError,
    ConfigError,
    ContextTooLong,
    IngestError,
    ModelAuthError,
    ModelError,
    ModelSetupError,
    ModelUnreachable,
    OutputInvalid,
    OutputLocked,
    PromptError,
)
from pipeline.models import (
    Chunk,
    ChunkSummary,
    CrossSourceBrief,
    Passage,
    Segment,
    Sentence,
    SourceBrief,
    Transcript,
)
from pipeline.settings import Settings

__all__ = [
    "BriefError",
    "CacheError",
    "Chunk",
    "ChunkSummary",
    "ConfigError",
    "ContextTooLong",
    "CrossSourceBrief",
    "IngestError",
    "ModelAuthError",
    "ModelError",
    "ModelSetupError",
    "ModelUnreachable",
    "OutputInvalid",
    "OutputLocked",
    "Passage",
    "PromptError",
    "Segment",
    "Sentence",
    "Settings",
    "SourceBrief",
    "Transcript",
]
