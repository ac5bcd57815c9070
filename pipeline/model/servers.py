"""Several servers of one model (``[[model_list]]`` in brief.toml) behind litellm's Router.

The Router holds the deployments (each with its own model string, URL, key and
client) and sends each request to one of them. Two things the Router does not do for
a synchronous, threaded caller, so ``ModelGroup`` does them around it:

- a per-server concurrency limit: litellm enforces ``max_parallel_requests`` only on
  its async path, so here each deployment has a number of slots, and a request goes to
  the deployment with the most free slots (ties: the one least used so far);
- taking a dead server out: the Router does not cool a deployment down on connection
  errors (``_is_cooldown_required`` skips APIConnectionError), so a server whose
  connection fails is marked down for ``down_for_s`` and the next attempt goes elsewhere.

Retries stay in one place: the Router's own retries and fallbacks are off, and the
client's retry policy (``pipeline.model.retry``) decides how often a request is sent, each
attempt going to a live server. An answered request is never sent again: only
failures are retried. The cache identity is the group's name, so a rerun hits the cache
whichever server answered.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from pipeline.model.llm import litellm
from pipeline.model.providers import server_key
from pipeline.model.retry import connection_failed
from pipeline.model.stopping import POLL_S, check_stopping
from pipeline.settings import Deployment


class ModelGroup:
    """``completion(**kwargs)`` like litellm's, over several deployments of one model."""

    def __init__(self, name: str, deployments: list[Deployment], down_for_s: float = 30.0) -> None:
        if not deployments:
            raise ValueError("a model group needs at least one deployment")
        self.name = name
        self.down_for_s = down_for_s
        self.ids = [f"{name}#{i}" for i in range(len(deployments))]
        self.limits = {i: d.concurrency for i, d in zip(self.ids, deployments, strict=True)}
        self.busy = dict.fromkeys(self.ids, 0)
        self.sent = dict.fromkeys(self.ids, 0)
        self.down_until = dict.fromkeys(self.ids, 0.0)
        self._changed = threading.Condition()
        model_list = [
            {
                "model_name": name,
                "litellm_params": {
                    "model": d.model,
                    "api_base": d.api_base,
                    "api_key": server_key(
                        d.api_key.get_secret_value() if d.api_key else None, d.api_base
                    ),
                },
                "model_info": {"id": deployment_id},
            }
            for deployment_id, d in zip(self.ids, deployments, strict=True)
        ]
        self.router = litellm.Router(
            model_list=model_list,
            num_retries=0,  # pipeline.model.retry is the one retry policy
            max_fallbacks=0,
            fallbacks=[],
            retry_after=0,
            set_verbose=False,
        )

    @property
    def concurrency(self) -> int:
        return sum(self.limits.values())

    def completion(self, **kwargs: Any) -> Any:
        deployment_id = self._acquire()
        try:
            kwargs["model"] = deployment_id  # the Router sends a model id to that deployment
            return self.router.completion(**kwargs)
        except Exception as exc:
            # the Router re-raises without the SDK's error in the cause chain; litellm's
            # message for a refused or reset connection says so
            if connection_failed(exc) or "Connection error" in str(exc):
                with self._changed:
                    self.down_until[deployment_id] = time.monotonic() + self.down_for_s
            raise
        finally:
            with self._changed:
                self.busy[deployment_id] -= 1
                self._changed.notify_all()

    def _acquire(self) -> str:
        with self._changed:
            while True:
                now = time.monotonic()
                up = [i for i in self.ids if self.down_until[i] <= now] or self.ids
                free = [i for i in up if self.busy[i] < self.limits[i]]
                if free:
                    chosen = max(free, key=lambda i: (self.limits[i] - self.busy[i], -self.sent[i]))
                    self.busy[chosen] += 1
                    self.sent[chosen] += 1
                    return chosen
                self._changed.wait(POLL_S)
                check_stopping()


__all__ = ["ModelGroup"]
