"""Checks that relate two parts of a config (reference inventory §2.8).

One default provider, unique names and model ids, alias / routing-preference / fallback
targets exist, listener filters and agents are declared, prompt-target endpoints exist,
metrics sources match selection policies and the routing budget, one model listener, and so
on. Each problem is added with its location; nothing is raised here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from plano.config.model import (
    Agent,
    Config,
    CostMetricsSource,
    Endpoint,
    Filter,
    LatencyMetricsSource,
    Listener,
    ModelProvider,
    PromptTarget,
    RateLimit,
    RoutingPreference,
)
from plano.config.reader import Problems, join

_MAX_LISTED = 15


@dataclass(frozen=True, slots=True)
class Origins:
    """Where each built list item came from, when items that failed to read were dropped."""

    listeners: Sequence[str]
    providers: Sequence[str]
    metrics_sources: Sequence[str]

    @classmethod
    def of(cls, config: Config) -> Origins:
        """Locations for a config whose lists lost nothing while reading."""
        return cls(
            [join("listeners", i) for i in range(len(config.listeners))],
            [join("model_providers", i) for i in range(len(config.model_providers))],
            [join("model_metrics_sources", i) for i in range(len(config.model_metrics_sources))],
        )


def check_config(config: Config, problems: Problems, origins: Origins | None = None) -> None:
    """Every check that relates two parts of an otherwise well-typed config."""
    at = origins or Origins.of(config)
    models = ModelNames(config.model_providers)
    _check_providers(config.model_providers, at.providers, problems)
    _check_aliases(config.model_aliases, models, problems)
    _check_listeners(config, at.listeners, models, problems)
    _check_routing(config, at.metrics_sources, models, problems)
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


def _check_providers(
    providers: tuple[ModelProvider, ...], origin: Sequence[str], problems: Problems
) -> None:
    defaults = [i for i, p in enumerate(providers) if p.default]
    for index in defaults[1:]:
        problems.add(
            join(origin[index], "default"),
            f"only one provider can be the default; {origin[defaults[0]]} "
            f"({providers[defaults[0]].name}) already is",
        )
    names: dict[str, int] = {}
    model_ids: dict[str, int] = {}
    for index, provider in enumerate(providers):
        location = origin[index]
        if provider.name in names:
            first = names[provider.name]
            problems.add(
                join(location, "name"),
                f"name '{provider.name}' is already used by {origin[first]}",
            )
        names.setdefault(provider.name, index)
        if provider.is_wildcard:
            continue
        if provider.model_id in model_ids:
            first = model_ids[provider.model_id]
            problems.add(
                join(location, "model"),
                f"model id '{provider.model_id}' is already declared by {origin[first]} "
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


def _check_listeners(
    config: Config, origin: Sequence[str], models: ModelNames, problems: Problems
) -> None:
    service_ids = {a.id for a in config.agents} | {f.id for f in config.filters}
    model_listeners = [i for i, li in enumerate(config.listeners) if li.type == "model"]
    for index in model_listeners[1:]:
        problems.add(
            join(origin[index], "type"),
            f"only one listener can be of type model; {origin[model_listeners[0]]} already is",
        )
    names: dict[str, int] = {}
    ports: dict[tuple[str, int], int] = {}
    for index, listener in enumerate(config.listeners):
        location = origin[index]
        if listener.name in names:
            problems.add(
                join(location, "name"),
                f"name '{listener.name}' is already used by {origin[names[listener.name]]}",
            )
        names.setdefault(listener.name, index)
        bind = ("0.0.0.0" if listener.type == "agent" else listener.address, listener.port)
        if bind in ports:
            problems.add(
                join(location, "port"),
                f"port {listener.port} is already used by {origin[ports[bind]]}",
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


def _check_routing(
    config: Config, origin: Sequence[str], models: ModelNames, problems: Problems
) -> None:
    kinds: dict[str, int] = {}
    for index, source in enumerate(config.model_metrics_sources):
        if source.type in kinds:
            problems.add(
                join(origin[index], "type"),
                f"only one {source.type} source is allowed; "
                f"{origin[kinds[source.type]]} is one already",
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
    llm_provider = config.routing.llm_provider
    if llm_provider is not None and llm_provider not in {p.name for p in config.model_providers}:
        problems.add(
            "routing.llm_provider",
            f"'{llm_provider}' is not the name of a declared model provider; {models.available()}",
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
