"""The frozen, typed configuration every other part of plano reads after startup.

Built once by `plano.config.load` from a config file (same format as the reference Plano,
documented in docs/config-reference.md) or by `plano.config.zero` without one. Nothing here
reads the environment: `$VAR` values are already substituted. Durations are float seconds in
fields named `*_s`; credentials are `Secret`s whose repr never shows the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeAlias

ListenerType: TypeAlias = Literal["model", "prompt", "agent"]
RateLimitUnit: TypeAlias = Literal["second", "minute", "hour", "day"]
SelectionPreference: TypeAlias = Literal["cheapest", "fastest", "none"]
FilterType: TypeAlias = Literal["mcp", "http"]
HttpMethod: TypeAlias = Literal["GET", "POST"]
ParameterDefault: TypeAlias = str | int | bool


def _no_strings() -> Mapping[str, str]:
    return MappingProxyType({})


DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_MODEL_PORT = 12000
DEFAULT_PROMPT_PORT = 10000
DEFAULT_METRICS_PORT = 9092
DEFAULT_TIMEOUT_S: Mapping[str, float] = MappingProxyType(
    {"model": 300.0, "prompt": 300.0, "agent": 30.0}
)
DEFAULT_ROUTING_MODEL = "Plano-Orchestrator"


@dataclass(frozen=True, slots=True)
class Secret:
    """A credential. `str()`/`repr()` are masked; call `reveal()` where the value is sent."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        """The secret value, for building an upstream request. Never log it."""
        return self._value

    def __str__(self) -> str:
        return "***"

    def __repr__(self) -> str:
        return "Secret('***')"


@dataclass(frozen=True, slots=True)
class ListenerAgent:
    """One agent an agent listener can route to, with the filters run before it."""

    id: str
    description: str
    default: bool = False
    input_filters: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Listener:
    """One HTTP entry point: the model proxy, the prompt-target gateway or an agent router."""

    name: str
    type: ListenerType
    address: str = "0.0.0.0"
    port: int = DEFAULT_MODEL_PORT
    timeout_s: float = 300.0
    max_retries: int = 0
    input_filters: tuple[str, ...] = ()
    output_filters: tuple[str, ...] = ()
    agents: tuple[ListenerAgent, ...] = ()
    router: str | None = None
    fallback_models: tuple[str, ...] = ()
    """plano extension: models/aliases tried in order when the chosen upstream fails."""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    """plano extension: largest request body accepted on this listener."""


@dataclass(frozen=True, slots=True)
class ModelProvider:
    """One upstream model (or a whole provider with `provider/*`)."""

    name: str
    model: str
    """The full `provider/model_id` string as written in the config."""
    provider: str
    """The prefix before the first `/`, as written (`openai`, `google`, `custom`)."""
    model_id: str
    """Everything after the first `/`; `*` for a wildcard provider."""
    provider_interface: str
    """The canonical provider whose API is spoken: the explicit interface or the known prefix."""
    is_wildcard: bool = False
    access_key: Secret | None = None
    default: bool = False
    base_url: str | None = None
    base_url_path_prefix: str | None = None
    """The path of `base_url` (no surrounding `/`), replacing the provider's default prefix."""
    passthrough_auth: bool = False
    http_host: str | None = None
    headers: Mapping[str, str] = field(default_factory=_no_strings, repr=False)
    """Extra upstream headers; hidden from repr because they may carry credentials."""


@dataclass(frozen=True, slots=True)
class RoutingPreference:
    """A named task category and the ordered candidate models the router may pick for it."""

    name: str
    description: str
    models: tuple[str, ...]
    prefer: SelectionPreference = "none"


@dataclass(frozen=True, slots=True)
class CostMetricsSource:
    """Per-model prices fetched from a catalog (DigitalOcean or models.dev)."""

    provider: Literal["digitalocean", "models.dev"]
    url: str | None = None
    refresh_interval_s: float | None = None
    model_aliases: Mapping[str, str] = field(default_factory=_no_strings)
    type: Literal["cost"] = "cost"


@dataclass(frozen=True, slots=True)
class LatencyMetricsSource:
    """Per-model latency read from Prometheus with a PromQL query (lower is better)."""

    provider: Literal["prometheus"]
    url: str
    query: str
    refresh_interval_s: float | None = None
    type: Literal["latency"] = "latency"


MetricsSource: TypeAlias = CostMetricsSource | LatencyMetricsSource


@dataclass(frozen=True, slots=True)
class SessionCache:
    """Where session-affinity bindings live: in process, or shared in Redis."""

    type: Literal["memory", "redis"] = "memory"
    url: Secret | None = None
    """Redis URL; may carry a password, hence a Secret."""
    tenant_header: str | None = None


@dataclass(frozen=True, slots=True)
class RoutingBudget:
    """Per-session cap on what switching models may cost over never switching."""

    max_switch_spend_pct: float
    replenish_on_rebind: bool = True
    cache_read_discount: float = 0.1
    record_counterfactual: bool = False


@dataclass(frozen=True, slots=True)
class Routing:
    """Session affinity and routing-budget settings (`routing:`)."""

    llm_provider: str | None = None
    model: str | None = None
    session_ttl_s: float = 600.0
    session_max_entries: int = 10000
    session_cache: SessionCache = SessionCache()
    route_on_user_only: bool = False
    routing_budget: RoutingBudget | None = None


@dataclass(frozen=True, slots=True)
class PromptCaching:
    """Automatic prompt caching (`prompt_caching:`); off unless `enabled`."""

    enabled: bool = False
    session_affinity: bool = True
    inject_cache_control: bool = True
    min_prefix_tokens: int = 1024
    session_ttl_s: float | None = None


@dataclass(frozen=True, slots=True)
class Overrides:
    """Global behaviour overrides (`overrides:`)."""

    prompt_target_intent_matching_threshold: float | None = None
    optimize_context_window: bool = False
    use_agent_orchestrator: bool = False
    disable_signals: bool = False
    upstream_connect_timeout_s: float = 5.0
    upstream_tls_ca_path: str | None = None
    """None means the system trust store."""
    llm_routing_model: str = DEFAULT_ROUTING_MODEL
    agent_orchestration_model: str = DEFAULT_ROUTING_MODEL
    orchestrator_model_context_length: int = 8192


@dataclass(frozen=True, slots=True)
class PromptTargetParameter:
    """One parameter of a prompt target, exposed to the function-calling model."""

    name: str
    description: str
    type: str
    required: bool = False
    default: ParameterDefault | None = None
    enum: tuple[ParameterDefault, ...] = ()
    in_path: bool = False
    format: str | None = None


@dataclass(frozen=True, slots=True)
class PromptTargetEndpoint:
    """The developer API a prompt target calls. Header values are Secrets (often bearer tokens)."""

    name: str
    path: str = "/"
    http_method: HttpMethod = "GET"
    http_headers: Mapping[str, Secret] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class PromptTarget:
    """A function the prompt listener can call on the user's behalf (deprecated upstream)."""

    name: str
    description: str
    default: bool = False
    parameters: tuple[PromptTargetParameter, ...] = ()
    endpoint: PromptTargetEndpoint | None = None
    system_prompt: str | None = None
    auto_llm_dispatch_on_response: bool = True


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A named developer API (`endpoints.<name>`), called by prompt targets."""

    name: str
    host: str
    port: int
    protocol: Literal["http", "https"] = "http"
    connect_timeout_s: float | None = None
    http_host: str | None = None
    prefix_affinity: bool = False


@dataclass(frozen=True, slots=True)
class Agent:
    """An agent service an agent listener can route to."""

    id: str
    url: str


@dataclass(frozen=True, slots=True)
class Filter:
    """A filter service (guardrail, rewriter, …) run on requests or responses."""

    id: str
    url: str
    type: FilterType = "mcp"
    transport: Literal["streamable-http"] = "streamable-http"
    tool: str = ""
    """MCP tool name; defaults to the filter id."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token budget per time unit for one model and one request-header value."""

    model: str
    selector_key: str
    selector_value: str
    tokens: int
    unit: RateLimitUnit


@dataclass(frozen=True, slots=True)
class SpanAttributes:
    """Extra span attributes: from request headers by prefix, and static pairs."""

    header_prefixes: tuple[str, ...] = ()
    static: Mapping[str, str] = field(default_factory=_no_strings)


@dataclass(frozen=True, slots=True)
class PosthogExporter:
    """Sends LLM spans to PostHog as `$ai_generation` events."""

    url: str
    api_key: Secret
    distinct_id_header: str | None = None
    enabled: bool = True
    capture_messages: bool = False
    type: Literal["posthog"] = "posthog"


@dataclass(frozen=True, slots=True)
class Tracing:
    """OpenTelemetry tracing (`tracing:`); `random_sampling` is a percentage, 0 = off."""

    random_sampling: int = 0
    trace_arch_internal: bool = False
    opentracing_grpc_endpoint: str | None = None
    span_attributes: SpanAttributes = SpanAttributes()
    exporters: tuple[PosthogExporter, ...] = ()


@dataclass(frozen=True, slots=True)
class StateStorage:
    """Where `/v1/responses` conversation state is kept."""

    type: Literal["memory", "postgres"] = "memory"
    connection_string: Secret | None = None


@dataclass(frozen=True, slots=True)
class PromptGuards:
    """Prompt guard settings; parsed for compatibility (the reference does not enforce them)."""

    jailbreak_message: str | None = None


@dataclass(frozen=True, slots=True)
class MetricsListener:
    """plano extension: where the Prometheus `/metrics` endpoint listens."""

    address: str = "0.0.0.0"
    port: int = DEFAULT_METRICS_PORT


@dataclass(frozen=True, slots=True)
class Config:
    """A whole, valid plano configuration."""

    version: str
    listeners: tuple[Listener, ...]
    model_providers: tuple[ModelProvider, ...] = ()
    model_aliases: Mapping[str, str] = field(default_factory=_no_strings)
    routing_preferences: tuple[RoutingPreference, ...] = ()
    model_metrics_sources: tuple[MetricsSource, ...] = ()
    routing: Routing = Routing()
    prompt_caching: PromptCaching = PromptCaching()
    ratelimits: tuple[RateLimit, ...] = ()
    overrides: Overrides = Overrides()
    tracing: Tracing = Tracing()
    state_storage: StateStorage | None = None
    agents: tuple[Agent, ...] = ()
    filters: tuple[Filter, ...] = ()
    endpoints: Mapping[str, Endpoint] = field(default_factory=lambda: MappingProxyType({}))
    system_prompt: str | None = None
    prompt_targets: tuple[PromptTarget, ...] = ()
    prompt_guards: PromptGuards | None = None
    mode: Literal["llm", "prompt"] | None = None
    metrics: MetricsListener = MetricsListener()
    source: str = "zero-config"
    """The path the config was read from, or "zero-config"."""
    warnings: tuple[str, ...] = ()
    """Migrations applied and other non-fatal findings, one sentence each."""

    @property
    def model_listener(self) -> Listener | None:
        """The (single) `type: model` listener, if any."""
        return next((li for li in self.listeners if li.type == "model"), None)

    @property
    def default_provider(self) -> ModelProvider | None:
        """The provider marked `default: true`, if any."""
        return next((p for p in self.model_providers if p.default), None)

    @property
    def cost_source(self) -> CostMetricsSource | None:
        """The cost metrics source, if configured."""
        return next(
            (s for s in self.model_metrics_sources if isinstance(s, CostMetricsSource)), None
        )

    @property
    def latency_source(self) -> LatencyMetricsSource | None:
        """The latency metrics source, if configured."""
        return next(
            (s for s in self.model_metrics_sources if isinstance(s, LatencyMetricsSource)), None
        )
