"""What a client's model calls cost, stage by stage: the figures a run's manifest reports
(``pipeline.runner``) and the benchmarks read.

``ModelClient`` counts into one ``Usage``: a call's tokens and seconds when its reply
comes (``record``), and cache hits, re-asks, retries and failures as they happen
(``count``). Stages run calls from several threads, so every count holds one lock.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from pydantic import BaseModel


class StageUsage(BaseModel):
    calls: int = 0
    cache_hits: int = 0
    reasks: int = 0
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    seconds_in_calls: float = 0.0


class Usage(defaultdict[str, StageUsage]):
    """Each stage's ``StageUsage``, by the stage's name."""

    def __init__(self) -> None:
        super().__init__(StageUsage)
        self._lock = threading.Lock()

    def count(self, stage: str, **increments: float) -> None:
        with self._lock:
            usage = self[stage]
            for field, value in increments.items():
                setattr(usage, field, getattr(usage, field) + value)

    def record(self, stage: str, response: Any, seconds: float) -> None:
        """One call answered: its tokens, as the server reports them, and its seconds."""
        usage = getattr(response, "usage", None)
        details = getattr(usage, "prompt_tokens_details", None)
        self.count(
            stage,
            calls=1,
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
            cached_prompt_tokens=getattr(details, "cached_tokens", 0) or 0,
            seconds_in_calls=seconds,
        )

    def total(self) -> StageUsage:
        total = StageUsage()
        with self._lock:
            for usage in self.values():
                for field in StageUsage.model_fields:
                    setattr(total, field, getattr(total, field) + getattr(usage, field))
        return total
