"""Zero-config: one model listener and a wildcard provider per API key found."""

from __future__ import annotations

from plano.config import zero_config


def test_wildcard_provider_for_each_key_set() -> None:
    config = zero_config({"OPENAI_API_KEY": "sk-1", "ANTHROPIC_API_KEY": "sk-2", "HOME": "/root"})
    assert [p.model for p in config.model_providers] == ["openai/*", "anthropic/*"]
    openai = config.model_providers[0]
    assert openai.is_wildcard
    assert openai.model_id == "*"
    assert openai.access_key is not None
    assert openai.access_key.reveal() == "sk-1"
    assert not any(p.default for p in config.model_providers)
    assert config.warnings == ()


def test_single_model_listener_on_all_interfaces() -> None:
    config = zero_config({"GROQ_API_KEY": "k"}, port=13000)
    assert config.model_listener is not None
    assert (config.model_listener.name, config.model_listener.address) == ("llm", "0.0.0.0")
    assert config.model_listener.port == 13000
    assert len(config.listeners) == 1
    assert config.source == "zero-config"


def test_empty_key_is_treated_as_unset() -> None:
    assert zero_config({"OPENAI_API_KEY": ""}).model_providers == ()


def test_no_keys_gives_a_valid_config_with_a_warning() -> None:
    config = zero_config({})
    assert config.model_providers == ()
    assert config.model_listener is not None
    assert len(config.warnings) == 1
    assert "no provider API key is set" in config.warnings[0]
    assert "OPENAI_API_KEY" in config.warnings[0]


def test_secret_does_not_leak_into_repr() -> None:
    assert "sk-zero" not in repr(zero_config({"XAI_API_KEY": "sk-zero"}))
