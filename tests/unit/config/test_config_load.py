"""Loading: safe YAML, `$VAR`/`${VAR}` substitution, unset variables, and secrets never shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from plano.config import ConfigFileError, load_config, parse_config
from plano.config.reader import parse_duration
from plano.errors import ConfigError

CONFIG = """\
version: v0.4.0
listeners:
  - type: model
    name: llm
model_providers:
  - model: openai/gpt-4o
    access_key: $OPENAI_API_KEY
    base_url: https://${API_HOST}/v1
    default: true
state_storage:
  type: postgres
  connection_string: postgresql://plano:${PGPASSWORD}@db:5432/plano
"""
SECRETS = {"OPENAI_API_KEY": "sk-very-secret", "API_HOST": "api.openai.com", "PGPASSWORD": "pw-42"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plano_config.yaml"
    path.write_text(text)
    return path


def test_both_variable_forms_are_substituted(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, CONFIG), SECRETS)
    provider = config.model_providers[0]
    assert provider.access_key is not None
    assert provider.access_key.reveal() == "sk-very-secret"
    assert provider.base_url == "https://api.openai.com/v1"
    assert config.state_storage is not None
    assert config.state_storage.connection_string is not None
    assert config.state_storage.connection_string.reveal().endswith(":pw-42@db:5432/plano")
    assert config.source == str(tmp_path / "plano_config.yaml")


def test_env_defaults_to_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    config = load_config(_write(tmp_path, CONFIG))
    assert config.model_providers[0].base_url == "https://api.openai.com/v1"


def test_keys_are_not_substituted() -> None:
    data: dict[str, Any] = {
        "version": "v0.4.0",
        "listeners": [{"type": "model", "name": "llm"}],
        "model_providers": [{"model": "openai/gpt-4o", "access_key": "k"}],
        "model_aliases": {"$ALIAS": {"target": "gpt-4o"}},
    }
    config = parse_config(data, {"ALIAS": "nope"}, source="test")
    assert "$ALIAS" in config.model_aliases


def test_unset_variable_names_the_variable_and_the_key(tmp_path: Path) -> None:
    env = {k: v for k, v in SECRETS.items() if k != "OPENAI_API_KEY"}
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, CONFIG), env)
    assert [str(p) for p in info.value.problems] == [
        "model_providers[0].access_key: environment variable OPENAI_API_KEY is not set"
    ]


def test_unset_variables_are_warnings_when_env_is_not_required(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, CONFIG), {}, require_env=False)
    assert "model_providers[0].access_key: environment variable OPENAI_API_KEY is not set" in (
        config.warnings
    )
    assert any("API_HOST" in w for w in config.warnings)


def test_secrets_never_appear_in_errors_or_reprs(tmp_path: Path) -> None:
    broken = CONFIG.replace("default: true", "default: maybe")
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, broken), SECRETS)
    text = str(info.value) + repr(info.value) + repr(info.value.problems)
    for secret in ("sk-very-secret", "pw-42"):
        assert secret not in text
    config = load_config(_write(tmp_path, CONFIG), SECRETS)
    for secret in ("sk-very-secret", "pw-42"):
        assert secret not in repr(config)
        assert secret not in str(config)


def test_secret_of_wrong_type_is_reported_without_its_value() -> None:
    data: dict[str, Any] = {
        "version": "v0.4.0",
        "listeners": [{"type": "model", "name": "llm"}],
        "model_providers": [{"model": "openai/gpt-4o", "access_key": 123456789}],
    }
    with pytest.raises(ConfigError) as info:
        parse_config(data, {}, source="test")
    assert "123456789" not in str(info.value)
    assert "model_providers[0].access_key: expected a string, got an integer" in str(info.value)


def test_prompt_target_header_values_are_secrets() -> None:
    data: dict[str, Any] = {
        "version": "v0.4.0",
        "listeners": [{"type": "prompt", "name": "p"}],
        "endpoints": {"spotify": {"endpoint": "api.spotify.com", "protocol": "https"}},
        "prompt_targets": [
            {
                "name": "t",
                "description": "d",
                "endpoint": {
                    "name": "spotify",
                    "path": "/v1/me",
                    "http_headers": {"Authorization": "Bearer $SPOTIFY_TOKEN"},
                },
            }
        ],
    }
    config = parse_config(data, {"SPOTIFY_TOKEN": "tok-123"}, source="test")
    endpoint = config.prompt_targets[0].endpoint
    assert endpoint is not None
    assert endpoint.http_headers["Authorization"].reveal() == "Bearer tok-123"
    assert "tok-123" not in repr(config)


def test_posthog_api_key_and_redis_url_are_secrets() -> None:
    data: dict[str, Any] = {
        "version": "v0.4.0",
        "listeners": [{"type": "model", "name": "llm"}],
        "model_providers": [{"model": "openai/gpt-4o", "access_key": "k"}],
        "tracing": {"exporters": [{"type": "posthog", "url": "https://ph", "api_key": "phc_x1"}]},
        "routing": {"session_cache": {"type": "redis", "url": "redis://:pw-9@cache:6379"}},
    }
    config = parse_config(data, {}, source="test")
    assert "phc_x1" not in repr(config)
    assert "pw-9" not in repr(config)
    assert config.tracing.exporters[0].api_key.reveal() == "phc_x1"


def test_missing_file_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError) as info:
        load_config(tmp_path / "missing.yaml")
    assert "no such file" in str(info.value)


def test_invalid_yaml_reports_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "version: v0.4.0\nlisteners:\n  - type: model\n   name: x\n")
    with pytest.raises(ConfigFileError) as info:
        load_config(path, {})
    assert "line 4, column 4" in str(info.value)


def test_duplicate_keys_are_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "version: v0.4.0\nversion: v0.3.0\nlisteners: []\n")
    with pytest.raises(ConfigFileError) as info:
        load_config(path, {})
    assert "duplicate key 'version'" in str(info.value)
    assert "line 2" in str(info.value)


def test_yaml_tags_are_not_executed(tmp_path: Path) -> None:
    path = _write(tmp_path, "version: !!python/object/apply:os.getcwd []\n")
    with pytest.raises(ConfigFileError):
        load_config(path, {})


@pytest.mark.parametrize("text", ["", "# nothing\n"])
def test_empty_config_is_rejected(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text), {})
    assert "empty" in str(info.value)


def test_non_mapping_config_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, "- a\n- b\n"), {})
    assert "must be a mapping" in str(info.value)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("0.005s", 0.005), ("300ms", 0.3), ("5m", 300.0), ("1h", 3600.0), (2, 2.0)],
)
def test_durations_parse_to_seconds(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["soon", "-1s", True, "5 parsecs", None])
def test_malformed_durations_are_rejected(text: object) -> None:
    assert parse_duration(text) is None


def test_unset_variable_in_a_url_is_not_also_a_url_error() -> None:
    data: dict[str, Any] = {
        "version": "v0.4.0",
        "listeners": [{"type": "model", "name": "llm"}],
        "model_providers": [
            {"model": "custom/llama", "base_url": "$LLAMA_URL", "provider_interface": "openai"}
        ],
    }
    config = parse_config(data, {}, require_env=False, source="test")
    assert any("LLAMA_URL" in w for w in config.warnings)


def test_provider_headers_are_hidden_from_repr() -> None:
    data: dict[str, Any] = {
        "version": "v0.4.0",
        "listeners": [{"type": "model", "name": "llm"}],
        "model_providers": [
            {"model": "openai/gpt-4o", "access_key": "k", "headers": {"X-Token": "$TOKEN"}}
        ],
    }
    config = parse_config(data, {"TOKEN": "tok-77"}, source="test")
    assert config.model_providers[0].headers["X-Token"] == "tok-77"
    assert "tok-77" not in repr(config)
