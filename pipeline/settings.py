"""One settings object: TOML file < environment (BRIEF_*) < command-line flags.

Unknown keys are rejected everywhere, so a typo in ``brief.toml`` or in a ``BRIEF_*``
variable is an error, not a silently ignored setting (``BRIEF_TEST_*`` is the test
suite's own). ``fingerprint()`` hashes everything that can change an
output; it is written to the manifest.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from pipeline.errors import ConfigError

DEFAULT_CONFIG_FILE = "brief.toml"
ENV_PREFIX = "BRIEF_"
NOT_SETTINGS_PREFIX = "BRIEF_TEST_"  # variables of the test suite (BRIEF_TEST_MODEL_LOCK)
# chosen by measurement on seeds/ (README "Models")
EmbeddedModelKey = Literal["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]
DEFAULT_EMBEDDED_MODEL: EmbeddedModelKey = "qwen2.5-coder-1.5b"


def user_cache() -> Path:
    """The folder of the user's caches: model calls, the embedded models, jieba's dictionary."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "brief"


class Deployment(BaseModel):
    """One server of a model group (``[[model_list]]`` in brief.toml)."""

    model_config = ConfigDict(extra="forbid")
    model: str = Field(description="litellm model string of this server, e.g. openai/qwen")
    api_base: str | None = Field(None, description="this server's URL")
    api_key: SecretStr | None = Field(None, description="key for this server")
    concurrency: int = Field(2, ge=1, description="requests in flight to this server at most")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    # the model: None means the embedded model (`embedded_model`) served by llama.cpp
    model: str | None = Field(None, description="litellm model string, e.g. openai/gpt-4o-mini")
    embedded_model: EmbeddedModelKey = Field(
        DEFAULT_EMBEDDED_MODEL, description="which embedded model serves when `model` is unset"
    )
    api_base: str | None = Field(None, description="server URL; with no model, reuse this server")
    api_key: SecretStr | None = Field(None, description="key for api_base (else provider env vars)")
    temperature: float = 0.0
    repeat_penalty: float = Field(
        1.1, description="llama.cpp repetition penalty (small models loop)"
    )
    map_max_tokens: int = Field(
        600, description="a map reply's budget: 8 points of at most 350 characters, the names"
    )
    reduce_max_tokens: int = 350
    synthesize_max_tokens: int = 400
    answer_max_tokens: int = Field(500, description="output budget of one `brief ask` answer")
    embedding_model: str | None = Field(
        "embedded",
        description='embedding model fused with BM25 by `brief ask`: "embedded" (MiniLM on '
        'llama.cpp), a litellm embedding model, or "none" (BM25 alone)',
    )
    embedding_api_base: str | None = Field(None, description="server URL of embedding_model")
    expand_questions: bool = Field(
        False,
        description="`brief ask` also searches for the words of a passage the model imagines "
        "answering the question (one more model call a question; never shown or cited; off: "
        "with the embedded 1.5B it did not help the tune half or QMSum, README)",
    )
    ask_focus_tokens: int = Field(
        192,
        ge=0,
        description="`brief ask` shows the model its first three passages whole and each later "
        "one by its stretch nearest the question, at most this many tokens (reading the "
        "prompt is most of an answer's time on a CPU; 0: every passage whole)",
    )
    points_per_chunk: int = Field(
        8, description="most important map points per chunk kept for reduce"
    )
    brief_words: int = Field(
        1400,
        ge=100,
        description="about how many words of prose a source brief holds: the map points it "
        "carries fill what its overview and theme summaries leave (no model call depends on it)",
    )
    timeout_s: float = Field(300.0, description="deadline for one model request")
    retries: int = Field(2, description="extra attempts on transient errors (429, 5xx, timeouts)")
    concurrency: int | None = Field(None, description="in-flight calls; default = server slots")
    context_window: int | None = Field(None, description="tokens; default = asked from the server")
    schema_mode: Literal["auto", "full", "strict", "json_schema", "json_object"] = Field(
        "auto",
        description="how reply schemas are sent (pipeline/model/providers.py); auto: by provider",
    )
    model_policy: Literal["auto", "strict", "strict-1.5b", "strict-0.5b", "lenient"] = Field(
        "auto",
        description="small-model habit rules (pipeline/stages/policy.py); auto: the embedded "
        "model's own, lenient for any other",
    )
    model_list: list[Deployment] = Field(
        default_factory=list, description="several servers of one model, load-balanced"
    )

    # chunking
    chunk_tokens: int = Field(
        1400,
        ge=100,
        description="target chunk size in tokens (100 at least: each map call "
        "carries ~400 tokens of instructions; 10 made 9,019 chunks of the seeds)",
    )
    chunk_overlap_tokens: int = Field(
        40, ge=0, description="sentences repeated from the previous chunk"
    )
    max_file_bytes: int = 20_000_000

    # embedded server. One slot: the calls then go one at a time in the run's order, so a
    # cold rerun writes the same briefs byte for byte (with two, llama.cpp batches the
    # slots' requests together and their numbers differ in the last bits), and on two
    # cores it is no slower (seeds/001, cold: 231-254 s against 243-260 s with two)
    server_slots: int = 1
    server_ctx_per_slot: int = 8192
    server_threads: int | None = None

    # places
    cache_dir: Path = Field(default_factory=lambda: user_cache() / "calls")
    model_dir: Path = Field(default_factory=lambda: user_cache() / "models")

    _toml_path: ClassVar[Path | None] = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls._toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls._toml_path))
        return tuple(sources)

    @classmethod
    def load(cls, config: Path | None = None, **overrides: Any) -> Settings:
        """Build settings from ``config`` (or ./brief.toml if present), env and overrides."""
        if config is None and Path(DEFAULT_CONFIG_FILE).is_file():
            config = Path(DEFAULT_CONFIG_FILE)
        if config is not None and not config.is_file():
            raise ConfigError(f"config file {config} does not exist")
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = unknown_variables(os.environ)
        if unknown:
            raise ConfigError(f"invalid settings: {'; '.join(unknown)}")
        cls._toml_path = config
        try:
            return cls(**given)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {config} is not valid TOML: {exc}") from None
        except ValidationError as exc:
            problems = "; ".join(_problem(e) for e in exc.errors())
            where = f" (from {config}, BRIEF_* environment or flags)" if config else ""
            raise ConfigError(f"invalid settings{where}: {problems}") from None
        finally:
            cls._toml_path = None

    @property
    def embedded(self) -> bool:
        return self.model is None and not self.model_list

    def fingerprint(self) -> str:
        """Hash of every setting that can change an output (not keys, not places)."""
        data = self.model_dump(mode="json", exclude={"api_key", "cache_dir", "model_dir"})
        for deployment in data.get("model_list", []):
            deployment.pop("api_key", None)
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _nearest(name: str) -> str | None:
    near = difflib.get_close_matches(name, Settings.model_fields, n=1)
    return near[0] if near else None


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A problem for each ``BRIEF_*`` variable that names no setting: pydantic-settings
    ignores them, so ``BRIEF_EMBEDING_MODEL=none`` left the embedding model on."""
    problems = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper.startswith(NOT_SETTINGS_PREFIX):
            continue
        key = upper.removeprefix(ENV_PREFIX).lower()
        if key in Settings.model_fields:
            continue
        near = _nearest(key)
        hint = f" (did you mean {ENV_PREFIX}{near.upper()}?)" if near else ""
        problems.append(f"environment variable {name}: no such setting{hint}")
    return problems


def _problem(error: Any) -> str:
    """One validation error as the message says it; a setting that does not exist names
    the one it is most likely a misspelling of ("embeding_model": embedding_model)."""
    where = ".".join(str(p) for p in error["loc"])
    if error["type"] == "extra_forbidden" and len(error["loc"]) == 1:
        near = _nearest(where)
        hint = f" (did you mean {near}?)" if near else ""
        return f"{where}: no such setting{hint}"
    return f"{where}: {error['msg']}"
