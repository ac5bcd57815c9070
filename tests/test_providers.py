"""Provider conformance: the real litellm path against a loopback server that records
the exact request, checked against each provider's documented structured-output rules.

Every reply model the pipeline sends is found by reading the stage modules (any
pydantic model of a pipeline module passed as an argument of a call, e.g.
``client.structured(schema=AnswerReply)`` or ``ask_about(..., ThemeReply, ...)``), so a new
reply model is covered without editing this file.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from recording_server import RecordingServer, schema_sent

import pipeline
from pipeline.errors import ModelError, OutputInvalid
from pipeline.model.cache import CallCache, cache_key
from pipeline.model.client import ModelClient
from pipeline.model.prompts import parse_prompt
from pipeline.model.providers import (
    ANTHROPIC_KEYWORDS,
    OPENAI_KEYWORDS,
    family_of,
    response_format,
    rung_for,
    strict_schema,
)
from pipeline.model.reply import json_schema_of, narrow_items

PROMPT = parse_prompt("t", "---\nvariables: [x]\n---\n## system\nsay\n## user\n{{x}}\n")


def reply_models() -> list[type[BaseModel]]:
    """Every pydantic model of a pipeline module that is handed to the client seam: an
    argument of ``structured``/``request`` or of a function with a ``schema`` parameter
    (like reduce's ``ask_about``, also where another module calls it), or the value of a
    ``"schema"`` key (``map_request``)."""
    found: dict[str, type[BaseModel]] = {}
    modules = [
        importlib.import_module(i.name)
        for i in pkgutil.walk_packages(pipeline.__path__, "pipeline.")
        if not i.ispkg
    ]
    trees = {m: ast.parse(Path(m.__file__ or "").read_text()) for m in modules}
    takers = {"structured", "request"} | {
        node.name
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and any(a.arg == "schema" for a in node.args.args + node.args.kwonlyargs)
    }
    for module, tree in trees.items():
        values: list[ast.expr] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in takers:
                    values += [*node.args, *(k.value for k in node.keywords)]
            elif isinstance(node, ast.Dict):
                values += [
                    v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value == "schema"
                ]
        # either branch of "A if cond else B"
        values += [b for v in values if isinstance(v, ast.IfExp) for b in (v.body, v.orelse)]
        for value in values:
            target = getattr(module, value.id, None) if isinstance(value, ast.Name) else None
            if isinstance(target, type) and issubclass(target, BaseModel):
                found[target.__name__] = target
    return [found[name] for name in sorted(found)]


REPLIES = reply_models()

# ------------------------------------------------------------------ dialect checkers
# written from the providers' documents, independently of pipeline.model.providers' tables

OPENAI_STRICT = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "anyOf",
    "description",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "$ref",
    "$defs",
    "title",
}
GEMINI_SCHEMA = {  # ai.google.dev/api/caching#Schema
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "maxItems",
    "minItems",
    "properties",
    "required",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "example",
    "anyOf",
    "propertyOrdering",
    "default",
    "items",
    "minimum",
    "maximum",
}

GEMINI_JSON_SCHEMA = {  # ai.google.dev/api/generate-content#FIELDS.response_json_schema
    "$id",
    "$defs",
    "$ref",
    "$anchor",
    "type",
    "format",
    "title",
    "description",
    "enum",
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "anyOf",
    "oneOf",
    "properties",
    "additionalProperties",
    "required",
    "propertyOrdering",
}


def nodes(schema: Any, where: str = "$") -> list[tuple[str, dict[str, Any]]]:
    """Every subschema of ``schema`` with its path."""
    out: list[tuple[str, dict[str, Any]]] = []
    if isinstance(schema, dict):
        out.append((where, schema))
        for name, sub in (schema.get("properties") or {}).items():
            out += nodes(sub, f"{where}.{name}")
        if isinstance(schema.get("items"), dict):
            out += nodes(schema["items"], f"{where}[]")
        for n, sub in enumerate(schema.get("anyOf") or []):
            out += nodes(sub, f"{where}|{n}")
        for name, sub in (schema.get("$defs") or {}).items():
            out += nodes(sub, f"$defs.{name}")
    return out


def openai_strict_violations(schema: dict[str, Any]) -> list[str]:
    """platform.openai.com/docs/guides/structured-outputs, 'Supported schemas'."""
    problems = []
    if schema.get("type") != "object":
        problems.append("$: the root must be an object")
    for where, node in nodes(schema):
        unknown = set(node) - OPENAI_STRICT
        if unknown:
            problems.append(f"{where}: unsupported keywords {sorted(unknown)}")
        if node.get("type") == "object" or "properties" in node:
            if node.get("additionalProperties") is not False:
                problems.append(f"{where}: additionalProperties is not false")
            if set(node.get("required", [])) != set(node.get("properties", {})):
                problems.append(f"{where}: not every property is required")
    return problems


def gemini_violations(schema: dict[str, Any], allowed: set[str] = GEMINI_SCHEMA) -> list[str]:
    """Gemini's responseSchema (an OpenAPI subset) or responseJsonSchema (a JSON
    Schema subset), whichever litellm sends for the model."""
    return [
        f"{where}: unsupported keywords {sorted(set(node) - allowed)}"
        for where, node in nodes(schema)
        if set(node) - allowed
    ]


def anthropic_violations(path: str, body: dict[str, Any]) -> list[str]:
    """A forced tool whose input_schema is an object (tool use), or output_format
    without the constraints Anthropic's grammar cannot enforce."""
    if "output_format" in body:
        schema = body["output_format"]["schema"]
        banned = OPENAI_KEYWORDS - ANTHROPIC_KEYWORDS
        return [f"{w}: {sorted(set(n) & banned)}" for w, n in nodes(schema) if set(n) & banned]
    tools = [t for t in body.get("tools") or [] if "input_schema" in t]
    if not path.endswith("/messages") or len(tools) != 1:
        return ["no single tool carries the schema"]
    problems = []
    if tools[0]["input_schema"].get("type") != "object":
        problems.append("the tool's input_schema is not an object")
    if (body.get("tool_choice") or {}).get("name") != tools[0]["name"]:
        problems.append("the tool is not forced")
    return problems


def check(family: str, path: str, body: dict[str, Any], own: dict[str, Any]) -> list[str]:
    schema = schema_sent(path, body)
    if schema is None:
        return ["the request carries no schema"]
    if family in ("OpenAI", "Azure OpenAI", "OpenRouter", "Mistral"):
        strict = (body["response_format"]["json_schema"] or {}).get("strict")
        return openai_strict_violations(schema) + ([] if strict else ["strict is not true"])
    if family == "Groq":
        return openai_strict_violations(schema)  # json_schema, strict-shaped
    if family == "Anthropic":
        return anthropic_violations(path, body)
    if family == "Gemini":
        config = body["generationConfig"]
        json_form = "response_json_schema" in config or "responseJsonSchema" in config
        return gemini_violations(schema, GEMINI_JSON_SCHEMA if json_form else GEMINI_SCHEMA)
    if family == "Ollama":
        ok = body.get("format") == own
        return [] if ok else ["`format` is not the reply model's schema"]
    # llama.cpp, vLLM, LM Studio: the reply model's own schema, compiled into a grammar
    return [] if schema == own else ["the schema sent differs from the reply model's own"]


PROVIDERS = [
    # (model string, api_base suffix, family)
    (None, "/v1", "llama.cpp server"),
    ("openai/gpt-4o-mini", "/v1", "OpenAI"),
    ("azure/my-deployment", "", "Azure OpenAI"),
    ("anthropic/claude-3-5-haiku-20241022", "", "Anthropic"),
    ("gemini/gemini-2.0-flash", "", "Gemini"),
    ("mistral/mistral-small-latest", "/v1", "Mistral"),
    ("groq/llama-3.3-70b-versatile", "/openai/v1", "Groq"),
    ("ollama/llama3.1", "", "Ollama"),
    ("ollama_chat/llama3.1", "", "Ollama"),
    ("hosted_vllm/qwen2.5", "/v1", "vLLM"),
    ("lm_studio/qwen2.5", "/v1", "LM Studio"),
    ("openrouter/openai/gpt-4o-mini", "/api/v1", "OpenRouter"),
]


@pytest.fixture
def provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "OPENAI_API_KEY",
        "AZURE_API_KEY",
        "ANTHROPIC_API_KEY",
        "GEMINI_API_KEY",
        "MISTRAL_API_KEY",
        "GROQ_API_KEY",
        "OPENROUTER_API_KEY",
    ):
        monkeypatch.setenv(name, "dummy-key")
    monkeypatch.setenv("AZURE_API_VERSION", "2024-10-21")


def client_for(model: str | None, api_base: str, cache: CallCache) -> ModelClient:
    return ModelClient(
        model=model or "openai/qwen2.5-coder-0.5b-instruct",
        api_base=api_base,
        api_key="dummy-key",
        cache=cache,
        retries=0,
        rung=rung_for(model),
    )


@pytest.mark.parametrize(("model", "suffix", "family"), PROVIDERS, ids=[p[2] for p in PROVIDERS])
def test_provider_request_follows_its_structured_output_rules(
    model: str | None, suffix: str, family: str, cache: CallCache, provider_env: None
) -> None:
    assert family_of(model).name == family
    assert {"AnswerReply", "MapReply", "ThemeReply", "OverviewReply", "CrossReply"} <= {
        m.__name__ for m in REPLIES
    }
    with RecordingServer() as server:
        client = client_for(model, server.root + suffix, cache)
        problems = []
        for reply_model in REPLIES:
            before = len(server.requests)
            # a canned reply need not pass the stage's own validators
            with contextlib.suppress(OutputInvalid, ModelError):
                client.structured(
                    stage="t",
                    prompt=PROMPT,
                    variables={"x": reply_model.__name__},
                    schema=reply_model,
                    max_tokens=50,
                    context={},
                )
            assert len(server.requests) > before, f"{family}: nothing was sent"
            path, body = server.requests[before]
            own = json_schema_of(reply_model)
            problems += [f"{reply_model.__name__} {p}" for p in check(family, path, body, own)]
    assert problems == []


def test_every_reply_schema_is_strict_by_construction() -> None:
    before = sum(len(openai_strict_violations(json_schema_of(m))) for m in REPLIES)
    assert before > 0  # pydantic's own schemas break strict mode: the transform matters
    for reply_model in REPLIES:
        made = strict_schema(json_schema_of(reply_model))
        assert openai_strict_violations(made) == [], reply_model.__name__
        gemini = strict_schema(made, family_of("gemini/x").keywords)
        assert gemini_violations(gemini, GEMINI_JSON_SCHEMA) == []
        anthropic = strict_schema(made, family_of("anthropic/x").keywords)
        assert anthropic_violations("/v1/messages", {"output_format": {"schema": anthropic}}) == []


def test_a_constraint_moved_out_of_the_schema_is_kept_in_words() -> None:
    class Reply(BaseModel):
        text: str
        ids: list[int]

    schema = narrow_items(json_schema_of(Reply), {"ids": {"type": "integer", "maximum": 4}})
    schema["properties"]["text"]["maxLength"] = 40
    made = strict_schema(schema)
    assert "maxLength" not in made["properties"]["text"]
    assert "at most 40 characters" in made["properties"]["text"]["description"]
    assert made["properties"]["ids"]["items"]["maximum"] == 4  # OpenAI takes maximum


def test_points_keyed_by_sentence_number_are_a_closed_object_in_every_dialect() -> None:
    """The map asks for its points keyed by the numbered sentences (a dict narrowed to
    those keys): llama.cpp enforces the keys and their order, and OpenAI's strict dialect
    takes the same object as it is."""
    from pipeline.stages.map_request import MapReply

    schema = narrow_items(json_schema_of(MapReply), {"points": ["12", "31"]})
    points = schema["properties"]["points"]
    assert list(points["properties"]) == points["required"] == ["12", "31"]
    assert points["properties"]["12"]["type"] == "string"
    assert points["additionalProperties"] is False and "maxProperties" not in points
    made = strict_schema(schema)
    assert made["properties"]["points"]["required"] == ["12", "31"]
    assert openai_strict_violations(made) == []


def test_the_default_rung_sends_and_keys_exactly_what_it_did_before(cache: CallCache) -> None:
    from pipeline.ask.answer_reply import AnswerReply

    narrow = {"passages": {"type": "integer", "minimum": 1, "maximum": 5}}
    own = narrow_items(json_schema_of(AnswerReply), narrow)
    before = {"type": "json_schema", "json_schema": {"name": "AnswerReply", "schema": own}}
    before["json_schema"]["strict"] = True
    assert response_format("full", "AnswerReply", own, "openai/x") == before
    client = ModelClient(model="openai/m", api_base="http://h", cache=cache, sampling={"t": 0})
    messages, key = client.request(
        prompt=PROMPT, variables={"x": "q"}, schema=AnswerReply, max_tokens=9, narrow=narrow
    )
    old_key = cache_key(
        model="openai/m",
        api_base="http://h",
        messages=messages,
        schema=own,
        params={"t": 0, "max_tokens": 9},
    )
    assert key == old_key
    client.rung = "strict"
    assert client.request(
        prompt=PROMPT, variables={"x": "q"}, schema=AnswerReply, max_tokens=9, narrow=narrow
    )[1] not in (old_key, None)


def test_json_object_rung_puts_the_schema_in_the_prompt(cache: CallCache) -> None:
    from pipeline.ask.answer_reply import AnswerReply

    with RecordingServer() as server:
        client = ModelClient(
            model="openai/m", api_base=server.root + "/v1", api_key="k", cache=cache, retries=0
        )
        client.rung = "json_object"
        with pytest.raises(OutputInvalid):
            client.structured(
                stage="t", prompt=PROMPT, variables={"x": "q"}, schema=AnswerReply, max_tokens=9
            )
        body = server.requests[0][1]
    assert body["response_format"] == {"type": "json_object"}
    assert '"answerable"' in body["messages"][0]["content"]


def test_a_rejected_schema_names_the_next_rung(cache: CallCache, provider_env: None) -> None:
    from pipeline.ask.answer_reply import AnswerReply

    error = "Invalid schema for response_format 'AnswerReply': additionalProperties"
    with RecordingServer(status=400, error=error) as server:
        client = client_for("openai/gpt-4o-mini", server.root + "/v1", cache)
        with pytest.raises(ModelError, match='schema_mode = "json_schema"'):
            client.structured(
                stage="t", prompt=PROMPT, variables={"x": "q"}, schema=AnswerReply, max_tokens=9
            )
        assert len(server.requests) == 1  # a 400 is not retried


def test_an_unknown_model_names_litellm_model_string_form(cache: CallCache) -> None:
    from pipeline.ask.answer_reply import AnswerReply

    client = ModelClient(model="gpt-nonsense-9", api_base=None, cache=cache, retries=0)
    client.model = "made-up-model-name"
    with pytest.raises(ModelError, match="provider/model"):
        client.structured(
            stage="t", prompt=PROMPT, variables={"x": "q"}, schema=AnswerReply, max_tokens=9
        )


def test_openai_run_sends_no_strict_violation(tmp_path: Path, provider_env: None) -> None:
    """`brief run tests/data/mini_001.txt --model openai/gpt-4o-mini --api-base <recorder>`."""
    from pipeline.runner import run_pipeline
    from pipeline.settings import Settings

    mini = Path(__file__).parent / "data" / "mini_001.txt"
    with RecordingServer() as server:
        settings = Settings.load(
            None, model="openai/gpt-4o-mini", api_base=server.root + "/v1", context_window=16000
        )
        run_pipeline([mini], settings, tmp_path / "out")
        sent = [body for _, body in server.requests]
    names = {body["response_format"]["json_schema"]["name"] for body in sent}
    assert {"MapReply", "ThemeReply", "OverviewReply"} <= names
    violations = [
        p
        for body in sent
        for p in openai_strict_violations(body["response_format"]["json_schema"]["schema"])
    ]
    assert violations == []
    assert all(body["response_format"]["json_schema"]["strict"] is True for body in sent)


def test_a_hosted_model_sends_the_provider_key_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`brief run --model openai/gpt-4o-mini` with OPENAI_API_KEY exported: the session
    passed the local servers' placeholder key, and litellm sent it in place of the
    provider's ("Bearer no-key"), so a hosted model could never be used. A server named
    with --api-base still gets the placeholder, never the provider's key."""
    from pipeline.model.cache import CallCache as Cache
    from pipeline.session import ModelSession
    from pipeline.settings import Settings

    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    with RecordingServer() as server:
        monkeypatch.setenv("OPENAI_API_BASE", server.root + "/v1")  # where litellm sends it
        monkeypatch.setenv("OPENAI_BASE_URL", server.root + "/v1")
        for api_base in (None, server.root + "/v1"):
            settings = Settings.load(
                None, model="openai/gpt-4o-mini", api_base=api_base, context_window=16000
            )
            session = ModelSession(settings, Cache(tmp_path / str(bool(api_base))), tmp_path)
            session.client.structured(
                stage="t", prompt=PROMPT, variables={"x": "hi"}, schema=Echo, max_tokens=9
            )
    assert server.keys == ["Bearer sk-from-the-environment", "Bearer no-key"]


# ------------------------------------------------------------------ many servers


class Echo(BaseModel):
    words: list[str]


def test_a_model_group_spreads_calls_and_survives_a_killed_server(cache: CallCache) -> None:
    """Three servers of one model group; one is killed mid-run: every call is answered
    by the others, and no answered call is sent again."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.model.servers import ModelGroup
    from pipeline.settings import Deployment

    servers = [RecordingServer(delay=0.05).__enter__() for _ in range(3)]
    try:
        group = ModelGroup(
            "m",
            [Deployment(model="openai/m", api_base=s.root + "/v1", concurrency=2) for s in servers],
        )
        client = ModelClient(
            model="m",
            api_base=None,
            cache=cache,
            cache_identity="group:m",
            concurrency=group.concurrency,
            router=group,
        )

        def one(n: int) -> Echo:
            if n == 12:
                servers[0].__exit__()  # killed mid-run
            return client.structured(
                stage="map", prompt=PROMPT, variables={"x": f"chunk {n}"}, schema=Echo, max_tokens=9
            )

        with ThreadPoolExecutor(6) as pool:
            replies = list(pool.map(one, range(40)))
    finally:
        for server in servers[1:]:
            server.__exit__()
    assert len(replies) == 40
    answered = [b["messages"][-1]["content"] for s in servers for b in s.answered]
    assert sorted(answered) == sorted(f"chunk {n}" for n in range(40))  # each exactly once
    assert all(s.answered for s in servers)  # every server took a share
    assert client.total().calls == 40
    # a rerun hits the cache whichever server answered: the identity is the group
    assert client.cache_identity == "group:m"


def test_model_list_in_settings_builds_a_group_client(tmp_path: Path) -> None:
    from pipeline.model.cache import CallCache as Cache
    from pipeline.session import ModelSession
    from pipeline.settings import Settings

    config = tmp_path / "brief.toml"
    config.write_text(
        'model = "qwen"\n'
        '[[model_list]]\nmodel = "hosted_vllm/qwen"\napi_base = "http://10.0.0.1:8000/v1"\n'
        "concurrency = 4\n"
        '[[model_list]]\nmodel = "hosted_vllm/qwen"\napi_base = "http://10.0.0.2:8000/v1"\n'
    )
    settings = Settings.load(config)
    assert not settings.embedded
    session = ModelSession(settings, Cache(tmp_path / "c"), tmp_path)
    assert session.client.cache_identity == "group:qwen"
    assert session.workers == 6
    assert session.client.rung == "full"  # vLLM
    assert session.client.router.router.num_retries == 0


@pytest.mark.parametrize(
    ("flags", "shown"),
    [
        ([], "reply schemas: full rung (llama.cpp server"),
        (["--model", "openai/gpt-4o-mini"], "reply schemas: strict rung (OpenAI"),
        (["--model", "gemini/gemini-2.0-flash"], "reply schemas: json_schema rung (Gemini"),
    ],
)
def test_dry_run_shows_the_rung(flags: list[str], shown: str) -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    mini = Path(__file__).parent / "data" / "mini_001.txt"
    result = CliRunner().invoke(main, ["run", str(mini), "--dry-run", *flags])
    assert result.exit_code == 0, result.output
    assert shown in result.output


def test_dry_run_says_when_the_hosted_model_s_key_is_not_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    mini = Path(__file__).parent / "data" / "mini_001.txt"
    args = ["run", str(mini), "--dry-run", "--model", "openai/gpt-4o-mini"]
    monkeypatch.setenv("BRIEF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "note: OPENAI_API_KEY is not set" in result.output
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and "note:" not in result.output
