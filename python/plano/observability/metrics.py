"""Prometheus metrics of the gateway: the metric definitions and the hot-path recording API.

Every worker process records through one `Metrics` object (`get_metrics()`). Under `plano run` the
supervisor points `PROMETHEUS_MULTIPROC_DIR` at a fresh directory before any worker imports
`prometheus_client`, so each value lives in a per-process memory-mapped file there, and the
metrics server (`metrics_server.py`) sums the files of every worker of every listener on a scrape
(see `metrics_process.py` and docs/metrics.md). Without that variable (unit tests, embedding) the
values stay in this process's registry.

The recording calls are on the request path, so they never look up labels: a request's series are
resolved once per (listener, handler, method) or (provider, model) and cached. Label values come
only from the gateway's own vocabulary (listener and handler names, provider and model names,
fixed enumerations); a value that looks like a credential is replaced by `redacted` before it can
become a label, and the number of distinct model series is capped.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

ErrorClass = Literal["none", "timeout", "connect", "protocol", "stream", "other"]
"""Why an upstream attempt failed: `none` when it completed (whatever its HTTP status)."""
TokenKind = Literal["input", "output", "cache_read", "cache_write", "reasoning"]
RetryReason = Literal["rate_limited", "server_error", "timeout", "connect", "stream", "other"]
"""Why the same provider and model was tried again."""

HTTP_BUCKETS_S: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
LLM_BUCKETS_S: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
TTFT_BUCKETS_S: Final = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 60.0)
TPOT_BUCKETS_S: Final = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0)

MAX_LABEL_CHARS: Final = 128
MAX_MODEL_SERIES: Final = 1000
"""Distinct (provider, model) pairs recorded before new ones are folded into `other`."""
REDACTED: Final = "redacted"
UNKNOWN: Final = "unknown"
OVERFLOW: Final = "other"

_ERROR_CLASSES: Final = frozenset(get_args(ErrorClass))
_RETRY_REASONS: Final = frozenset(get_args(RetryReason))
_METHODS: Final = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
_STATUS_CLASSES: Final = ("other", "1xx", "2xx", "3xx", "4xx", "5xx")

# Well-known credential shapes (OpenAI/Anthropic/Groq/xAI/HF/GitHub keys, AWS access key ids,
# Google API keys, JWTs, bearer headers) and any long run of mixed letters and digits.
_SECRET_SHAPES: Final = re.compile(
    r"(?:^|[^A-Za-z0-9])(?:sk|pk|rk|gsk|xai|hf|ghp|gho|ghs|github_pat)[-_][A-Za-z0-9_-]{8,}"
    r"|AKIA[0-9A-Z]{12,}|AIza[0-9A-Za-z_-]{20,}|eyJ[A-Za-z0-9_-]{10,}\.|(?i:bearer\s)"
)
_LONG_RUN: Final = re.compile(r"[A-Za-z0-9]{24,}")


def status_class(status: int | None) -> str:
    """`1xx` … `5xx`, or `other` for no status (no response) or one outside 100-599."""
    if status is None or not 100 <= status <= 599:
        return "other"
    return _STATUS_CLASSES[status // 100]


def looks_like_secret(value: str) -> bool:
    """True for a value shaped like an API key, token or credential rather than a name."""
    if _SECRET_SHAPES.search(value):
        return True
    for run in _LONG_RUN.findall(value):
        if any(c.isdigit() for c in run) and any(c.isalpha() for c in run):
            return True
    return False


def label_value(value: str) -> str:
    """A name made safe to be a label value: never empty, never long, never credential-shaped."""
    if not isinstance(value, str):  # a Secret or a header object passed by mistake
        raise TypeError(f"metric label values are plain names, got {type(value).__name__}")
    value = value.strip()
    if not value:
        return UNKNOWN
    if looks_like_secret(value):
        logger.warning(
            "a metric label value looked like a credential and was recorded as %r", REDACTED
        )
        return REDACTED
    return value[:MAX_LABEL_CHARS]


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens one upstream response reported (its `usage`), by kind."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0


class RequestToken:
    """One in-flight HTTP request, from `request_started` to `request_finished`."""

    __slots__ = ("_series", "is_finished", "started_s")

    def __init__(self, series: _HttpSeries, started_s: float) -> None:
        self._series = series
        self.started_s = started_s
        self.is_finished = False


class _HttpSeries:
    """The series of one (listener, handler, method)."""

    __slots__ = ("by_status", "duration", "family", "in_flight", "labels")

    def __init__(self, m: Metrics, listener: str, handler: str, method: str) -> None:
        self.labels = (listener, handler, method)
        self.family = m.http_requests
        self.in_flight = m.http_in_flight.labels(listener)
        self.duration = m.http_duration.labels(listener, handler)
        self.by_status: dict[str, Counter] = {}

    def requests(self, status_label: str) -> Counter:
        child = self.by_status.get(status_label)
        if child is None:
            child = self.family.labels(*self.labels, status_label)
            self.by_status[status_label] = child
        return child


class _ModelSeries:
    """The series of one (provider, model) pair."""

    __slots__ = (
        "cache_read",
        "cache_write",
        "duration",
        "family",
        "input",
        "labels",
        "outcomes",
        "output",
        "reasoning",
        "retries",
        "retry_family",
        "tpot",
        "ttft",
        "usage_missing",
    )

    def __init__(self, m: Metrics, provider: str, model: str) -> None:
        self.labels = (provider, model)
        self.family = m.upstream_requests
        self.retry_family = m.retries
        self.duration = m.upstream_duration.labels(provider, model)
        self.ttft = m.time_to_first_token.labels(provider, model)
        self.tpot = m.time_per_output_token.labels(provider, model)
        self.usage_missing = m.usage_missing.labels(provider, model)
        self.input = m.tokens.labels(provider, model, "input")
        self.output = m.tokens.labels(provider, model, "output")
        self.cache_read = m.tokens.labels(provider, model, "cache_read")
        self.cache_write = m.tokens.labels(provider, model, "cache_write")
        self.reasoning = m.tokens.labels(provider, model, "reasoning")
        self.outcomes: dict[tuple[str, str], Counter] = {}
        self.retries: dict[str, Counter] = {}

    def outcome(self, status_label: str, error_class: str) -> Counter:
        key = (status_label, error_class)
        child = self.outcomes.get(key)
        if child is None:
            child = self.family.labels(*self.labels, status_label, error_class)
            self.outcomes[key] = child
        return child

    def retry(self, reason: str) -> Counter:
        child = self.retries.get(reason)
        if child is None:
            child = self.retry_family.labels(*self.labels, reason)
            self.retries[reason] = child
        return child


class Metrics:
    """Every metric of one process and the calls that record them.

    One instance per process (`get_metrics()`): in multiprocess mode two instances would write
    the same slots of the same files. Tests pass their own `registry` and read it back.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        r = self.registry
        self.http_requests = Counter(
            "plano_http_requests_total",
            "HTTP requests answered by the gateway's listeners.",
            ("listener", "handler", "method", "status_class"),
            registry=r,
        )
        self.http_duration = Histogram(
            "plano_http_request_duration_seconds",
            "Time from a request's arrival to its response (or stream) ending.",
            ("listener", "handler"),
            buckets=HTTP_BUCKETS_S,
            registry=r,
        )
        self.http_in_flight = Gauge(
            "plano_http_in_flight_requests",
            "Requests being answered right now, summed over live workers.",
            ("listener",),
            multiprocess_mode="livesum",
            registry=r,
        )
        self.upstream_requests = Counter(
            "plano_llm_upstream_requests_total",
            "Attempts sent to an upstream LLM provider, by outcome.",
            ("provider", "model", "status_class", "error_class"),
            registry=r,
        )
        self.upstream_duration = Histogram(
            "plano_llm_upstream_duration_seconds",
            "Time from sending an upstream attempt to its response (or stream) ending.",
            ("provider", "model"),
            buckets=LLM_BUCKETS_S,
            registry=r,
        )
        self.time_to_first_token = Histogram(
            "plano_llm_time_to_first_token_seconds",
            "Time from sending an upstream attempt to its first response body byte.",
            ("provider", "model"),
            buckets=TTFT_BUCKETS_S,
            registry=r,
        )
        self.time_per_output_token = Histogram(
            "plano_llm_time_per_output_token_seconds",
            "Generation time per output token after the first one.",
            ("provider", "model"),
            buckets=TPOT_BUCKETS_S,
            registry=r,
        )
        self.tokens = Counter(
            "plano_llm_tokens_total",
            "Tokens reported by upstream responses' usage, by kind.",
            ("provider", "model", "kind"),
            registry=r,
        )
        self.usage_missing = Counter(
            "plano_llm_usage_missing_total",
            "Successful upstream responses that reported no token usage.",
            ("provider", "model"),
            registry=r,
        )
        self.retries = Counter(
            "plano_llm_retries_total",
            "Attempts repeated on the same provider and model.",
            ("provider", "model", "reason"),
            registry=r,
        )
        self.failovers = Counter(
            "plano_llm_failovers_total",
            "Requests moved from a failing model to the next fallback model.",
            ("from_model", "to_model"),
            registry=r,
        )
        self.ratelimited = Counter(
            "plano_ratelimited_requests_total",
            "Requests refused by a configured rate limit.",
            ("model",),
            registry=r,
        )
        self._http: dict[tuple[str, str, str], _HttpSeries] = {}
        self._models: dict[tuple[str, str], _ModelSeries] = {}
        self._failovers: dict[tuple[str, str], Counter] = {}
        self._ratelimited: dict[str, Counter] = {}
        self._lock = threading.Lock()  # only taken on a cache miss

    def request_started(self, listener: str, handler: str, method: str) -> RequestToken:
        """Counts a request in flight on `listener`; hand the token to `request_finished`.

        `handler` names the route (`llm_chat`, `healthz`, `not_found`, ...): a short fixed name
        chosen by the gateway, never a path. Unknown HTTP methods are recorded as `other`.
        """
        series = self._http.get((listener, handler, method))
        if series is None:
            series = self._http_series(listener, handler, method)
        series.in_flight.inc()
        return RequestToken(series, time.perf_counter())

    def request_finished(self, token: RequestToken, status: int) -> None:
        """Records the request's status and duration; a second call for one token is ignored."""
        if token.is_finished:
            return
        token.is_finished = True
        series = token._series
        series.in_flight.dec()
        series.duration.observe(time.perf_counter() - token.started_s)
        series.requests(_STATUS_CLASSES[status // 100] if 100 <= status <= 599 else "other").inc()

    def upstream_finished(
        self,
        *,
        provider: str,
        model: str,
        status: int | None,
        error_class: ErrorClass,
        duration_s: float,
        ttft_s: float | None,
        usage: TokenUsage | None,
    ) -> None:
        """Records one finished upstream attempt (each retry is an attempt of its own).

        `status` is the upstream HTTP status, None when no response arrived. `ttft_s` is the time
        to the first body byte, None when nothing arrived. `usage` is None when the response
        reported none; that is counted as missing usage only for a completed 2xx attempt.
        Time per output token is `(duration_s - ttft_s) / (output_tokens - 1)` when the first
        token's time is known, else `duration_s / output_tokens`.
        """
        series = self._models.get((provider, model))
        if series is None:
            series = self._model_series(provider, model)
        if error_class not in _ERROR_CLASSES:
            error_class = "other"
        ok = status is not None and 200 <= status <= 299
        series.outcome(status_class(status), error_class).inc()
        series.duration.observe(duration_s)
        if ttft_s is not None:
            series.ttft.observe(ttft_s)
        if usage is None:
            if ok and error_class == "none":
                series.usage_missing.inc()
            return
        if usage.input_tokens > 0:
            series.input.inc(usage.input_tokens)
        output = usage.output_tokens
        if output > 0:
            series.output.inc(output)
        if usage.cache_read_tokens > 0:
            series.cache_read.inc(usage.cache_read_tokens)
        if usage.cache_write_tokens > 0:
            series.cache_write.inc(usage.cache_write_tokens)
        if usage.reasoning_tokens > 0:
            series.reasoning.inc(usage.reasoning_tokens)
        if not ok or error_class != "none":
            return
        if ttft_s is not None:
            if output > 1 and duration_s > ttft_s:
                series.tpot.observe((duration_s - ttft_s) / (output - 1))
        elif output > 0:
            series.tpot.observe(duration_s / output)

    def retry(self, *, provider: str, model: str, reason: RetryReason) -> None:
        """Counts one more attempt on the same provider and model."""
        series = self._models.get((provider, model))
        if series is None:
            series = self._model_series(provider, model)
        series.retry(reason if reason in _RETRY_REASONS else "other").inc()

    def failover(self, *, from_model: str, to_model: str) -> None:
        """Counts a request moved from `from_model` to the fallback `to_model`."""
        child = self._failovers.get((from_model, to_model))
        if child is None:
            child = self._failover_child(from_model, to_model)
        child.inc()

    def rate_limited(self, *, model: str) -> None:
        """Counts a request refused by a rate limit on `model`."""
        child = self._ratelimited.get(model)
        if child is None:
            child = self._ratelimited_child(model)
        child.inc()

    def _http_series(self, listener: str, handler: str, method: str) -> _HttpSeries:
        # An unknown method is cached only under `other`: clients choose it, so it must not grow
        # the cache; such requests take this slower path every time.
        method_label = method if method in _METHODS else "other"
        with self._lock:
            series = self._http.get((listener, handler, method_label))
            if series is None:
                series = _HttpSeries(
                    self, label_value(listener), label_value(handler), method_label
                )
                self._http[(listener, handler, method_label)] = series
            return series

    def _model_series(self, provider: str, model: str) -> _ModelSeries:
        with self._lock:
            series = self._models.get((provider, model))
            if series is None:
                if len(self._models) >= MAX_MODEL_SERIES:
                    _warn_overflow()
                    provider = model = OVERFLOW
                    series = self._models.get((provider, model))
                if series is None:
                    series = _ModelSeries(self, label_value(provider), label_value(model))
                    self._models[(provider, model)] = series
            return series

    def _failover_child(self, from_model: str, to_model: str) -> Counter:
        with self._lock:
            if len(self._failovers) >= MAX_MODEL_SERIES:
                _warn_overflow()
                from_model = to_model = OVERFLOW
            child = self._failovers.get((from_model, to_model))
            if child is None:
                child = self.failovers.labels(label_value(from_model), label_value(to_model))
                self._failovers[(from_model, to_model)] = child
            return child

    def _ratelimited_child(self, model: str) -> Counter:
        with self._lock:
            if len(self._ratelimited) >= MAX_MODEL_SERIES:
                _warn_overflow()
                model = OVERFLOW
            child = self._ratelimited.get(model)
            if child is None:
                child = self.ratelimited.labels(label_value(model))
                self._ratelimited[model] = child
            return child


_overflow_warned = False


def _warn_overflow() -> None:
    global _overflow_warned
    if not _overflow_warned:
        _overflow_warned = True
        logger.warning(
            "more than %d distinct model label values: further ones are recorded as %r",
            MAX_MODEL_SERIES,
            OVERFLOW,
        )


class BuildInfoCollector(Collector):
    """`plano_build_info{version} 1`, exported once by the metrics server (not per worker)."""

    def __init__(self, version: str) -> None:
        self.version = version

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "plano_build_info", "The running plano version; always 1.", labels=("version",)
        )
        family.add_metric((self.version,), 1.0)
        yield family

    def describe(self) -> Iterable[Metric]:
        return self.collect()


_instance: Metrics | None = None
_instance_lock = threading.Lock()


def get_metrics() -> Metrics:
    """This process's one `Metrics`, created on first use."""
    global _instance
    if _instance is None:
        with _instance_lock:
            if _instance is None:
                _instance = Metrics()
    return _instance
