"""Which buckets a request draws from (reference inventory §3.8, faults fixed)."""

from __future__ import annotations

from typing import Any

from plano.config import parse_config
from plano.providers.registry import ModelRegistry
from plano.ratelimit import Rules


def setup(rules: list[dict[str, Any]]) -> tuple[Rules, ModelRegistry]:
    config = parse_config(
        {
            "version": "v0.4.0",
            "listeners": [{"name": "llm", "type": "model", "port": 12000}],
            "model_providers": [{"model": "openai/gpt-4o", "access_key": "k"}],
            "model_aliases": {"fast": {"target": "openai/gpt-4o"}},
            "ratelimits": rules,
        },
        {},
        require_env=False,
        source="test",
    )
    return Rules(config.ratelimits), ModelRegistry(config)


def rule(model: str, key: str, value: str, tokens: int = 100) -> dict[str, Any]:
    return {
        "model": model,
        "selector": {"key": key, "value": value},
        "limit": {"tokens": tokens, "unit": "minute"},
    }


def test_model_matches_with_or_without_provider_prefix() -> None:
    rules, registry = setup([rule("openai/gpt-4o", "x-user", "a"), rule("gpt-4o", "x-user", "a")])
    buckets = rules.buckets(registry.resolve("gpt-4o"), "gpt-4o", {"x-user": "a"}.get)
    assert len(buckets) == 2


def test_alias_name_matches_its_rule() -> None:
    rules, registry = setup([rule("fast", "x-user", "a")])
    assert rules.buckets(registry.resolve("fast"), "fast", {"x-user": "a"}.get)


def test_star_gives_each_header_value_its_own_bucket() -> None:
    rules, registry = setup([rule("gpt-4o", "x-user", "*")])
    model = registry.resolve("gpt-4o")
    [alice] = rules.buckets(model, "gpt-4o", {"x-user": "alice"}.get)
    [bob] = rules.buckets(model, "gpt-4o", {"x-user": "bob"}.get)
    assert alice.key != bob.key
    assert "x-user=alice" in alice.label


def test_exact_value_only_matches_that_value() -> None:
    rules, registry = setup([rule("gpt-4o", "x-team", "blue")])
    model = registry.resolve("gpt-4o")
    assert rules.buckets(model, "gpt-4o", {"x-team": "blue"}.get)
    assert not rules.buckets(model, "gpt-4o", {"x-team": "red"}.get)


def test_no_selector_header_means_no_limit() -> None:
    rules, registry = setup([rule("gpt-4o", "x-user", "*")])
    assert not rules.buckets(registry.resolve("gpt-4o"), "gpt-4o", {}.get)


def test_selector_header_name_is_case_insensitive() -> None:
    rules, registry = setup([rule("gpt-4o", "X-User-Id", "*")])
    assert rules.buckets(registry.resolve("gpt-4o"), "gpt-4o", {"x-user-id": "a"}.get)
