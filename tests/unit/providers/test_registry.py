"""Model resolution: aliases, names, bare ids, wildcards, defaults and clear failures."""

from __future__ import annotations

from typing import Any

import pytest

from plano.config import Config, parse_config
from plano.errors import ModelNotFound
from plano.providers.registry import ModelRegistry


def make_config(providers: list[dict[str, Any]], aliases: dict[str, str] | None = None) -> Config:
    data: dict[str, Any] = {
        "version": "v0.4.0",
        "listeners": [{"name": "llm", "type": "model", "port": 12000}],
        "model_providers": providers,
    }
    if aliases:
        data["model_aliases"] = {k: {"target": v} for k, v in aliases.items()}
    return parse_config(data, {}, require_env=False, source="test")


@pytest.fixture
def registry() -> ModelRegistry:
    return ModelRegistry(
        make_config(
            [
                {"model": "openai/gpt-4o-mini", "access_key": "k1", "default": True},
                {"model": "anthropic/claude-sonnet-4-5", "access_key": "k2"},
                {"model": "gemini/*", "access_key": "k3"},
                {"model": "groq/*", "access_key": "k4"},
            ],
            aliases={"fast": "openai/gpt-4o-mini", "smart": "anthropic/claude-sonnet-4-5"},
        )
    )


def test_provider_name_resolves(registry: ModelRegistry) -> None:
    resolved = registry.resolve("anthropic/claude-sonnet-4-5")
    assert resolved.provider.provider == "anthropic"
    assert resolved.model_id == "claude-sonnet-4-5"
    assert resolved.name == "anthropic/claude-sonnet-4-5"


def test_bare_model_id_resolves(registry: ModelRegistry) -> None:
    assert registry.resolve("gpt-4o-mini").name == "openai/gpt-4o-mini"


def test_alias_resolves_to_its_target(registry: ModelRegistry) -> None:
    assert registry.resolve("smart").name == "anthropic/claude-sonnet-4-5"


def test_prefixed_name_uses_the_wildcard_provider(registry: ModelRegistry) -> None:
    resolved = registry.resolve("groq/llama-3.3-70b-versatile")
    assert resolved.provider.model == "groq/*"
    assert resolved.model_id == "llama-3.3-70b-versatile"


def test_google_prefix_is_an_alias_of_gemini(registry: ModelRegistry) -> None:
    assert registry.resolve("google/gemini-2.5-flash").provider.model == "gemini/*"


def test_bare_id_finds_the_wildcard_of_its_family(registry: ModelRegistry) -> None:
    resolved = registry.resolve("gemini-2.5-pro")
    assert resolved.provider.model == "gemini/*"
    assert resolved.model_id == "gemini-2.5-pro"


def test_missing_model_uses_the_default_provider(registry: ModelRegistry) -> None:
    assert registry.resolve(None).name == "openai/gpt-4o-mini"
    assert registry.resolve("").name == "openai/gpt-4o-mini"
    assert registry.resolve("default").name == "openai/gpt-4o-mini"


def test_unknown_model_lists_configured_names(registry: ModelRegistry) -> None:
    with pytest.raises(ModelNotFound) as caught:
        registry.resolve("mistral-large")
    message = caught.value.message
    assert "'mistral-large' is not configured" in message
    for name in ("openai/gpt-4o-mini", "gemini/*", "fast", "smart"):
        assert name in message


def test_unknown_prefix_is_not_sent_to_an_unrelated_wildcard(registry: ModelRegistry) -> None:
    with pytest.raises(ModelNotFound):
        registry.resolve("mistral/mistral-large")


def test_no_default_and_no_model_is_a_clear_error() -> None:
    registry = ModelRegistry(make_config([{"model": "openai/gpt-4o", "access_key": "k"}]))
    with pytest.raises(ModelNotFound, match="no provider is marked default"):
        registry.resolve(None)


def test_a_lone_wildcard_takes_unrecognised_bare_ids() -> None:
    registry = ModelRegistry(make_config([{"model": "groq/*", "access_key": "k"}]))
    assert registry.resolve("llama-3.1-8b-instant").model_id == "llama-3.1-8b-instant"


def test_a_wildcard_beside_concrete_providers_does_not_swallow_typos() -> None:
    registry = ModelRegistry(
        make_config(
            [{"model": "groq/*", "access_key": "k"}, {"model": "openai/gpt-4o", "access_key": "k"}]
        )
    )
    with pytest.raises(ModelNotFound):
        registry.resolve("gtp-4o")


def test_listed_models_are_concrete_providers_then_aliases(registry: ModelRegistry) -> None:
    assert registry.listed_models() == [
        ("openai/gpt-4o-mini", "openai"),
        ("anthropic/claude-sonnet-4-5", "anthropic"),
        ("fast", "alias"),
        ("smart", "alias"),
    ]
