"""Transcript briefing pipeline: Transcript -> Chunk -> ChunkSummary -> SourceBrief ->
CrossSourceBrief, every model call through one client, every quote verbatim.

The stages live in their own modules (``ingest``, ``chunking``, ``map_stage``,
``reduce_stage``, ``synthesize``) and ``runner.run_pipeline`` wires them together. This
package namespace exports only the light-weight contracts, settings and errors, so that
importing it does not import litellm.
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
