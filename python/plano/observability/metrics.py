"""Prometheus metrics of the gateway: the metric definitions and the hot-path recording API.

Every worker process records through one `Metrics` object (`get_metrics()`). Under `plano run` the
supervisor points `PROMETHEUS_MULTIPROC_DIR` at a fresh directory before any worker imports
`prometheus_client`, so each value lives in a per-process memory-mapped file there, and the
metrics server (`metrics_server.py`) sums the files of every worker of every listener on a scrape
(see `metrics_process.py` and docs/metrics.md). Without that variable (unit tests, embedding) the
values stay in this process's registry.

The recording calls are on the request path, so they cost a few attribute updates: a request's
series are resolved once per (listener, handler, method) or (provider, model) and cached, and
counts and observations are kept in plain Python numbers until `flush()` writes them to the
Prometheus values (each write takes a lock and touches a memory-mapped file). A flush happens at
most every `FLUSH_INTERVAL_S` from the recording calls themselves, from the event-loop timer that
`start_flushing` sets up, and on `close()`; so a scrape lags the traffic by about a second.
A `Metrics` object belongs to one thread: its worker's event loop.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import threading
import time
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal, Protocol, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from plano.observability.metric_labels import label_value, status_class

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

FLUSH_INTERVAL_S: Final = 1.0
MAX_MODEL_SERIES: Final = 1000
"""Distinct model label values recorded before new ones are folded into `other`."""
OVERFLOW: Final = "other"

_ERROR_CLASSES: Final = frozenset(get_args(ErrorClass))
_RETRY_REASONS: Final = frozenset(get_args(RetryReason))
_METHODS: Final = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
_STATUS_LABELS: Final = ("other", "1xx", "2xx", "3xx", "4xx", "5xx")


class Usage(Protocol):
    """Tokens one upstream response reported; `plano.translation.TokenUsage` is one.

    `input_tokens` includes cached prompt tokens (`cache_read_tokens` is part of it).
    """

    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def cache_read_tokens(self) -> int: ...
    @property
    def cache_creation_tokens(self) -> int: ...
    @property
    def reasoning_tokens(self) -> int: ...


@dataclass(frozen=True, slots=True)
class UsageCounts:
    """A plain `Usage`, for callers that count tokens themselves (and tests)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0
    reasoning_tokens: int = 0


class _Value(Protocol):
    def inc(self, amount: float) -> None: ...


class _PendingHistogram:
    """Observations of one histogram child not yet written to its buckets and sum.

    Writes through the child's bucket and sum values, which `prometheus_client` keeps private;
    `tests/unit/observability/test_metrics.py` pins the resulting exposition.
    """

    __slots__ = ("_bounds", "_buckets", "_counts", "_sum", "_total", "count")

    def __init__(self, child: Histogram) -> None:
        upper: list[float] = child._upper_bounds
        self._buckets: list[_Value] = child._buckets
        self._sum: _Value = child._sum
        self._bounds = tuple(upper[:-1])  # the last bound is +Inf
        self._counts = [0] * len(upper)
        self._total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self._counts[bisect_left(self._bounds, value)] += 1  # buckets are `le`: inclusive
        self._total += value
        self.count += 1

    def flush(self) -> None:
        if not self.count:
            return
        counts = self._counts
        for index, count in enumerate(counts):
            if count:
                self._buckets[index].inc(count)
                counts[index] = 0
        self._sum.inc(self._total)
        self._total = 0.0
        self.count = 0


class _HttpSeries:
    """The series of one (listener, handler, method) and what is pending for them."""

    __slots__ = ("duration", "family", "in_flight", "in_flight_delta", "labels", "statuses")

    def __init__(self, m: Metrics, listener: str, handler: str, method: str) -> None:
        self.labels = (listener, handler, method)
        self.family = m.http_requests
        self.in_flight = m.http_in_flight.labels(listener)
        self.in_flight_delta = 0
        self.duration = _PendingHistogram(m.http_duration.labels(listener, handler))
        self.statuses: dict[str, int] = {}

    def flush(self) -> None:
        if self.in_flight_delta:
            self.in_flight.inc(self.in_flight_delta)
            self.in_flight_delta = 0
        self.duration.flush()
        if self.statuses:
            statuses, self.statuses = self.statuses, {}
            for label, count in statuses.items():
                self.family.labels(*self.labels, label).inc(count)


class _ModelSeries:
    """The series of one (provider, model) pair and what is pending for them."""

    __slots__ = (
        "cache_read",
        "cache_write",
        "children",
        "duration",
        "family",
        "input",
        "labels",
        "outcomes",
        "output",
        "reasoning",
        "retries",
        "tpot",
        "ttft",
        "usage_missing",
    )

    def __init__(self, m: Metrics, provider: str, model: str) -> None:
        self.labels = (provider, model)
        self.family = m.upstream_requests
        self.retries = m.retries
        self.duration = _PendingHistogram(m.upstream_duration.labels(provider, model))
        self.ttft = _PendingHistogram(m.time_to_first_token.labels(provider, model))
        self.tpot = _PendingHistogram(m.time_per_output_token.labels(provider, model))
        self.children = (
            m.tokens.labels(provider, model, "input"),
            m.tokens.labels(provider, model, "output"),
            m.tokens.labels(provider, model, "cache_read"),
            m.tokens.labels(provider, model, "cache_write"),
            m.tokens.labels(provider, model, "reasoning"),
            m.usage_missing.labels(provider, model),
        )
        self.input = self.output = self.cache_read = self.cache_write = self.reasoning = 0
        self.usage_missing = 0
        self.outcomes: dict[tuple[str, str], int] = {}

    def flush(self) -> None:
        pending = (
            self.input,
            self.output,
            self.cache_read,
            self.cache_write,
            self.reasoning,
            self.usage_missing,
        )
        for child, amount in zip(self.children, pending, strict=True):
            if amount:
                child.inc(amount)
        self.input = self.output = self.cache_read = self.cache_write = self.reasoning = 0
        self.usage_missing = 0
        self.duration.flush()
        self.ttft.flush()
        self.tpot.flush()
        if self.outcomes:
            outcomes, self.outcomes = self.outcomes, {}
            for (status_label, error_class), count in outcomes.items():
                self.family.labels(*self.labels, status_label, error_class).inc(count)


class RequestToken:
    """One in-flight HTTP request, from `request_started` to `request_finished`."""

    __slots__ = ("_series", "is_finished", "started_s")

    def __init__(self, series: _HttpSeries, started_s: float) -> None:
        self._series = series
        self.started_s = started_s
        self.is_finished = False


class Metrics:
    """Every metric of one process and the calls that record them.

    One instance per process (`get_metrics()`): in multiprocess mode two instances would write
    the same slots of the same files. Tests pass their own `registry`, `flush()`, and read it.
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
        self._retries: dict[tuple[str, str, str], Counter] = {}
        self._dirty: set[_HttpSeries | _ModelSeries] = set()
        self._next_flush_s = time.perf_counter() + FLUSH_INTERVAL_S
        self._timer: asyncio.TimerHandle | None = None
        self._lock = threading.Lock()  # only taken on a cache miss

    def request_started(self, listener: str, handler: str, method: str) -> RequestToken:
        """Counts a request in flight on `listener`; hand the token to `request_finished`.

        `handler` names the route (`llm_chat`, `healthz`, `not_found`, ...): a short fixed name
        chosen by the gateway, never a path. Unknown HTTP methods are recorded as `other`.
        """
        series = self._http.get((listener, handler, method))
        if series is None:
            series = self._http_series(listener, handler, method)
        series.in_flight_delta += 1
        self._dirty.add(series)
        return RequestToken(series, time.perf_counter())

    def request_finished(self, token: RequestToken, status: int) -> None:
        """Records the request's status and duration; a second call for one token is ignored."""
        if token.is_finished:
            return
        token.is_finished = True
        now = time.perf_counter()
        series = token._series
        series.in_flight_delta -= 1
        series.duration.observe(now - token.started_s)
        label = _STATUS_LABELS[status // 100] if 100 <= status <= 599 else "other"
        series.statuses[label] = series.statuses.get(label, 0) + 1
        self._dirty.add(series)
        if now >= self._next_flush_s:
            self.flush()

    def upstream_finished(
        self,
        *,
        provider: str,
        model: str,
        status: int | None,
        error_class: ErrorClass,
        duration_s: float,
        ttft_s: float | None,
        usage: Usage | None,
    ) -> None:
        """Records one finished upstream attempt (each retry is an attempt of its own).

        `status` is the upstream HTTP status, None when no response arrived. `ttft_s` is the time
        to the first body byte, None when nothing arrived. `usage` is None when the response
        reported none; that is counted as missing usage only for a completed 2xx attempt.
        Time per output token is `(duration_s - ttft_s) / (output_tokens - 1)` when the first
        token's time is known, else `duration_s / output_tokens`; it is recorded only for a
        completed 2xx attempt.
        """
        series = self._models.get((provider, model))
        if series is None:
            series = self._model_series(provider, model)
        self._dirty.add(series)
        if error_class not in _ERROR_CLASSES:
            error_class = "other"
        ok = status is not None and 200 <= status <= 299 and error_class == "none"
        key = (status_class(status), error_class)
        series.outcomes[key] = series.outcomes.get(key, 0) + 1
        series.duration.observe(duration_s)
        if ttft_s is not None:
            series.ttft.observe(ttft_s)
        if usage is None:
            if ok:
                series.usage_missing += 1
            return
        output = usage.output_tokens
        series.input += usage.input_tokens
        series.output += output
        series.cache_read += usage.cache_read_tokens
        series.cache_write += usage.cache_creation_tokens
        series.reasoning += usage.reasoning_tokens
        if not ok:
            return
        if ttft_s is not None:
            if output > 1 and duration_s > ttft_s:
                series.tpot.observe((duration_s - ttft_s) / (output - 1))
        elif output > 0:
            series.tpot.observe(duration_s / output)

    def retry(self, *, provider: str, model: str, reason: RetryReason) -> None:
        """Counts one more attempt on the same provider and model."""
        if reason not in _RETRY_REASONS:
            reason = "other"
        child = self._retries.get((provider, model, reason))
        if child is None:
            series = self._models.get((provider, model)) or self._model_series(provider, model)
            child = self.retries.labels(*series.labels, reason)
            if len(self._retries) < MAX_MODEL_SERIES:
                self._retries[(provider, model, reason)] = child
        child.inc()

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

    def flush(self) -> None:
        """Writes every pending count and observation to the Prometheus values.

        A series that cannot be written (a full disk under the multiprocess directory) loses
        its pending batch, which is logged; the caller never sees the error.
        """
        self._next_flush_s = time.perf_counter() + FLUSH_INTERVAL_S
        dirty, self._dirty = self._dirty, set()
        for series in dirty:
            try:
                series.flush()
            except Exception:  # metrics must never fail a request; a lost batch is logged
                logger.exception("could not write metrics for %s", series.labels)

    def start_flushing(
        self, loop: asyncio.AbstractEventLoop, interval_s: float = FLUSH_INTERVAL_S
    ) -> None:
        """Flushes every `interval_s` on `loop`, so a quiet worker's last requests show too."""

        def tick() -> None:
            self.flush()
            self._timer = loop.call_later(interval_s, tick)

        self.stop_flushing()
        self._timer = loop.call_later(interval_s, tick)

    def stop_flushing(self) -> None:
        """Cancels the timer of `start_flushing`, if any."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def close(self) -> None:
        """Stops the timer and flushes: call it when the worker stops serving."""
        self.stop_flushing()
        self.flush()

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
    """This process's one `Metrics`, created on first use; flushed once more at exit."""
    global _instance
    if _instance is None:
        with _instance_lock:
            if _instance is None:
                _instance = Metrics()
                atexit.register(_instance.flush)
    return _instance
