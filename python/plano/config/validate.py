"""Building a `Config` from a migrated mapping, and every check that spans sections.

`build_config` reads each top-level key (unknown keys are rejected, as the reference schema's
`additionalProperties: false`), then runs the cross-field checks of reference inventory §2.8:
one default provider, unique names and model ids, alias and routing-preference targets exist,
listener filters/agents exist, prompt-target endpoints exist, metrics sources match selection
policies and the routing budget, and so on. Problems are collected, never raised here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from plano.config.migrate import VERSIONS
from plano.config.model import (
    Agent,
    Config,
    CostMetricsSource,
    Endpoint,
    Filter,
    LatencyMetricsSource,
    Listener,
    MetricsSource,
    ModelProvider,
    PromptTarget,
    RateLimit,
    RoutingPreference,
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
_MAX_LISTED = 15


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


def check_config(config: Config, problems: Problems) -> None:
    """Every check that relates two parts of an otherwise well-typed config."""
    models = ModelNames(config.model_providers)
    _check_providers(config.model_providers, problems)
    _check_aliases(config.model_aliases, models, problems)
    _check_listeners(config, models, problems)
    _check_routing(config, models, problems)
    _check_services(config.agents, config.filters, problems)
    _check_prompt_targets(config.prompt_targets, config.endpoints, problems)
    _check_ratelimits(config.ratelimits, models, config.model_aliases, problems)
    if config.overrides.use_agent_orchestrator and len(config.endpoints) != 1:
        problems.add(
            "overrides.use_agent_orchestrator",
            f"needs exactly one entry in endpoints (the agent to orchestrate); "
            f"found {len(config.endpoints)}",
        )


class ModelNames:
    """Which model strings the providers answer to: names, full models, bare ids, wildcards."""

    def __init__(self, providers: Iterable[ModelProvider]) -> None:
        self.exact: dict[str, ModelProvider] = {}
        self.wildcard_prefixes: set[str] = set()
        self.listed: list[str] = []
        for p in providers:
            if p.is_wildcard:
                self.wildcard_prefixes.add(p.provider)
                self.listed.append(p.model)
                continue
            self.listed.append(p.name)
            for key in (p.name, p.model, p.model_id):
                self.exact.setdefault(key, p)

    def resolves(self, model: str) -> bool:
        """True when a request for `model` would find a provider (exact or via a wildcard)."""
        if model in self.exact:
            return True
        prefix, slash, rest = model.partition("/")
        return bool(slash and rest and prefix in self.wildcard_prefixes)

    def available(self) -> str:
        """The declared models, for an error message."""
        if not self.listed:
            return "no models are declared in model_providers"
        shown = ", ".join(self.listed[:_MAX_LISTED])
        more = len(self.listed) - _MAX_LISTED
        return f"available models: {shown}" + (f" (and {more} more)" if more > 0 else "")


def _check_providers(providers: tuple[ModelProvider, ...], problems: Problems) -> None:
    defaults = [i for i, p in enumerate(providers) if p.default]
    for index in defaults[1:]:
        problems.add(
            join(join("model_providers", index), "default"),
            f"only one provider can be the default; model_providers[{defaults[0]}] "
            f"({providers[defaults[0]].name}) already is",
        )
    names: dict[str, int] = {}
    model_ids: dict[str, int] = {}
    for index, provider in enumerate(providers):
        location = join("model_providers", index)
        if provider.name in names:
            first = names[provider.name]
            problems.add(
                join(location, "name"),
                f"name '{provider.name}' is already used by model_providers[{first}]",
            )
        names.setdefault(provider.name, index)
        if provider.is_wildcard:
            continue
        if provider.model_id in model_ids:
            first = model_ids[provider.model_id]
            problems.add(
                join(location, "model"),
                f"model id '{provider.model_id}' is already declared by model_providers[{first}] "
                f"({providers[first].model}); requests name models by bare id too, so each id "
                "may appear once",
            )
        model_ids.setdefault(provider.model_id, index)


def _check_aliases(aliases: Mapping[str, str], models: ModelNames, problems: Problems) -> None:
    for alias, target in aliases.items():
        location = join(join("model_aliases", alias), "target")
        if models.resolves(target):
            continue
        if target in aliases:
            problems.add(
                location,
                f"'{target}' is another alias; an alias must target a model directly "
                "(aliases are not chained)",
            )
            continue
        problems.add(location, f"'{target}' is not a declared model; {models.available()}")


def _resolves(model: str, models: ModelNames, aliases: Mapping[str, str]) -> bool:
    return models.resolves(model) or model in aliases


def _check_listeners(config: Config, models: ModelNames, problems: Problems) -> None:
    service_ids = {a.id for a in config.agents} | {f.id for f in config.filters}
    model_listeners = [i for i, li in enumerate(config.listeners) if li.type == "model"]
    for index in model_listeners[1:]:
        problems.add(
            join(join("listeners", index), "type"),
            f"only one listener can be of type model; listeners[{model_listeners[0]}] already is",
        )
    names: dict[str, int] = {}
    ports: dict[tuple[str, int], int] = {}
    for index, listener in enumerate(config.listeners):
        location = join("listeners", index)
        if listener.name in names:
            problems.add(
                join(location, "name"),
                f"name '{listener.name}' is already used by listeners[{names[listener.name]}]",
            )
        names.setdefault(listener.name, index)
        bind = ("0.0.0.0" if listener.type == "agent" else listener.address, listener.port)
        if bind in ports:
            problems.add(
                join(location, "port"),
                f"port {listener.port} is already used by listeners[{ports[bind]}]",
            )
        ports.setdefault(bind, index)
        providers_broken = any(p.location.startswith("model_providers") for p in problems.problems)
        if listener.type == "model" and not config.model_providers and not providers_broken:
            problems.add(location, "a model listener needs at least one entry in model_providers")
        _check_listener_refs(listener, location, service_ids, problems)
        for fb_index, model in enumerate(listener.fallback_models):
            if not _resolves(model, models, config.model_aliases):
                problems.add(
                    join(join(location, "fallback_models"), fb_index),
                    f"'{model}' is not a declared model or alias; {models.available()}",
                )


def _check_listener_refs(
    listener: Listener, location: str, service_ids: set[str], problems: Problems
) -> None:
    def check(ids: Iterable[str], where: str, what: str) -> None:
        for i, ref in enumerate(ids):
            if ref not in service_ids:
                known = ", ".join(sorted(service_ids)) or "none are declared"
                problems.add(
                    join(where, i),
                    f"{what} '{ref}' is not declared in filters or agents (declared: {known})",
                )

    check(listener.input_filters, join(location, "input_filters"), "filter")
    check(listener.output_filters, join(location, "output_filters"), "filter")
    for a_index, agent in enumerate(listener.agents):
        agent_location = join(join(location, "agents"), a_index)
        if agent.id not in service_ids:
            problems.add(
                join(agent_location, "id"),
                f"agent '{agent.id}' is not declared in agents or filters (declared: "
                f"{', '.join(sorted(service_ids)) or 'none'}); add it with its url",
            )
        check(agent.input_filters, join(agent_location, "input_filters"), "filter")


def _check_routing(config: Config, models: ModelNames, problems: Problems) -> None:
    kinds: dict[str, int] = {}
    for index, source in enumerate(config.model_metrics_sources):
        if source.type in kinds:
            problems.add(
                join(join("model_metrics_sources", index), "type"),
                f"only one {source.type} source is allowed; "
                f"model_metrics_sources[{kinds[source.type]}] is one already",
            )
        kinds.setdefault(source.type, index)
    has_cost = any(isinstance(s, CostMetricsSource) for s in config.model_metrics_sources)
    has_latency = any(isinstance(s, LatencyMetricsSource) for s in config.model_metrics_sources)
    names: dict[str, int] = {}
    for index, pref in enumerate(config.routing_preferences):
        location = join("routing_preferences", index)
        if pref.name in names:
            problems.add(
                join(location, "name"),
                f"routing preference '{pref.name}' is already declared by "
                f"routing_preferences[{names[pref.name]}]",
            )
        names.setdefault(pref.name, index)
        _check_preference_models(pref, location, models, problems)
        policy = join(join(location, "selection_policy"), "prefer")
        if pref.prefer == "cheapest" and not has_cost:
            problems.add(
                policy, "prefer: cheapest needs a model_metrics_sources entry of type cost"
            )
        if pref.prefer == "fastest" and not has_latency:
            problems.add(
                policy, "prefer: fastest needs a model_metrics_sources entry of type latency"
            )
    if config.routing.routing_budget is not None and not has_cost:
        problems.add(
            "routing.routing_budget",
            "needs a model_metrics_sources entry of type cost (switch costs are priced from it)",
        )


def _check_preference_models(
    pref: RoutingPreference, location: str, models: ModelNames, problems: Problems
) -> None:
    for m_index, model in enumerate(pref.models):
        if not models.resolves(model):
            problems.add(
                join(join(location, "models"), m_index),
                f"'{model}' is not a declared model; {models.available()}",
            )


def _check_services(
    agents: tuple[Agent, ...], filters: tuple[Filter, ...], problems: Problems
) -> None:
    seen: dict[str, str] = {}
    services: list[tuple[str, Agent | Filter]] = [
        *((join("agents", i), a) for i, a in enumerate(agents)),
        *((join("filters", i), f) for i, f in enumerate(filters)),
    ]
    for location, item in services:
        if item.id in seen:
            problems.add(
                join(location, "id"),
                f"id '{item.id}' is already used by {seen[item.id]}; "
                "agent and filter ids must be unique together",
            )
        seen.setdefault(item.id, location)


def _check_prompt_targets(
    targets: tuple[PromptTarget, ...], endpoints: Mapping[str, Endpoint], problems: Problems
) -> None:
    names: dict[str, int] = {}
    defaults: list[int] = []
    for index, target in enumerate(targets):
        location = join("prompt_targets", index)
        if target.name in names:
            problems.add(
                join(location, "name"),
                f"prompt target '{target.name}' is already declared by "
                f"prompt_targets[{names[target.name]}]",
            )
        names.setdefault(target.name, index)
        if target.default:
            defaults.append(index)
        if target.endpoint is not None and target.endpoint.name not in endpoints:
            known = ", ".join(endpoints) or "none are declared"
            problems.add(
                join(join(location, "endpoint"), "name"),
                f"endpoint '{target.endpoint.name}' is not declared in endpoints "
                f"(declared: {known})",
            )
    for index in defaults[1:]:
        problems.add(
            join(join("prompt_targets", index), "default"),
            f"only one prompt target can be the default; prompt_targets[{defaults[0]}] already is",
        )


def _check_ratelimits(
    limits: tuple[RateLimit, ...],
    models: ModelNames,
    aliases: Mapping[str, str],
    problems: Problems,
) -> None:
    for index, limit in enumerate(limits):
        if limit.model and not _resolves(limit.model, models, aliases):
            problems.warn(
                f"ratelimits[{index}].model: '{limit.model}' is not a declared model, "
                "so this limit never applies"
            )
