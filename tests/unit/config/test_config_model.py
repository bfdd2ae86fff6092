"""The frozen config model: immutability, masked secrets and convenience accessors."""

from __future__ import annotations

import dataclasses

import pytest

from plano.config.model import (
    Config,
    CostMetricsSource,
    LatencyMetricsSource,
    Listener,
    ModelProvider,
    Secret,
)


def _provider(model: str, **kwargs: object) -> ModelProvider:
    prefix, _, model_id = model.partition("/")
    return ModelProvider(
        name=model,
        model=model,
        provider=prefix,
        model_id=model_id,
        provider_interface=prefix,
        **kwargs,  # type: ignore[arg-type]
    )


def test_secret_is_masked_in_str_and_repr() -> None:
    secret = Secret("sk-live-123")
    assert str(secret) == "***"
    assert "sk-live-123" not in repr(secret)
    assert secret.reveal() == "sk-live-123"


def test_secret_is_masked_inside_a_provider_repr() -> None:
    provider = _provider("openai/gpt-4o", access_key=Secret("sk-live-123"))
    assert "sk-live-123" not in repr(provider)


def test_config_is_frozen() -> None:
    config = Config(version="v0.4.0", listeners=())
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.version = "v0.3.0"  # type: ignore[misc]


def test_model_listener_is_the_listener_of_type_model() -> None:
    model = Listener(name="llm", type="model")
    config = Config(
        version="v0.4.0", listeners=(Listener(name="p", type="prompt", port=10000), model)
    )
    assert config.model_listener is model
    assert Config(version="v0.4.0", listeners=()).model_listener is None


def test_default_provider_and_metrics_sources_are_found_by_kind() -> None:
    cost = CostMetricsSource(provider="models.dev")
    latency = LatencyMetricsSource(provider="prometheus", url="http://p:9090", query="q")
    default = _provider("openai/gpt-4o", default=True)
    config = Config(
        version="v0.4.0",
        listeners=(),
        model_providers=(_provider("openai/gpt-4o-mini"), default),
        model_metrics_sources=(latency, cost),
    )
    assert config.default_provider is default
    assert config.cost_source is cost
    assert config.latency_source is latency


def test_metrics_listener_defaults_to_all_interfaces_port_9092() -> None:
    config = Config(version="v0.4.0", listeners=())
    assert (config.metrics.address, config.metrics.port) == ("0.0.0.0", 9092)
