"""Reading the settings sections of a config: routing, prompt caching, metrics sources,
overrides, rate limits, tracing, state storage, prompt guards and the metrics listener.

Each function takes the section (or None when the key is absent) and returns its frozen model
with reference defaults (inventory §2.7, §3.8, §4.5 to §4.7, §8, §10).
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from plano.config.model import (
    DEFAULT_METRICS_PORT,
    DEFAULT_ROUTING_MODEL,
    CostMetricsSource,
    LatencyMetricsSource,
    MetricsListener,
    MetricsSource,
    Overrides,
    PosthogExporter,
    PromptCaching,
    PromptGuards,
    RateLimit,
    RateLimitUnit,
    Routing,
    RoutingBudget,
    RoutingPreference,
    Secret,
    SelectionPreference,
    SessionCache,
    SpanAttributes,
    StateStorage,
    Tracing,
)
from plano.config.reader import Problems, Section, join, type_name

ROUTING_KEYS = (
    "llm_provider",
    "model",
    "session_ttl_seconds",
    "session_max_entries",
    "session_cache",
    "route_on_user_only",
    "routing_budget",
)
BUDGET_KEYS = (
    "max_switch_spend_pct",
    "replenish_on_rebind",
    "cache_read_discount",
    "record_counterfactual",
)
OVERRIDES_KEYS = (
    "prompt_target_intent_matching_threshold",
    "optimize_context_window",
    "use_agent_orchestrator",
    "disable_signals",
    "upstream_connect_timeout",
    "upstream_tls_ca_path",
    "llm_routing_model",
    "agent_orchestration_model",
    "orchestrator_model_context_length",
)
PREFERENCES: tuple[SelectionPreference, ...] = ("cheapest", "fastest", "none")
CACHE_TYPES: tuple[Literal["memory", "redis"], ...] = ("memory", "redis")
COST_PROVIDERS: tuple[Literal["digitalocean", "models.dev"], ...] = ("digitalocean", "models.dev")
STORAGE_TYPES: tuple[Literal["memory", "postgres"], ...] = ("memory", "postgres")
UNITS: tuple[RateLimitUnit, ...] = ("second", "minute", "hour", "day")
_EMPTY_SECRET = Secret("")


def read_routing(section: Section | None) -> Routing:
    """`routing:` session affinity, session cache backend and routing budget."""
    if section is None:
        return Routing()
    cache = SessionCache()
    cache_section = section.section("session_cache", ("type", "url", "tenant_header"))
    if cache_section is not None:
        cache_type = cache_section.choice("type", CACHE_TYPES, "memory") or "memory"
        url = cache_section.secret("url", required=cache_type == "redis")
        checkable = url is not None and cache_section.at("url") not in section.problems.unresolved
        if checkable and url and urlsplit(url.reveal()).scheme not in ("redis", "rediss"):
            cache_section.error("url", "must be a redis:// or rediss:// URL")
        cache = SessionCache(
            type=cache_type, url=url, tenant_header=cache_section.text("tenant_header")
        )
    budget = None
    budget_section = section.section("routing_budget", BUDGET_KEYS)
    if budget_section is not None:
        budget = RoutingBudget(
            max_switch_spend_pct=budget_section.number(
                "max_switch_spend_pct", 0.0, minimum=0, maximum=100, required=True
            )
            or 0.0,
            replenish_on_rebind=budget_section.flag("replenish_on_rebind", True),
            cache_read_discount=budget_section.number(
                "cache_read_discount", 0.1, minimum=0, maximum=1
            )
            or 0.0,
            record_counterfactual=budget_section.flag("record_counterfactual", False),
        )
    return Routing(
        llm_provider=section.text("llm_provider"),
        model=section.text("model"),
        session_ttl_s=float(section.integer("session_ttl_seconds", 600, minimum=1)),
        session_max_entries=section.integer("session_max_entries", 10000, minimum=1, maximum=10000),
        session_cache=cache,
        route_on_user_only=section.flag("route_on_user_only", False),
        routing_budget=budget,
    )


def read_prompt_caching(section: Section | None) -> PromptCaching:
    """`prompt_caching:`; off by default."""
    if section is None:
        return PromptCaching()
    ttl = section.integer("session_ttl_seconds", 0, minimum=1)
    return PromptCaching(
        enabled=section.flag("enabled", False),
        session_affinity=section.flag("session_affinity", True),
        inject_cache_control=section.flag("inject_cache_control", True),
        min_prefix_tokens=section.integer("min_prefix_tokens", 1024, minimum=0),
        session_ttl_s=float(ttl) if ttl else None,
    )


def read_routing_preference(section: Section) -> RoutingPreference:
    """One top-level `routing_preferences[i]` item."""
    models = section.str_list("models")
    if not models:
        section.error("models", "needs at least one model")
    prefer: SelectionPreference = "none"
    policy = section.section("selection_policy", ("prefer",))
    if policy is not None:
        prefer = policy.choice("prefer", PREFERENCES, None) or "none"
    return RoutingPreference(
        name=section.required_str("name"),
        description=section.required_str("description"),
        models=models,
        prefer=prefer,
    )


def read_metrics_source(problems: Problems, location: str, value: object) -> MetricsSource | None:
    """One `model_metrics_sources[i]` item: a cost catalog or a Prometheus latency query."""
    kind = value.get("type") if isinstance(value, dict) else None
    if kind == "cost":
        keys = ("type", "provider", "url", "refresh_interval", "model_aliases")
        section = Section.of(problems, location, value, keys)
        assert section is not None
        provider = section.choice("provider", COST_PROVIDERS, None)
        interval = section.integer("refresh_interval", 0, minimum=1)
        return CostMetricsSource(
            provider=provider or "digitalocean",
            url=section.text("url"),
            refresh_interval_s=float(interval) if interval else None,
            model_aliases=section.str_map("model_aliases"),
        )
    if kind == "latency":
        keys = ("type", "provider", "url", "query", "refresh_interval")
        section = Section.of(problems, location, value, keys)
        assert section is not None
        section.choice("provider", ("prometheus",), None)
        interval = section.integer("refresh_interval", 0, minimum=1)
        return LatencyMetricsSource(
            provider="prometheus",
            url=section.required_str("url"),
            query=section.required_str("query"),
            refresh_interval_s=float(interval) if interval else None,
        )
    if not isinstance(value, dict):
        problems.add(location, f"expected a mapping, got {type_name(value)}")
    elif kind is None:
        problems.add(join(location, "type"), "is required: cost or latency")
    else:
        problems.add(join(location, "type"), f"must be one of cost, latency; got '{kind}'")
    return None


def read_overrides(section: Section | None) -> Overrides:
    """`overrides:` with the reference defaults."""
    if section is None:
        return Overrides()
    return Overrides(
        prompt_target_intent_matching_threshold=section.number(
            "prompt_target_intent_matching_threshold", None
        ),
        optimize_context_window=section.flag("optimize_context_window", False),
        use_agent_orchestrator=section.flag("use_agent_orchestrator", False),
        disable_signals=section.flag("disable_signals", False),
        upstream_connect_timeout_s=section.duration("upstream_connect_timeout", 5.0),
        upstream_tls_ca_path=section.text("upstream_tls_ca_path"),
        llm_routing_model=section.text("llm_routing_model") or DEFAULT_ROUTING_MODEL,
        agent_orchestration_model=section.text("agent_orchestration_model")
        or DEFAULT_ROUTING_MODEL,
        orchestrator_model_context_length=section.integer(
            "orchestrator_model_context_length", 8192, minimum=1
        ),
    )


def read_ratelimit(section: Section) -> RateLimit:
    """One `ratelimits[i]` item."""
    selector = section.section("selector", ("key", "value"))
    limit = section.section("limit", ("tokens", "unit"))
    if selector is None and not section.has("selector"):
        section.error("selector", "is required")
    if limit is None and not section.has("limit"):
        section.error("limit", "is required")
    unit: RateLimitUnit = "minute"
    tokens = 0
    if limit is not None:
        tokens = limit.integer("tokens", 0, minimum=1, required=True)
        unit = limit.choice("unit", UNITS, None) or "minute"
    return RateLimit(
        model=section.required_str("model"),
        selector_key=selector.required_str("key") if selector else "",
        selector_value=selector.required_str("value") if selector else "",
        tokens=tokens,
        unit=unit,
    )


def read_tracing(section: Section | None) -> Tracing:
    """`tracing:`; `random_sampling` is a percentage (0 turns tracing off)."""
    if section is None:
        return Tracing()
    endpoint = section.text("opentracing_grpc_endpoint")
    if endpoint is not None and section.at("opentracing_grpc_endpoint") not in (
        section.problems.unresolved
    ):
        parts = urlsplit(endpoint)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("", "/")
        ):
            section.error(
                "opentracing_grpc_endpoint",
                "must be http://host:port with no path, e.g. http://localhost:4317",
            )
    attributes = SpanAttributes()
    attr_section = section.section("span_attributes", ("header_prefixes", "static"))
    if attr_section is not None:
        attributes = SpanAttributes(
            header_prefixes=attr_section.str_list("header_prefixes"),
            static=attr_section.str_map("static"),
        )
    exporters = []
    exporter_keys = ("type", "url", "api_key", "distinct_id_header", "enabled", "capture_messages")
    for item in section.sections("exporters", exporter_keys):
        item.choice("type", ("posthog",), None)
        exporters.append(
            PosthogExporter(
                url=item.required_str("url"),
                api_key=item.secret("api_key", required=True) or _EMPTY_SECRET,
                distinct_id_header=item.text("distinct_id_header"),
                enabled=item.flag("enabled", True),
                capture_messages=item.flag("capture_messages", False),
            )
        )
    return Tracing(
        random_sampling=section.integer("random_sampling", 0, minimum=0, maximum=100),
        trace_arch_internal=section.flag("trace_arch_internal", False),
        opentracing_grpc_endpoint=endpoint,
        span_attributes=attributes,
        exporters=tuple(exporters),
    )


def read_state_storage(section: Section | None) -> StateStorage | None:
    """`state_storage:`; postgres needs a connection string."""
    if section is None:
        return None
    kind = section.choice("type", STORAGE_TYPES, None) or "memory"
    connection = section.secret("connection_string", required=kind == "postgres")
    return StateStorage(type=kind, connection_string=connection)


def read_prompt_guards(section: Section | None) -> PromptGuards | None:
    """`prompt_guards.input_guards.jailbreak.on_exception.message` (parsed, not enforced)."""
    if section is None:
        return None
    message = None
    guards = section.section("input_guards", ("jailbreak",))
    if guards is not None:
        jailbreak = guards.section("jailbreak", ("on_exception",))
        if jailbreak is None and not guards.has("jailbreak"):
            guards.error("jailbreak", "is required")
        if jailbreak is not None:
            on_exception = jailbreak.section("on_exception", ("message",))
            if on_exception is None and not jailbreak.has("on_exception"):
                jailbreak.error("on_exception", "is required")
            if on_exception is not None:
                message = on_exception.text("message", required=True)
    return PromptGuards(jailbreak_message=message)


def read_metrics_listener(section: Section | None) -> MetricsListener:
    """plano extension `metrics: {address, port}` for the Prometheus endpoint."""
    if section is None:
        return MetricsListener()
    return MetricsListener(
        address=section.text("address") or "0.0.0.0",
        port=section.integer("port", DEFAULT_METRICS_PORT, minimum=1, maximum=65535),
    )
