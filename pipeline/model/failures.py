"""What a failed request is reported as: each error names what to do about it.

``ModelClient._send`` (``pipeline.model.client``) retries transient faults; what is left
becomes one of these: credentials rejected, nothing listening, a model the provider does
not know, a schema it rejects, or the client error as the provider worded it (its first
line, never a key).
"""

from __future__ import annotations

from typing import Any

from pipeline.errors import ModelAuthError, ModelError
from pipeline.model.providers import Rung, family_of, schema_rejected_hint, unknown_model_hint


def first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


def auth_error(where: str) -> ModelAuthError:
    """Credentials rejected by the server at ``where``: never the key itself, nor the
    provider's message (some echo part of the key)."""
    return ModelAuthError(
        f"the server at {where} rejected the credentials; "
        "check the API key in your environment or BRIEF_API_KEY"
    )


def api_error(stage: str, exc: Exception, model: str, rung: Rung, where: str) -> ModelError:
    """A request the provider refused (litellm's or the OpenAI SDK's ``APIError``, not
    retried): a 401/403 is the credentials (litellm maps some 403s to ``APIError``), an
    unknown model or a rejected schema names the fix, any other client error (400, 404)
    is told as the provider worded it."""
    status: Any = getattr(exc, "status_code", None)
    if status in (401, 403):
        return auth_error(where)
    text = str(exc)
    if "LLM Provider NOT provided" in text or (status == 404 and "model" in text.lower()):
        return ModelError(f"{stage}: {unknown_model_hint(model)}")
    if status == 400 and "schema" in text.lower():
        return ModelError(f"{stage}: {schema_rejected_hint(rung)} ({first_line(exc)})")
    return ModelError(f"{stage}: {type(exc).__name__}: {first_line(exc)}")


def unreachable(model: str, api_base: str | None, routed: bool) -> str:
    """What to do when nothing answers: start a local server, or reach a hosted API.
    ``routed``: a model group (litellm's router) serves ``model``."""
    if api_base or routed:  # the embedded server has one by now
        where = api_base or model
        return f"model server unreachable at {where}: start it, or fix --api-base"
    family = family_of(model)
    if (local := family.local_address()) is not None:
        return (
            f"model server unreachable at {local} ({family.name}, for {model}): "
            f"start {family.name} there, or name its address with --api-base"
        )
    provider = model.split("/", 1)[0]
    return (
        f"cannot reach the {provider} API for {model}: check the network "
        "connection, or name a server that serves it with --api-base"
    )
