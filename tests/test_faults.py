"""Provider faults through the real client path (litellm -> HTTP) against the scripted
fault server: retries in exactly one place, Retry-After, deadlines, client errors,
credentials, unreachable servers, context length, malformed and cut-off replies."""

from __future__ import annotations

import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fault_server import Fault, FaultServer, Request
from pydantic import BaseModel, Field

from pipeline.errors import ContextTooLong, ModelAuthError, ModelError, ModelUnreachable
from pipeline.model.cache import CallCache
from pipeline.model.client import ModelClient
from pipeline.model.prompts import parse_prompt

KEY = "sk-CANARYKEY123"
PROMPT = parse_prompt("t", "---\nvariables: [x]\n---\n## system\nsay\n## user\n{{x}}\n")


class Reply(BaseModel):
    answer: str = Field(min_length=1)
    score: int = Field(ge=1, le=5)


def client_for(server: FaultServer, cache: CallCache, **overrides) -> ModelClient:
    options = {"timeout_s": 5.0, "retries": 2, "concurrency": 2, **overrides}
    return ModelClient(
        model="openai/fault-model", api_base=server.url, api_key=KEY, cache=cache, **options
    )


def ask(client: ModelClient, x: str = "hello", max_tokens: int = 50) -> Reply:
    return client.structured(
        stage="t", prompt=PROMPT, variables={"x": x}, schema=Reply, max_tokens=max_tokens
    )


def arrivals(server: FaultServer, digest: str) -> list[float]:
    return [t for d, t in server.times if d == digest]


# --------------------------------------------------------------------- row 6


def test_429_with_retry_after_is_honoured_and_concurrency_is_bounded(cache) -> None:
    def script(request: Request) -> Fault | None:
        # the first attempt of every other call is rate limited, with Retry-After: 1
        if request.seen == 1 and int(request.digest, 16) % 2 == 0:
            return Fault(status=429, headers={"retry-after": "1"}, delay=0.05)
        return Fault(delay=0.05)

    with FaultServer(script) as server:
        client = client_for(server, cache, concurrency=3, retries=2)
        with ThreadPoolExecutor(max_workers=8) as pool:
            replies = list(pool.map(lambda n: ask(client, f"call {n}"), range(16)))
    assert len(replies) == 16
    assert server.max_in_flight <= 3
    assert max(server.counts.values()) <= 1 + 2
    retried = [d for d, n in server.counts.items() if n > 1]
    assert retried, "the script rate-limited some calls"
    for digest in retried:
        first, second = arrivals(server, digest)[:2]
        assert second - first >= 1.0  # waited the Retry-After second
    assert client.usage["t"].retries == len(retried)


# --------------------------------------------------------------------- row 7


@pytest.mark.parametrize("retries", [0, 2])
def test_always_500_sends_exactly_one_plus_r_requests(cache, retries: int) -> None:
    with FaultServer(lambda r: Fault(status=500, headers={"retry-after": "0"})) as server:
        client = client_for(server, cache, retries=retries)
        with pytest.raises(ModelError, match="InternalServerError"):
            ask(client)
    assert list(server.counts.values()) == [1 + retries]


# --------------------------------------------------------------------- row 8


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_sent_once(cache, status: int) -> None:
    with FaultServer(lambda r: Fault(status=status)) as server:
        client = client_for(server, cache, retries=3)
        with pytest.raises(ModelError) as caught:
            ask(client)
    assert list(server.counts.values()) == [1]
    if status in (401, 403):
        assert isinstance(caught.value, ModelAuthError)
        assert "credentials" in str(caught.value)
    else:
        assert not isinstance(caught.value, ModelAuthError)
    assert KEY not in str(caught.value)


# --------------------------------------------------------------------- row 9


@pytest.mark.parametrize("fault", [Fault(hang=True), Fault(drip=0.05)], ids=["hang", "drip"])
def test_hung_or_dripping_server_ends_at_the_deadline(cache, fault: Fault) -> None:
    with FaultServer(lambda r: fault) as server:
        client = client_for(server, cache, timeout_s=1.0, retries=1)
        started = time.monotonic()
        with pytest.raises(ModelError, match="Timeout"):
            ask(client)
        spent = time.monotonic() - started
    assert list(server.counts.values()) == [2]  # 1 + R attempts, each cut at 1 s
    assert spent < 10  # two 1-second deadlines plus a backoff, not the 15 s drip
    # each abandoned request ends (its read timeout, once the server has stopped) and
    # gives its concurrency slot back: nothing lingers holding a connection
    for thread in [t for t in threading.enumerate() if t.name == "model-call"]:
        thread.join(30)  # a watchdog: they end about 1 s after the server stops
        assert not thread.is_alive()
    assert all(client._gate.acquire(blocking=False) for _ in range(2))


# --------------------------------------------------------------------- row 10


def test_server_down_says_unreachable_at_api_base(cache) -> None:
    server = FaultServer()  # bound but never started, then closed: nothing listens
    url = server.url
    server.httpd.server_close()
    client = client_for(server, cache, retries=1)
    with pytest.raises(ModelUnreachable, match=f"model server unreachable at {url}"):
        ask(client)


@pytest.mark.parametrize(
    ("model", "variable"),
    [
        ("anthropic/claude-3-5-haiku-latest", "ANTHROPIC_API_BASE"),
        ("mistral/mistral-small-latest", "MISTRAL_API_BASE"),
    ],
)
def test_a_hosted_api_that_does_not_answer_says_so(
    cache, monkeypatch: pytest.MonkeyPatch, model: str, variable: str
) -> None:
    """litellm calls Anthropic's and Mistral's APIs through httpx itself: a connection that
    fails comes back as InternalServerError with httpx's ConnectError as its cause and no
    SDK APIConnectionError. It was a plain model error: `brief ask` printed it as "the
    model's answer was not supported by the passages it cited", `brief run` failed every
    chunk in turn."""
    server = FaultServer()  # bound but never started, then closed: nothing listens
    monkeypatch.setenv(variable, server.url)
    server.httpd.server_close()
    client = ModelClient(model=model, api_base=None, api_key=KEY, cache=cache, retries=0)
    provider = model.split("/")[0]
    with pytest.raises(ModelUnreachable, match=f"cannot reach the {provider} API for {model}"):
        ask(client)


@pytest.mark.parametrize("model", ["ollama/llama3.2", "ollama_chat/llama3.2"])
def test_an_ollama_that_is_not_running_is_named_by_its_address(
    cache, monkeypatch: pytest.MonkeyPatch, model: str
) -> None:
    """Ollama runs on the user's machine: "check the network connection" sent them the
    wrong way; the address litellm tried (OLLAMA_API_BASE, else localhost:11434) is it."""
    server = FaultServer()  # bound but never started, then closed: nothing listens
    monkeypatch.setenv("OLLAMA_API_BASE", server.url)
    server.httpd.server_close()
    client = ModelClient(model=model, api_base=None, cache=cache, retries=0)
    expected = f"model server unreachable at {server.url} (Ollama, for {model}): start Ollama"
    with pytest.raises(ModelUnreachable, match=re.escape(expected)):
        ask(client)


def test_a_hosted_model_without_its_key_stops_before_its_first_request(
    cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with FaultServer() as server:
        monkeypatch.setenv("ANTHROPIC_API_BASE", server.url)
        client = ModelClient(
            model="anthropic/claude-3-5-haiku-latest", api_base=None, cache=cache, retries=0
        )
        with pytest.raises(ModelAuthError, match="ANTHROPIC_API_KEY is not set"):
            ask(client)
        assert server.counts == {}  # nothing was sent
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        with pytest.raises(ModelError) as caught:  # the fault server speaks OpenAI's format
            ask(client)
        assert "is not set" not in str(caught.value) and len(server.counts) == 1


def test_connection_reset_says_unreachable(cache) -> None:
    with FaultServer(lambda r: Fault(reset=True)) as server:
        client = client_for(server, cache, retries=1)
        with pytest.raises(ModelUnreachable, match="unreachable"):
            ask(client)
    assert list(server.counts.values()) == [2]


# --------------------------------------------------------------------- row 11


def test_preflight_refuses_a_prompt_that_cannot_fit(cache) -> None:
    with FaultServer() as server:
        client = client_for(server, cache, context_window=200)
        with pytest.raises(ContextTooLong):
            ask(client, "word " * 400)
        assert ask(client, "short").score == 1
    assert server.requests == 1  # the long prompt was never sent


def test_server_context_length_error_is_not_retried(cache) -> None:
    too_long = {
        "error": {
            "message": "This model's maximum context length is 512 tokens. However, you "
            "requested 900 tokens. Please reduce the length of the messages.",
            "type": "invalid_request_error",
            "code": "context_length_exceeded",
        }
    }
    server = FaultServer(lambda r: Fault(status=400, body=too_long))
    with server, pytest.raises(ContextTooLong):
        ask(client_for(server, cache, retries=3))
    assert list(server.counts.values()) == [1]


# --------------------------------------------------------------------- row 12

VALID = '{"answer": "yes", "score": 2}'
CLEANED = {
    "fenced": f"```json\n{VALID}\n```",
    "prose around": f"Sure! Here it is:\n{VALID}\nHope that helps.",
    "trailing commas": '{"answer": "yes", "score": 2,}',
}
REJECTED = {
    "empty": "",
    "array": f"[{VALID}]",
    "wrong types": '{"answer": ["yes"], "score": "high"}',
    "missing field": '{"answer": "yes"}',
    "out of range": '{"answer": "yes", "score": 9}',
    "1 MB of text": "lorem ipsum " * 90_000,
    "cut mid-object": '{"answer": "yes", "sco',
}


@pytest.mark.parametrize("content", CLEANED.values(), ids=CLEANED.keys())
def test_safe_cleanup_needs_no_reask(cache, content: str) -> None:
    with FaultServer(lambda r: Fault(body=content)) as server:
        assert ask(client_for(server, cache)) == Reply(answer="yes", score=2)
    assert server.requests == 1


@pytest.mark.parametrize("content", REJECTED.values(), ids=REJECTED.keys())
def test_malformed_reply_is_reasked_once_with_the_error(cache, content: str) -> None:
    def script(request: Request) -> Fault:
        reasked = len(request.body["messages"]) > 2
        return Fault(body=VALID if reasked else content)

    with FaultServer(script) as server:
        assert ask(client_for(server, cache)) == Reply(answer="yes", score=2)
    assert server.requests == 2
    reask = [b for b in server.bodies.values() if len(b["messages"]) > 2][0]
    assert reask["messages"][-1]["content"].startswith("Your reply was not valid")


@pytest.mark.parametrize("content", REJECTED.values(), ids=REJECTED.keys())
def test_malformed_twice_fails_and_caches_nothing(cache, content: str) -> None:
    with FaultServer(lambda r: Fault(body=content)) as server:
        client = client_for(server, cache)
        with pytest.raises(ModelError, match="did not validate"):
            ask(client)
    assert server.requests == 2
    assert len(cache) == 0


# --------------------------------------------------------------------- row 13


def test_cut_off_reply_is_asked_again_with_more_room_never_repaired(cache) -> None:
    cut = Fault(body='{"answer": "yes", "score": 2', finish_reason="length")
    with FaultServer(lambda r: cut) as server, pytest.raises(ModelError, match="cut off"):
        ask(client_for(server, cache), max_tokens=40)
    assert sorted(b["max_tokens"] for b in server.bodies.values()) == [40, 80]
    assert len(cache) == 0


def test_cut_off_then_complete_reply_is_used(cache) -> None:
    def script(request: Request) -> Fault:
        if request.body["max_tokens"] == 40:
            # complete-looking JSON, but the server says it stopped at the limit
            return Fault(body='{"answer": "ye", "score": 1}', finish_reason="length")
        return Fault(body=VALID)

    with FaultServer(script) as server:
        assert ask(client_for(server, cache), max_tokens=40) == Reply(answer="yes", score=2)
    assert server.requests == 2


def test_fault_server_counts_bodies(tmp_path: Path) -> None:
    """The harness itself: a valid generated reply per schema, counted per body."""
    with FaultServer() as server:
        cache = CallCache(tmp_path / "c2")
        client = client_for(server, cache)
        ask(client, "a")
        ask(client, "a")  # cache hit: not sent
        ask(client, "b")
        cache.close()
    assert sorted(server.counts.values()) == [1, 1]
    body = next(iter(server.bodies.values()))
    assert json.dumps(body).count(KEY) == 0  # the key travels in a header, not the body
