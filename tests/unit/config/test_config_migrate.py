"""Legacy rewrites: each produces the current shape and a warning saying what changed."""

from __future__ import annotations

from typing import Any

import pytest

from plano.config import parse_config
from plano.errors import ConfigError


def _config(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": "v0.4.0",
        "listeners": [{"type": "model", "name": "llm"}],
        "model_providers": [
            {"model": "openai/gpt-4o", "access_key": "k", "default": True},
            {"model": "openai/gpt-4o-mini", "access_key": "k"},
        ],
    }
    data.update(extra)
    return data


def test_llm_providers_become_model_providers() -> None:
    data = _config()
    data["llm_providers"] = data.pop("model_providers")
    config = parse_config(data, {}, source="t")
    assert len(config.model_providers) == 2
    assert any("llm_providers was renamed" in w for w in config.warnings)


def test_llm_providers_and_model_providers_together_are_rejected() -> None:
    data = _config(llm_providers=[{"model": "openai/gpt-4o"}])
    with pytest.raises(ConfigError) as info:
        parse_config(data, {}, source="t")
    assert "llm_providers" in [p.location for p in info.value.problems]


def test_provider_field_becomes_provider_interface() -> None:
    data = _config()
    data["model_providers"].append(
        {"model": "custom/llama", "base_url": "http://localhost:8000", "provider": "openai"}
    )
    config = parse_config(data, {}, source="t")
    assert config.model_providers[2].provider_interface == "openai"
    assert any("provider was renamed to provider_interface" in w for w in config.warnings)


def test_legacy_listener_object_becomes_a_list() -> None:
    data = _config(
        listeners={
            "ingress_traffic": {"address": "127.0.0.1", "port": 10001, "timeout": "10s"},
            "egress_traffic": {"port": 12001, "message_format": "openai"},
        }
    )
    config = parse_config(data, {}, source="t")
    model, prompt = config.listeners
    assert (model.name, model.type, model.port) == ("egress_traffic", "model", 12001)
    assert (prompt.name, prompt.type, prompt.port, prompt.address) == (
        "ingress_traffic",
        "prompt",
        10001,
        "127.0.0.1",
    )
    assert prompt.timeout_s == 10.0
    assert any("legacy" in w for w in config.warnings)


def test_legacy_listener_object_rejects_unknown_keys() -> None:
    data = _config(listeners={"egress_traffic": {"port": 12000, "tls": True}})
    with pytest.raises(ConfigError) as info:
        parse_config(data, {}, source="t")
    assert "listeners.egress_traffic.tls" in [p.location for p in info.value.problems]


def test_model_listener_is_added_when_providers_have_none() -> None:
    data = _config(listeners=[{"type": "prompt", "name": "p"}])
    config = parse_config(data, {}, source="t")
    assert config.model_listener is not None
    assert (config.model_listener.name, config.model_listener.port) == ("egress_traffic", 12000)
    assert any("added model listener egress_traffic" in w for w in config.warnings)


def test_inline_routing_preferences_move_to_top_level_merged_by_name() -> None:
    data = _config(version="v0.3.0")
    data["model_providers"][0]["routing_preferences"] = [
        {"name": "code", "description": "write code"},
        {"name": "chat", "description": "small talk"},
    ]
    data["model_providers"][1]["routing_preferences"] = [
        {"name": "code", "description": "different words"}
    ]
    config = parse_config(data, {}, source="t")
    prefs = {p.name: p for p in config.routing_preferences}
    assert prefs["code"].models == ("openai/gpt-4o", "openai/gpt-4o-mini")
    assert prefs["code"].description == "write code"
    assert prefs["chat"].models == ("openai/gpt-4o",)
    assert config.version == "v0.4.0"
    assert any("first one is kept" in w for w in config.warnings)
    assert any("version v0.3.0 was upgraded to v0.4.0" in w for w in config.warnings)


def test_top_level_routing_preference_wins_over_inline_one() -> None:
    data = _config(
        routing_preferences=[{"name": "code", "description": "top", "models": ["gpt-4o-mini"]}]
    )
    data["model_providers"][0]["routing_preferences"] = [{"name": "code", "description": "x"}]
    config = parse_config(data, {}, source="t")
    assert [(p.name, p.models) for p in config.routing_preferences] == [("code", ("gpt-4o-mini",))]


def test_inline_routing_preferences_on_a_wildcard_are_rejected() -> None:
    data = _config()
    data["model_providers"].append(
        {
            "model": "groq/*",
            "access_key": "k",
            "routing_preferences": [{"name": "a", "description": "b"}],
        }
    )
    with pytest.raises(ConfigError) as info:
        parse_config(data, {}, source="t")
    assert "model_providers[2].routing_preferences" in [p.location for p in info.value.problems]


@pytest.mark.parametrize("key", ["filter_chain"])
def test_listener_filter_chain_becomes_input_filters(key: str) -> None:
    data = _config(filters=[{"id": "guard", "url": "http://h:1"}])
    data["listeners"][0][key] = ["guard"]
    config = parse_config(data, {}, source="t")
    assert config.listeners[0].input_filters == ("guard",)
    assert any("filter_chain was renamed to input_filters" in w for w in config.warnings)


def test_agent_filter_chain_becomes_input_filters() -> None:
    data = _config(
        agents=[{"id": "a", "url": "http://h:1"}], filters=[{"id": "g", "url": "http://h:2"}]
    )
    data["listeners"].append(
        {
            "type": "agent",
            "name": "ag",
            "port": 8001,
            "agents": [{"id": "a", "description": "d", "filter_chain": ["g"]}],
        }
    )
    config = parse_config(data, {}, source="t")
    assert config.listeners[1].agents[0].input_filters == ("g",)


def test_filter_chain_and_input_filters_together_are_rejected() -> None:
    data = _config(filters=[{"id": "g", "url": "http://h:1"}])
    data["listeners"][0].update(filter_chain=["g"], input_filters=["g"])
    with pytest.raises(ConfigError) as info:
        parse_config(data, {}, source="t")
    assert "listeners[0].filter_chain" in [p.location for p in info.value.problems]


def test_old_override_names_are_renamed() -> None:
    data = _config(overrides={"router_model": "Arch-Router", "orchestrator_model": "X"})
    config = parse_config(data, {}, source="t")
    assert config.overrides.llm_routing_model == "Arch-Router"
    assert config.overrides.agent_orchestration_model == "X"


def test_old_span_attribute_prefixes_move_under_span_attributes() -> None:
    data = _config(tracing={"span_attribute_header_prefixes": ["x-katanemo-"]})
    config = parse_config(data, {}, source="t")
    assert config.tracing.span_attributes.header_prefixes == ("x-katanemo-",)


def test_arch_prefix_is_read_as_plano() -> None:
    data = _config()
    data["model_providers"].append({"model": "arch/Arch-Router", "base_url": "http://h:11434"})
    config = parse_config(data, {}, source="t")
    assert config.model_providers[2].provider_interface == "plano"
