"""Every reference demo/doc config validates (environment not required), and broken variants of
them name the offending key. Fixtures: tests/fixtures/configs/reference/ (katanemo/plano)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from plano.config import load_config, parse_config
from plano.errors import ConfigError

REFERENCE = Path(__file__).parents[2] / "fixtures" / "configs" / "reference"
ALL = sorted(p.name for p in REFERENCE.glob("*.yaml"))

# Files the reference accepts but plano rejects on purpose, with the reason.
REJECTED = {
    # Its agent listener routes to `rag_agent`, which is declared neither in agents nor in
    # filters: the reference accepts the file and fails at request time; plano says so up front.
    "plano_config_full_reference.yaml": "listeners[0].agents[0].id",
    # An interim reference release's `prompt_caching.session_stickiness` (a USD seed budget),
    # superseded by `routing.routing_budget` (a percentage cap); the current reference schema
    # rejects it too, and the two budgets cannot be converted.
    "session_stickiness.yaml": "prompt_caching.session_stickiness",
}

# Files the current reference schema rejects and plano accepts by migrating a legacy key.
MIGRATED = {
    "model_listener_filter.yaml": "filter_chain was renamed to input_filters",
    "pii_anonymizer.yaml": "output_filter_chain was renamed to output_filters",
    "preference_based_routing_local.yaml": "router_model was renamed to llm_routing_model",
    "travel_agents_local_orchestrator.yaml": "orchestrator_model was renamed",
    "travel_agents.yaml": "span_attribute_header_prefixes was moved",
    "routing_budget.yaml": "max_overhead_pct was renamed to max_switch_spend_pct",
}


def _raw(name: str) -> dict[str, Any]:
    data = yaml.safe_load((REFERENCE / name).read_text())
    assert isinstance(data, dict)
    return data


def test_fixture_directory_holds_the_reference_configs() -> None:
    assert len(ALL) >= 15


@pytest.mark.parametrize("name", [n for n in ALL if n not in REJECTED])
def test_reference_config_validates(name: str) -> None:
    config = load_config(REFERENCE / name, {}, require_env=False)
    assert config.version == "v0.4.0"
    assert config.listeners
    if name in MIGRATED:
        assert any(MIGRATED[name] in w for w in config.warnings), config.warnings


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_rejected_reference_config_fails_only_for_the_stated_reason(name: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(REFERENCE / name, {}, require_env=False)
    assert [p.location for p in info.value.problems] == [REJECTED[name]]


def test_full_reference_validates_once_its_agent_is_declared() -> None:
    data = _raw("plano_config_full_reference.yaml")
    data["agents"].append({"id": "rag_agent", "url": "http://localhost:10530"})
    config = parse_config(data, {}, require_env=False, source="test")
    assert len(config.model_providers) == 7
    assert config.model_aliases["fast-llm"] == "gpt-4o-mini"
    assert config.endpoints["app_server"].connect_timeout_s == pytest.approx(0.005)
    assert config.overrides.upstream_connect_timeout_s == 10.0
    assert config.model_listener is not None
    assert config.model_listener.timeout_s == 30.0
    assert [p.name for p in config.routing_preferences] == ["code generation", "code review"]


def test_reference_with_env_set_has_no_unset_variable_warnings() -> None:
    env = {"OPENAI_API_KEY": "sk-a", "ANTHROPIC_API_KEY": "sk-b", "GROQ_API_KEY": "sk-c"}
    config = load_config(REFERENCE / "weather_forecast.yaml", env)
    assert not any("environment variable" in w for w in config.warnings)
    assert config.model_providers[0].access_key is not None
    assert config.model_providers[0].access_key.reveal() == "sk-c"


@pytest.mark.parametrize(
    ("name", "mutate", "location"),
    [
        (
            "weather_forecast.yaml",
            lambda d: d["prompt_targets"][0]["endpoint"].update(name="nowhere"),
            "prompt_targets[0].endpoint.name",
        ),
        (
            "model_routing_service.yaml",
            lambda d: d["routing_preferences"][0]["models"].append("openai/gpt-9"),
            "routing_preferences[0].models[2]",
        ),
        (
            "model_routing_service.yaml",
            lambda d: d.pop("model_metrics_sources"),
            "routing_preferences[0].selection_policy.prefer",
        ),
        (
            "http_filter.yaml",
            lambda d: d["listeners"][0]["agents"][0]["input_filters"].append("ghost"),
            "listeners[0].agents[0].input_filters[3]",
        ),
        (
            "session_affinity_redis.yaml",
            lambda d: d["routing"]["session_cache"].pop("url"),
            "routing.session_cache.url",
        ),
        (
            "claude_code_router.yaml",
            lambda d: d["model_aliases"]["arch.claude.code.small.fast"].update(target="nope"),
            "model_aliases.arch.claude.code.small.fast.target",
        ),
        (
            "ollama.yaml",
            lambda d: d["model_providers"][0].pop("base_url"),
            "model_providers[0].model",
        ),
        (
            "e2e_config_native_smoke.yaml",
            lambda d: d["listeners"][0].update(colour="blue"),
            "listeners[0].colour",
        ),
    ],
)
def test_broken_reference_variant_names_the_offending_key(
    name: str, mutate: Any, location: str
) -> None:
    data = _raw(name)
    mutate(data)
    with pytest.raises(ConfigError) as info:
        parse_config(data, {}, require_env=False, source=name)
    assert location in [p.location for p in info.value.problems], info.value.problems
