"""Building a `Config` from a migrated mapping.

`build_config` reads each top-level key (unknown keys are rejected, as the reference schema's
`additionalProperties: false`) with the readers of `sections.py` and `settings.py`, then runs
the cross-field checks of `checks.py`. Problems are collected, never raised here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from plano.config.checks import Origins, check_config
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

T = TypeVar("T")

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
    listeners = _read_all(root.sections("listeners", LISTENER_KEYS), read_listener)
    providers = _read_all(
        root.sections("model_providers", PROVIDER_KEYS),
        lambda s: read_provider(s, problems.unresolved),
    )
    metrics_sources = _read_metrics_sources(root)
    aliases = _read_aliases(root)
    config = Config(
        version=version,
        listeners=tuple(item for _, item in listeners),
        model_providers=tuple(item for _, item in providers),
        model_aliases=aliases,
        routing_preferences=tuple(
            read_routing_preference(s)
            for s in root.sections(
                "routing_preferences", ("name", "description", "models", "selection_policy")
            )
        ),
        model_metrics_sources=tuple(item for _, item in metrics_sources),
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
    origins = Origins(
        listeners=[loc for loc, _ in listeners],
        providers=[loc for loc, _ in providers],
        metrics_sources=[loc for loc, _ in metrics_sources],
    )
    check_config(config, problems, origins)
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


def _read_all(
    sections: Iterable[Section], read: Callable[[Section], T | None]
) -> list[tuple[str, T]]:
    """Each successfully read item with the location it came from."""
    items = ((section.location, read(section)) for section in sections)
    return [(location, item) for location, item in items if item is not None]


def _read_metrics_sources(root: Section) -> list[tuple[str, MetricsSource]]:
    raw = root.data.get("model_metrics_sources")
    if raw is None:
        return []
    if not isinstance(raw, list):
        root.error("model_metrics_sources", f"expected a list, got {type_name(raw)}")
        return []
    located = (
        (
            join("model_metrics_sources", i),
            read_metrics_source(root.problems, join("model_metrics_sources", i), item),
        )
        for i, item in enumerate(raw)
    )
    return [(loc, s) for loc, s in located if s is not None]


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
