from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.settings import Settings


def test_toml_then_env_then_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "brief.toml"
    config.write_text('chunk_tokens = 500\ntemperature = 0.3\nmodel = "openai/x"\n')
    assert Settings.load(config).chunk_tokens == 500
    monkeypatch.setenv("BRIEF_CHUNK_TOKENS", "700")
    settings = Settings.load(config)
    assert settings.chunk_tokens == 700 and settings.temperature == 0.3
    assert Settings.load(config, chunk_tokens=800).chunk_tokens == 800
    assert Settings.load(config, chunk_tokens=None).chunk_tokens == 700  # unset flag


def test_brief_toml_in_the_working_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "brief.toml").write_text("chunk_tokens = 321\n")  # cwd is tmp_path
    assert Settings.load(None).chunk_tokens == 321


def test_unknown_keys_and_bad_values_are_rejected(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("chunk_tokns = 500\n")
    with pytest.raises(
        ConfigError, match=r"chunk_tokns: no such setting \(did you mean chunk_tokens\?\)"
    ):
        Settings.load(config)
    config.write_text("colour = 1\n")
    with pytest.raises(ConfigError, match=r"colour: no such setting$"):
        Settings.load(config)
    config.write_text("chunk_tokens = \n")  # a syntax error: it was a traceback
    with pytest.raises(ConfigError, match=r"c.toml is not valid TOML: Invalid value \(at line 1"):
        Settings.load(config)
    config.write_text('chunk_tokens = "many"\n')
    with pytest.raises(ConfigError, match="chunk_tokens"):
        Settings.load(config)
    # 10 made 9,019 map calls of the seeds, each mostly instructions
    with pytest.raises(ConfigError, match="chunk_tokens: Input should be greater than or"):
        Settings.load(None, chunk_tokens=10)
    with pytest.raises(ConfigError, match="brief_words: Input should be greater than or"):
        Settings.load(None, brief_words=50)
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.load(tmp_path / "missing.toml")


def test_unknown_brief_variables_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEF_EMBEDING_MODEL", "none")  # it left the embedding model on
    with pytest.raises(
        ConfigError,
        match=r"environment variable BRIEF_EMBEDING_MODEL: no such setting "
        r"\(did you mean BRIEF_EMBEDDING_MODEL\?\)",
    ):
        Settings.load(None)
    monkeypatch.delenv("BRIEF_EMBEDING_MODEL")
    monkeypatch.setenv("brief_chunk_tokens", "500")  # names are not case-sensitive
    monkeypatch.setenv("BRIEF_TEST_ANYTHING", "1")  # the test suite's own variables
    monkeypatch.setenv("BRIEFING", "1")
    assert Settings.load(None).chunk_tokens == 500


def test_fingerprint_follows_output_settings_but_not_secrets() -> None:
    base = Settings.load(None)
    assert base.fingerprint() == Settings.load(None, api_key="sk-other").fingerprint()
    assert base.fingerprint() != Settings.load(None, chunk_tokens=123).fingerprint()
    assert base.fingerprint() != Settings.load(None, brief_words=900).fingerprint()
    assert "sk-other" not in repr(Settings.load(None, api_key="sk-other"))


def test_the_run_s_brief_words_flag_is_the_setting() -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    mini = Path(__file__).parent / "data" / "mini_001.txt"
    result = CliRunner().invoke(main, ["run", str(mini), "--dry-run", "--brief-words", "50"])
    assert result.exit_code == 2
    assert "brief_words: Input should be greater than or equal to 100" in result.output
    result = CliRunner().invoke(main, ["run", str(mini), "--dry-run", "--brief-words", "1400"])
    assert result.exit_code == 0, result.output
