"""One test per validation rule: each asserts where the problem is reported and why."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from plano.config import Config, parse_config
from plano.errors import ConfigError, ConfigProblem

BASE: dict[str, Any] = {
    "version": "v0.4.0",
    "listeners": [{"type": "model", "name": "llm", "port": 12000}],
    "model_providers": [
        {"model": "openai/gpt-4o", "access_key": "$OPENAI_API_KEY", "default": True},
        {"model": "openai/gpt-4o-mini", "access_key": "$OPENAI_API_KEY"},
        {"model": "anthropic/claude-sonnet-4-0", "access_key": "$ANTHROPIC_API_KEY"},
    ],
}
ENV = {"OPENAI_API_KEY": "sk-openai-secret", "ANTHROPIC_API_KEY": "sk-ant-secret"}


@pytest.fixture
def base() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def build(data: dict[str, Any]) -> Config:
    return parse_config(data, ENV, source="test")


def problems_of(data: dict[str, Any]) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as info:
        build(data)
    return list(info.value.problems)


def problem_at(data: dict[str, Any], location: str) -> str:
    found = problems_of(data)
    messages = [p.message for p in found if p.location == location]
    assert messages, f"no problem at {location}; got {[str(p) for p in found]}"
    return messages[0]


def test_base_config_is_valid(base: dict[str, Any]) -> None:
    config = build(base)
    assert config.model_providers[0].name == "openai/gpt-4o"
    assert config.warnings == ()


# --- top level -----------------------------------------------------------------------------


def test_unknown_top_level_key_is_rejected(base: dict[str, Any]) -> None:
    base["error_target"] = {}
    assert "unknown key 'error_target'" in problem_at(base, "error_target")


def test_version_is_required(base: dict[str, Any]) -> None:
    del base["version"]
    assert problem_at(base, "version") == "is required"


def test_version_must_be_a_known_one(base: dict[str, Any]) -> None:
    base["version"] = "v9"
    assert "must be one of" in problem_at(base, "version")


def test_listeners_are_required(base: dict[str, Any]) -> None:
    del base["listeners"]
    assert "is required" in problem_at(base, "listeners")


def test_mode_must_be_llm_or_prompt(base: dict[str, Any]) -> None:
    base["mode"] = "agent"
    assert "must be one of llm, prompt" in problem_at(base, "mode")


def test_system_prompt_must_be_a_string(base: dict[str, Any]) -> None:
    base["system_prompt"] = ["a"]
    assert "expected a string, got a list" in problem_at(base, "system_prompt")


def test_every_problem_is_reported_at_once(base: dict[str, Any]) -> None:
    base["listeners"][0]["port"] = "twelve"
    base["model_providers"][1]["model"] = "gpt-4"
    base["tracing"] = {"random_sampling": 500}
    locations = {p.location for p in problems_of(base)}
    assert {
        "listeners[0].port",
        "model_providers[1].model",
        "tracing.random_sampling",
    } <= locations


# --- listeners -----------------------------------------------------------------------------


def test_listener_unknown_key_is_rejected(base: dict[str, Any]) -> None:
    base["listeners"][0]["colour"] = "blue"
    assert "unknown key 'colour'" in problem_at(base, "listeners[0].colour")


def test_listener_type_is_checked(base: dict[str, Any]) -> None:
    base["listeners"][0]["type"] = "llm"
    assert "must be one of model, prompt, agent" in problem_at(base, "listeners[0].type")


def test_listener_name_is_required(base: dict[str, Any]) -> None:
    del base["listeners"][0]["name"]
    assert problem_at(base, "listeners[0].name") == "is required"


def test_listener_port_must_be_an_integer_in_range(base: dict[str, Any]) -> None:
    base["listeners"][0]["port"] = 70000
    assert "at most 65535" in problem_at(base, "listeners[0].port")


def test_listener_timeout_must_be_a_duration(base: dict[str, Any]) -> None:
    base["listeners"][0]["timeout"] = "soon"
    assert "duration" in problem_at(base, "listeners[0].timeout")


def test_listener_defaults_depend_on_type(base: dict[str, Any]) -> None:
    base["listeners"] = [
        {"type": "model", "name": "m"},
        {"type": "prompt", "name": "p"},
        {"type": "agent", "name": "a", "port": 8001},
    ]
    model, prompt, agent = build(base).listeners
    assert (model.port, model.timeout_s, model.address) == (12000, 300.0, "0.0.0.0")
    assert (prompt.port, prompt.timeout_s) == (10000, 300.0)
    assert agent.timeout_s == 30.0
    assert model.max_body_bytes == 10 * 1024 * 1024


def test_durations_accept_seconds_milliseconds_and_bare_numbers(base: dict[str, Any]) -> None:
    base["listeners"][0]["timeout"] = "300ms"
    base["overrides"] = {"upstream_connect_timeout": 2}
    config = build(base)
    assert config.listeners[0].timeout_s == pytest.approx(0.3)
    assert config.overrides.upstream_connect_timeout_s == 2.0


def test_agent_listener_requires_a_port(base: dict[str, Any]) -> None:
    base["listeners"].append({"type": "agent", "name": "a"})
    assert "required for a listener of type agent" in problem_at(base, "listeners[1].port")


def test_only_one_model_listener(base: dict[str, Any]) -> None:
    base["listeners"].append({"type": "model", "name": "llm2", "port": 12001})
    assert "only one listener can be of type model" in problem_at(base, "listeners[1].type")


def test_listener_names_are_unique(base: dict[str, Any]) -> None:
    base["listeners"].append({"type": "prompt", "name": "llm", "port": 10000})
    assert "already used by listeners[0]" in problem_at(base, "listeners[1].name")


def test_listener_ports_are_unique(base: dict[str, Any]) -> None:
    base["listeners"].append({"type": "prompt", "name": "p", "port": 12000})
    assert "port 12000 is already used" in problem_at(base, "listeners[1].port")


def test_listener_router_is_checked(base: dict[str, Any]) -> None:
    base["listeners"].append({"type": "agent", "name": "a", "port": 8001, "router": "x"})
    assert "plano_orchestrator_v1" in problem_at(base, "listeners[1].router")


def test_listener_input_filter_must_be_declared(base: dict[str, Any]) -> None:
    base["filters"] = [{"id": "guard", "url": "http://localhost:10500"}]
    base["listeners"][0]["input_filters"] = ["guard", "missing"]
    message = problem_at(base, "listeners[0].input_filters[1]")
    assert "'missing' is not declared" in message
    assert "guard" in message


def test_listener_output_filter_must_be_declared(base: dict[str, Any]) -> None:
    base["listeners"][0]["output_filters"] = ["missing"]
    assert "not declared" in problem_at(base, "listeners[0].output_filters[0]")


def test_listener_agent_must_be_declared(base: dict[str, Any]) -> None:
    base["listeners"].append(
        {"type": "agent", "name": "a", "port": 8001, "agents": [{"id": "x", "description": "d"}]}
    )
    assert "agent 'x' is not declared" in problem_at(base, "listeners[1].agents[0].id")


def test_listener_agent_filters_must_be_declared(base: dict[str, Any]) -> None:
    base["agents"] = [{"id": "x", "url": "http://localhost:1"}]
    base["listeners"].append(
        {
            "type": "agent",
            "name": "a",
            "port": 8001,
            "agents": [{"id": "x", "description": "d", "input_filters": ["nope"]}],
        }
    )
    assert "'nope' is not declared" in problem_at(base, "listeners[1].agents[0].input_filters[0]")


def test_listener_agent_needs_a_description(base: dict[str, Any]) -> None:
    base["agents"] = [{"id": "x", "url": "http://localhost:1"}]
    base["listeners"].append({"type": "agent", "name": "a", "port": 8001, "agents": [{"id": "x"}]})
    assert problem_at(base, "listeners[1].agents[0].description") == "is required"


def test_agents_only_on_agent_listeners(base: dict[str, Any]) -> None:
    base["agents"] = [{"id": "x", "url": "http://localhost:1"}]
    base["listeners"][0]["agents"] = [{"id": "x", "description": "d"}]
    assert "only listeners of type agent" in problem_at(base, "listeners[0].agents")


def test_model_listener_needs_providers(base: dict[str, Any]) -> None:
    base["model_providers"] = []
    assert "at least one entry in model_providers" in problem_at(base, "listeners[0]")


def test_fallback_models_must_be_declared_models_or_aliases(base: dict[str, Any]) -> None:
    base["model_aliases"] = {"fast": {"target": "gpt-4o-mini"}}
    base["listeners"][0]["fallback_models"] = ["fast", "anthropic/claude-sonnet-4-0", "gpt-9"]
    message = problem_at(base, "listeners[0].fallback_models[2]")
    assert "'gpt-9' is not a declared model or alias" in message
    assert "openai/gpt-4o" in message


def test_fallback_models_are_kept_in_order(base: dict[str, Any]) -> None:
    base["listeners"][0]["fallback_models"] = ["gpt-4o-mini", "anthropic/claude-sonnet-4-0"]
    listener = build(base).listeners[0]
    assert listener.fallback_models == ("gpt-4o-mini", "anthropic/claude-sonnet-4-0")


def test_max_body_bytes_must_be_positive(base: dict[str, Any]) -> None:
    base["listeners"][0]["max_body_bytes"] = 0
    assert "at least 1" in problem_at(base, "listeners[0].max_body_bytes")


def test_model_only_keys_are_rejected_on_other_listeners(base: dict[str, Any]) -> None:
    base["listeners"].append({"type": "prompt", "name": "p", "fallback_models": ["gpt-4o"]})
    assert "only applies to listeners of type model" in problem_at(
        base, "listeners[1].fallback_models"
    )


# --- model providers -----------------------------------------------------------------------


def test_provider_unknown_key_is_rejected(base: dict[str, Any]) -> None:
    base["model_providers"][0]["api_key"] = "x"
    assert "unknown key 'api_key'" in problem_at(base, "model_providers[0].api_key")


def test_provider_model_is_required(base: dict[str, Any]) -> None:
    del base["model_providers"][1]["model"]
    assert problem_at(base, "model_providers[1].model") == "is required"


def test_provider_model_needs_a_provider_prefix(base: dict[str, Any]) -> None:
    base["model_providers"][1]["model"] = "gpt-4o-mini"
    assert "<provider>/<model id>" in problem_at(base, "model_providers[1].model")


def test_provider_fields_are_derived_from_model(base: dict[str, Any]) -> None:
    base["model_providers"].append(
        {"model": "openrouter/anthropic/claude-3.5-sonnet", "access_key": "k"}
    )
    provider = build(base).model_providers[3]
    assert (provider.provider, provider.model_id) == ("openrouter", "anthropic/claude-3.5-sonnet")
    assert provider.name == provider.model == "openrouter/anthropic/claude-3.5-sonnet"
    assert provider.provider_interface == "openrouter"


def test_only_one_default_provider(base: dict[str, Any]) -> None:
    base["model_providers"][2]["default"] = True
    assert "only one provider can be the default" in problem_at(base, "model_providers[2].default")


def test_wildcard_provider_cannot_be_default(base: dict[str, Any]) -> None:
    base["model_providers"][0]["default"] = False
    base["model_providers"].append({"model": "groq/*", "access_key": "k", "default": True})
    assert "wildcard provider (groq/*) cannot be the default" in problem_at(
        base, "model_providers[3].default"
    )


def test_provider_names_are_unique(base: dict[str, Any]) -> None:
    base["model_providers"][1]["name"] = "openai/gpt-4o"
    assert "already used by model_providers[0]" in problem_at(base, "model_providers[1].name")


def test_model_ids_are_unique_across_providers(base: dict[str, Any]) -> None:
    base["model_providers"].append(
        {
            "model": "azure_openai/gpt-4o",
            "base_url": "https://x.openai.azure.com",
            "access_key": "k",
        }
    )
    message = problem_at(base, "model_providers[3].model")
    assert "model id 'gpt-4o' is already declared by model_providers[0]" in message


@pytest.mark.parametrize("provider", ["azure_openai", "ollama", "qwen", "amazon_bedrock", "plano"])
def test_base_url_is_required_for_providers_without_a_public_endpoint(
    base: dict[str, Any], provider: str
) -> None:
    base["model_providers"].append({"model": f"{provider}/some-model"})
    assert "is required for" in problem_at(base, "model_providers[3].base_url")


def test_unknown_provider_needs_base_url_and_interface(base: dict[str, Any]) -> None:
    base["model_providers"].append({"model": "vllm/llama3"})
    message = problem_at(base, "model_providers[3].model")
    assert "'vllm' is not a provider plano knows" in message
    assert "base_url and provider_interface" in message


def test_unknown_provider_with_base_url_and_interface_is_accepted(base: dict[str, Any]) -> None:
    base["model_providers"].append(
        {
            "model": "vllm/llama3",
            "base_url": "http://localhost:8000/v1",
            "provider_interface": "openai",
        }
    )
    provider = build(base).model_providers[3]
    assert provider.provider_interface == "openai"
    assert provider.base_url_path_prefix == "v1"


def test_provider_interface_for_a_known_prefix_is_explained(base: dict[str, Any]) -> None:
    base["model_providers"][2]["provider_interface"] = "openai"
    message = problem_at(base, "model_providers[2].provider_interface")
    assert "'anthropic' is a provider plano knows" in message
    assert "remove provider_interface" in message
    assert "custom prefix" in message


def test_provider_interface_must_be_a_known_api(base: dict[str, Any]) -> None:
    base["model_providers"].append(
        {"model": "x/y", "base_url": "http://h", "provider_interface": "cohere"}
    )
    assert "must be one of" in problem_at(base, "model_providers[3].provider_interface")


def test_base_url_must_be_http_or_https(base: dict[str, Any]) -> None:
    base["model_providers"][1]["base_url"] = "ftp://example.com"
    assert "http:// or https://" in problem_at(base, "model_providers[1].base_url")


def test_base_url_path_becomes_the_path_prefix(base: dict[str, Any]) -> None:
    base["model_providers"][1]["base_url"] = "https://proxy.example.com/openai/v1/"
    provider = build(base).model_providers[1]
    assert provider.base_url == "https://proxy.example.com/openai/v1"
    assert provider.base_url_path_prefix == "openai/v1"


def test_provider_headers_must_be_strings(base: dict[str, Any]) -> None:
    base["model_providers"][0]["headers"] = {"X-Org": 5}
    assert "expected a string" in problem_at(base, "model_providers[0].headers.X-Org")


def test_passthrough_auth_with_access_key_warns(base: dict[str, Any]) -> None:
    base["model_providers"][0]["passthrough_auth"] = True
    assert any("passthrough_auth" in w for w in build(base).warnings)


def test_provider_alias_prefix_resolves_to_canonical_interface(base: dict[str, Any]) -> None:
    base["model_providers"].append({"model": "google/gemini-2.0-flash", "access_key": "k"})
    provider = build(base).model_providers[3]
    assert (provider.provider, provider.provider_interface) == ("google", "gemini")


# --- aliases and routing -------------------------------------------------------------------


def test_alias_target_must_exist_and_lists_available_models(base: dict[str, Any]) -> None:
    base["model_aliases"] = {"fast": {"target": "gpt-5"}}
    message = problem_at(base, "model_aliases.fast.target")
    assert "'gpt-5' is not a declared model" in message
    assert "available models: openai/gpt-4o, openai/gpt-4o-mini" in message


def test_alias_cannot_target_another_alias(base: dict[str, Any]) -> None:
    base["model_aliases"] = {"a": {"target": "gpt-4o"}, "b": {"target": "a"}}
    assert "another alias" in problem_at(base, "model_aliases.b.target")


def test_alias_needs_a_target(base: dict[str, Any]) -> None:
    base["model_aliases"] = {"fast": {"model": "gpt-4o"}}
    assert problem_at(base, "model_aliases.fast.target") == "is required"


def test_alias_may_target_a_wildcard_providers_model(base: dict[str, Any]) -> None:
    base["model_providers"].append({"model": "groq/*", "access_key": "k"})
    base["model_aliases"] = {"quick": {"target": "groq/llama-3.1-8b-instant"}}
    assert build(base).model_aliases["quick"] == "groq/llama-3.1-8b-instant"


def test_routing_preference_models_must_exist(base: dict[str, Any]) -> None:
    base["routing_preferences"] = [{"name": "code", "description": "d", "models": ["gpt-9"]}]
    assert "'gpt-9' is not a declared model" in problem_at(base, "routing_preferences[0].models[0]")


def test_routing_preference_needs_models(base: dict[str, Any]) -> None:
    base["routing_preferences"] = [{"name": "code", "description": "d", "models": []}]
    assert "at least one model" in problem_at(base, "routing_preferences[0].models")


def test_routing_preference_names_are_unique(base: dict[str, Any]) -> None:
    pref = {"name": "code", "description": "d", "models": ["gpt-4o"]}
    base["routing_preferences"] = [pref, dict(pref)]
    assert "already declared" in problem_at(base, "routing_preferences[1].name")


def test_prefer_must_be_a_known_policy(base: dict[str, Any]) -> None:
    base["routing_preferences"] = [
        {"name": "c", "description": "d", "models": ["gpt-4o"], "selection_policy": {"prefer": "x"}}
    ]
    assert "cheapest, fastest, none" in problem_at(
        base, "routing_preferences[0].selection_policy.prefer"
    )


@pytest.mark.parametrize(("prefer", "kind"), [("cheapest", "cost"), ("fastest", "latency")])
def test_prefer_needs_the_matching_metrics_source(
    base: dict[str, Any], prefer: str, kind: str
) -> None:
    base["routing_preferences"] = [
        {
            "name": "c",
            "description": "d",
            "models": ["gpt-4o"],
            "selection_policy": {"prefer": prefer},
        }
    ]
    message = problem_at(base, "routing_preferences[0].selection_policy.prefer")
    assert f"needs a model_metrics_sources entry of type {kind}" in message


def test_at_most_one_metrics_source_of_each_type(base: dict[str, Any]) -> None:
    base["model_metrics_sources"] = [
        {"type": "cost", "provider": "models.dev"},
        {"type": "cost", "provider": "digitalocean"},
    ]
    assert "only one cost source" in problem_at(base, "model_metrics_sources[1].type")


def test_metrics_source_type_is_checked(base: dict[str, Any]) -> None:
    base["model_metrics_sources"] = [{"type": "digitalocean_pricing"}]
    assert "must be one of cost, latency" in problem_at(base, "model_metrics_sources[0].type")


def test_latency_source_needs_url_and_query(base: dict[str, Any]) -> None:
    base["model_metrics_sources"] = [{"type": "latency", "provider": "prometheus"}]
    assert problem_at(base, "model_metrics_sources[0].query") == "is required"


def test_cost_source_provider_is_checked(base: dict[str, Any]) -> None:
    base["model_metrics_sources"] = [{"type": "cost", "provider": "aws"}]
    assert "digitalocean, models.dev" in problem_at(base, "model_metrics_sources[0].provider")


def test_routing_budget_needs_a_cost_source(base: dict[str, Any]) -> None:
    base["routing"] = {"routing_budget": {"max_switch_spend_pct": 20}}
    assert "type cost" in problem_at(base, "routing.routing_budget")


def test_routing_budget_percentage_is_bounded(base: dict[str, Any]) -> None:
    base["model_metrics_sources"] = [{"type": "cost", "provider": "models.dev"}]
    base["routing"] = {"routing_budget": {"max_switch_spend_pct": 150}}
    assert "at most 100" in problem_at(base, "routing.routing_budget.max_switch_spend_pct")


def test_routing_budget_is_read_with_defaults(base: dict[str, Any]) -> None:
    base["model_metrics_sources"] = [{"type": "cost", "provider": "models.dev"}]
    base["routing"] = {"routing_budget": {"max_switch_spend_pct": 20}, "route_on_user_only": True}
    routing = build(base).routing
    assert routing.routing_budget is not None
    assert routing.routing_budget.max_switch_spend_pct == 20
    assert routing.routing_budget.cache_read_discount == 0.1
    assert routing.route_on_user_only


def test_redis_session_cache_needs_a_url(base: dict[str, Any]) -> None:
    base["routing"] = {"session_cache": {"type": "redis"}}
    assert problem_at(base, "routing.session_cache.url") == "is required"


def test_redis_url_must_be_redis_scheme(base: dict[str, Any]) -> None:
    base["routing"] = {"session_cache": {"type": "redis", "url": "http://localhost:6379"}}
    assert "redis://" in problem_at(base, "routing.session_cache.url")


def test_session_max_entries_is_capped(base: dict[str, Any]) -> None:
    base["routing"] = {"session_max_entries": 20000}
    assert "at most 10000" in problem_at(base, "routing.session_max_entries")


def test_prompt_caching_keys_are_typed(base: dict[str, Any]) -> None:
    base["prompt_caching"] = {"enabled": "yes"}
    assert "expected true or false" in problem_at(base, "prompt_caching.enabled")


def test_prompt_caching_defaults(base: dict[str, Any]) -> None:
    base["prompt_caching"] = {"enabled": True}
    caching = build(base).prompt_caching
    assert (caching.session_affinity, caching.inject_cache_control) == (True, True)
    assert caching.min_prefix_tokens == 1024


# --- agents, filters, endpoints, prompt targets --------------------------------------------


def test_agent_needs_url(base: dict[str, Any]) -> None:
    base["agents"] = [{"id": "a"}]
    assert problem_at(base, "agents[0].url") == "is required"


def test_agent_url_must_be_http(base: dict[str, Any]) -> None:
    base["agents"] = [{"id": "a", "url": "localhost:1"}]
    assert "http:// or https://" in problem_at(base, "agents[0].url")


def test_agent_and_filter_ids_are_unique_together(base: dict[str, Any]) -> None:
    base["agents"] = [{"id": "a", "url": "http://h:1"}]
    base["filters"] = [{"id": "a", "url": "http://h:2"}]
    assert "already used by agents[0]" in problem_at(base, "filters[0].id")


def test_filter_type_and_transport_are_checked(base: dict[str, Any]) -> None:
    base["filters"] = [{"id": "f", "url": "http://h:1", "type": "grpc", "transport": "sse"}]
    found = {p.location for p in problems_of(base)}
    assert {"filters[0].type", "filters[0].transport"} <= found


def test_filter_defaults_to_mcp_with_its_id_as_tool(base: dict[str, Any]) -> None:
    base["filters"] = [{"id": "guard", "url": "http://h:1"}]
    f = build(base).filters[0]
    assert (f.type, f.transport, f.tool) == ("mcp", "streamable-http", "guard")


def test_endpoint_name_must_match_pattern(base: dict[str, Any]) -> None:
    base["endpoints"] = {"1bad-name": {"endpoint": "localhost:80"}}
    assert "must start with a letter" in problem_at(base, "endpoints.1bad-name")


def test_endpoint_needs_an_address(base: dict[str, Any]) -> None:
    base["endpoints"] = {"api": {"protocol": "https"}}
    assert problem_at(base, "endpoints.api.endpoint") == "is required"


def test_endpoint_port_defaults_by_protocol(base: dict[str, Any]) -> None:
    base["endpoints"] = {
        "a": {"endpoint": "api.example.com", "protocol": "https"},
        "b": {"endpoint": "localhost:18083", "connect_timeout": "0.005s"},
    }
    endpoints = build(base).endpoints
    assert (endpoints["a"].host, endpoints["a"].port) == ("api.example.com", 443)
    assert (endpoints["b"].port, endpoints["b"].protocol) == (18083, "http")
    assert endpoints["b"].connect_timeout_s == pytest.approx(0.005)


def test_endpoint_protocol_is_checked(base: dict[str, Any]) -> None:
    base["endpoints"] = {"a": {"endpoint": "h", "protocol": "grpc"}}
    assert "http, https" in problem_at(base, "endpoints.a.protocol")


def test_prompt_target_endpoint_must_exist(base: dict[str, Any]) -> None:
    base["endpoints"] = {"api": {"endpoint": "localhost:80"}}
    base["prompt_targets"] = [
        {"name": "t", "description": "d", "endpoint": {"name": "other", "path": "/"}}
    ]
    message = problem_at(base, "prompt_targets[0].endpoint.name")
    assert "endpoint 'other' is not declared" in message
    assert "api" in message


def test_prompt_target_parameter_needs_type(base: dict[str, Any]) -> None:
    base["prompt_targets"] = [
        {"name": "t", "description": "d", "parameters": [{"name": "p", "description": "x"}]}
    ]
    assert problem_at(base, "prompt_targets[0].parameters[0].type") == "is required"


def test_prompt_target_http_method_is_checked(base: dict[str, Any]) -> None:
    base["endpoints"] = {"api": {"endpoint": "localhost:80"}}
    base["prompt_targets"] = [
        {"name": "t", "description": "d", "endpoint": {"name": "api", "http_method": "PUT"}}
    ]
    assert "GET, POST" in problem_at(base, "prompt_targets[0].endpoint.http_method")


def test_only_one_default_prompt_target(base: dict[str, Any]) -> None:
    base["prompt_targets"] = [
        {"name": "a", "description": "d", "default": True},
        {"name": "b", "description": "d", "default": True},
    ]
    assert "only one prompt target can be the default" in problem_at(
        base, "prompt_targets[1].default"
    )


def test_use_agent_orchestrator_needs_exactly_one_endpoint(base: dict[str, Any]) -> None:
    base["overrides"] = {"use_agent_orchestrator": True}
    assert "exactly one entry in endpoints" in problem_at(base, "overrides.use_agent_orchestrator")


# --- settings ------------------------------------------------------------------------------


def test_overrides_unknown_key_is_rejected(base: dict[str, Any]) -> None:
    base["overrides"] = {"retries": 3}
    assert "unknown key 'retries'" in problem_at(base, "overrides.retries")


def test_overrides_defaults(base: dict[str, Any]) -> None:
    overrides = build(base).overrides
    assert overrides.upstream_connect_timeout_s == 5.0
    assert overrides.upstream_tls_ca_path is None
    assert overrides.llm_routing_model == "Plano-Orchestrator"
    assert overrides.orchestrator_model_context_length == 8192


def test_ratelimit_unit_is_checked(base: dict[str, Any]) -> None:
    base["ratelimits"] = [
        {
            "model": "gpt-4o",
            "selector": {"key": "x-user", "value": "*"},
            "limit": {"tokens": 5, "unit": "week"},
        }
    ]
    assert "second, minute, hour, day" in problem_at(base, "ratelimits[0].limit.unit")


def test_ratelimit_needs_selector_and_limit(base: dict[str, Any]) -> None:
    base["ratelimits"] = [{"model": "gpt-4o"}]
    found = {p.location for p in problems_of(base)}
    assert {"ratelimits[0].selector", "ratelimits[0].limit"} <= found


def test_ratelimit_is_read(base: dict[str, Any]) -> None:
    base["ratelimits"] = [
        {
            "model": "gpt-4o",
            "selector": {"key": "x-user", "value": "*"},
            "limit": {"tokens": 5, "unit": "hour"},
        }
    ]
    limit = build(base).ratelimits[0]
    assert (limit.selector_key, limit.selector_value, limit.tokens, limit.unit) == (
        "x-user",
        "*",
        5,
        "hour",
    )


def test_tracing_sampling_is_a_percentage(base: dict[str, Any]) -> None:
    base["tracing"] = {"random_sampling": 101}
    assert "at most 100" in problem_at(base, "tracing.random_sampling")


def test_tracing_endpoint_must_have_no_path(base: dict[str, Any]) -> None:
    base["tracing"] = {"opentracing_grpc_endpoint": "http://collector:4317/v1/traces"}
    assert "no path" in problem_at(base, "tracing.opentracing_grpc_endpoint")


def test_posthog_exporter_needs_an_api_key(base: dict[str, Any]) -> None:
    base["tracing"] = {"exporters": [{"type": "posthog", "url": "https://us.i.posthog.com"}]}
    assert problem_at(base, "tracing.exporters[0].api_key") == "is required"


def test_postgres_state_storage_needs_a_connection_string(base: dict[str, Any]) -> None:
    base["state_storage"] = {"type": "postgres"}
    assert problem_at(base, "state_storage.connection_string") == "is required"


def test_state_storage_type_is_checked(base: dict[str, Any]) -> None:
    base["state_storage"] = {"type": "sqlite"}
    assert "memory, postgres" in problem_at(base, "state_storage.type")


def test_prompt_guards_need_a_message(base: dict[str, Any]) -> None:
    base["prompt_guards"] = {"input_guards": {"jailbreak": {"on_exception": {}}}}
    assert problem_at(base, "prompt_guards.input_guards.jailbreak.on_exception.message") == (
        "is required"
    )


def test_metrics_listener_defaults_and_overrides(base: dict[str, Any]) -> None:
    assert build(base).metrics.port == 9092
    base["metrics"] = {"address": "127.0.0.1", "port": 9999}
    metrics = build(base).metrics
    assert (metrics.address, metrics.port) == ("127.0.0.1", 9999)


def test_metrics_listener_port_is_checked(base: dict[str, Any]) -> None:
    base["metrics"] = {"port": "x"}
    assert "expected an integer" in problem_at(base, "metrics.port")


def test_routing_llm_provider_must_name_a_provider(base: dict[str, Any]) -> None:
    base["routing"] = {"llm_provider": "arch-router"}
    assert "'arch-router' is not the name of a declared model provider" in problem_at(
        base, "routing.llm_provider"
    )


def test_endpoint_address_must_be_host_and_port(base: dict[str, Any]) -> None:
    base["endpoints"] = {"api": {"endpoint": "http://localhost:80/x"}}
    assert "host or host:port" in problem_at(base, "endpoints.api.endpoint")


def test_ratelimit_on_an_undeclared_model_warns(base: dict[str, Any]) -> None:
    base["ratelimits"] = [
        {
            "model": "gpt-9",
            "selector": {"key": "x-user", "value": "*"},
            "limit": {"tokens": 5, "unit": "hour"},
        }
    ]
    assert any("ratelimits[0].model: 'gpt-9'" in w for w in build(base).warnings)


def test_redundant_provider_interface_only_warns(base: dict[str, Any]) -> None:
    base["model_providers"][1]["provider_interface"] = "openai"
    warnings = build(base).warnings
    assert any("model_providers[1].provider_interface: redundant" in w for w in warnings)


def test_provider_and_provider_interface_together_are_rejected(base: dict[str, Any]) -> None:
    base["model_providers"].append(
        {
            "model": "x/y",
            "base_url": "http://h",
            "provider": "openai",
            "provider_interface": "openai",
        }
    )
    assert "keep only provider_interface" in problem_at(base, "model_providers[3].provider")


def test_legacy_listener_form_needs_model_providers(base: dict[str, Any]) -> None:
    base["listeners"] = {"ingress_traffic": {"port": 10000}}
    base["model_providers"] = []
    assert "needs model_providers" in problem_at(base, "listeners")


def test_prompt_target_names_are_unique(base: dict[str, Any]) -> None:
    base["prompt_targets"] = [
        {"name": "a", "description": "d"},
        {"name": "a", "description": "e"},
    ]
    assert "already declared" in problem_at(base, "prompt_targets[1].name")


def test_wrong_section_type_is_reported(base: dict[str, Any]) -> None:
    base["overrides"] = ["x"]
    base["model_providers"] = {"model": "openai/gpt-4o"}
    assert "expected a mapping" in problem_at(base, "overrides")
    assert "expected a list" in problem_at(base, "model_providers")


def test_locations_stay_right_when_an_earlier_item_is_unreadable(base: dict[str, Any]) -> None:
    base["model_providers"].insert(0, {"model": "no-slash"})
    base["model_providers"].append({"model": "openai/gpt-4o-mini", "access_key": "k"})
    found = {str(p) for p in problems_of(base)}
    assert any(p.startswith("model_providers[0].model:") for p in found)
    assert any(
        p.startswith("model_providers[4].name:") and "model_providers[2]" in p for p in found
    ), found


def test_listener_locations_stay_right_when_an_earlier_listener_is_unreadable(
    base: dict[str, Any],
) -> None:
    base["listeners"].insert(0, {"type": "bogus", "name": "x"})
    base["listeners"].append({"type": "prompt", "name": "llm"})
    found = {p.location for p in problems_of(base)}
    assert {"listeners[0].type", "listeners[2].name"} <= found


def test_misspelled_key_suggests_the_right_one(base: dict[str, Any]) -> None:
    base["model_providers"][0]["acess_key"] = base["model_providers"][0].pop("access_key")
    message = problem_at(base, "model_providers[0].acess_key")
    assert "did you mean 'access_key'?" in message
