"""Building a `Config` from a migrated mapping.

`build_config` reads each top-level key (unknown keys are rejected, as the reference schema's
`additionalProperties: false`) with the readers of `sections.py` and `settings.py`, then runs
the cross-field checks of `checks.py`. Problems are collected, never raised here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from plano.config.checks import check_config
from plano.config.migrate import VERSIONS
from plano.config.model import (
    Config,
    Endpoint,
    MetricsSource,
)
from plano.config.reader import Problems, Section, join, type_name
from plano.config.sections import (
    LISTENER_KEYS,
    PROVIDER_KEYS,
    read_agent,
    read_endpoint,
    read_filter,
    read_listener,
    read_prompt_target,
    read_provider,
)
from plano.config.settings import (
    OVERRIDES_KEYS,
    ROUTING_KEYS,
    read_metrics_listener,
    read_metrics_source,
    read_overrides,
    read_prompt_caching,
    read_prompt_guards,
    read_ratelimit,
    read_routing,
    read_routing_preference,
    read_state_storage,
    read_tracing,
)

TOP_LEVEL_KEYS = (
    "version",
    "listeners",
    "model_providers",
    "model_aliases",
    "routing_preferences",
    "model_metrics_sources",
    "routing",
    "prompt_caching",
    "overrides",
    "system_prompt",
    "prompt_targets",
    "prompt_guards",
    "endpoints",
    "agents",
    "filters",
    "ratelimits",
    "tracing",
    "state_storage",
    "mode",
    "metrics",
)


def build_config(data: Mapping[str, Any], problems: Problems, *, source: str) -> Config:
    """The Config described by `data` (already migrated); every problem goes to `problems`."""
    root = Section(problems, "", data, TOP_LEVEL_KEYS)
    version = root.choice("version", VERSIONS, None) or VERSIONS[-1]
    if not root.has("listeners"):
        root.error("listeners", "is required (a list of listeners, e.g. one of type model)")
    listeners = tuple(
        li for li in (read_listener(s) for s in root.sections("listeners", LISTENER_KEYS)) if li
    )
    providers = tuple(
        p
        for p in (
            read_provider(s, problems.unresolved)
            for s in root.sections("model_providers", PROVIDER_KEYS)
        )
        if p
    )
    aliases = _read_aliases(root)
    config = Config(
        version=version,
        listeners=listeners,
        model_providers=providers,
        model_aliases=aliases,
        routing_preferences=tuple(
            read_routing_preference(s)
            for s in root.sections(
                "routing_preferences", ("name", "description", "models", "selection_policy")
            )
        ),
        model_metrics_sources=_read_metrics_sources(root),
        routing=read_routing(root.section("routing", ROUTING_KEYS)),
        prompt_caching=read_prompt_caching(
            root.section(
                "prompt_caching",
                (
                    "enabled",
                    "session_affinity",
                    "inject_cache_control",
                    "min_prefix_tokens",
                    "session_ttl_seconds",
                ),
            )
        ),
        ratelimits=tuple(
            read_ratelimit(s) for s in root.sections("ratelimits", ("model", "selector", "limit"))
        ),
        overrides=read_overrides(root.section("overrides", OVERRIDES_KEYS)),
        tracing=read_tracing(
            root.section(
                "tracing",
                (
                    "random_sampling",
                    "trace_arch_internal",
                    "opentracing_grpc_endpoint",
                    "span_attributes",
                    "exporters",
                ),
            )
        ),
        state_storage=read_state_storage(
            root.section("state_storage", ("type", "connection_string"))
        ),
        agents=tuple(read_agent(s) for s in root.sections("agents", ("id", "url"))),
        filters=tuple(
            read_filter(s)
            for s in root.sections("filters", ("id", "url", "type", "transport", "tool"))
        ),
        endpoints=_read_endpoints(root),
        system_prompt=root.text("system_prompt"),
        prompt_targets=tuple(
            read_prompt_target(s)
            for s in root.sections(
                "prompt_targets",
                (
                    "name",
                    "default",
                    "description",
                    "auto_llm_dispatch_on_response",
                    "parameters",
                    "endpoint",
                    "system_prompt",
                ),
            )
        ),
        prompt_guards=read_prompt_guards(root.section("prompt_guards", ("input_guards",))),
        mode=root.choice("mode", ("llm", "prompt"), "prompt") if root.has("mode") else None,
        metrics=read_metrics_listener(root.section("metrics", ("address", "port"))),
        source=source,
    )
    check_config(config, problems)
    return config


def _read_aliases(root: Section) -> Mapping[str, str]:
    raw = root.data.get("model_aliases")
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        root.error(
            "model_aliases", f"expected a mapping of alias to {{target}}, got {type_name(raw)}"
        )
        return MappingProxyType({})
    aliases: dict[str, str] = {}
    for alias, value in raw.items():
        section = Section.of(root.problems, join("model_aliases", str(alias)), value, ("target",))
        if section is not None:
            target = section.text("target", required=True)
            if target is not None:
                aliases[str(alias)] = target
    return MappingProxyType(aliases)


def _read_metrics_sources(root: Section) -> tuple[MetricsSource, ...]:
    raw = root.data.get("model_metrics_sources")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        root.error("model_metrics_sources", f"expected a list, got {type_name(raw)}")
        return ()
    sources = (
        read_metrics_source(root.problems, join("model_metrics_sources", i), item)
        for i, item in enumerate(raw)
    )
    return tuple(s for s in sources if s is not None)


def _read_endpoints(root: Section) -> Mapping[str, Endpoint]:
    raw = root.data.get("endpoints")
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        root.error("endpoints", f"expected a mapping of name to endpoint, got {type_name(raw)}")
        return MappingProxyType({})
    endpoints: dict[str, Endpoint] = {}
    keys = ("endpoint", "connect_timeout", "protocol", "http_host", "prefix_affinity")
    for name, value in raw.items():
        section = Section.of(root.problems, join("endpoints", str(name)), value, keys)
        if section is not None:
            endpoints[str(name)] = read_endpoint(section, str(name))
    return MappingProxyType(endpoints)
