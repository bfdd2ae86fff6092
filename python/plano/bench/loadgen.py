"""The bench's only door to the native load generator (`plano._core.run_load`).

Turns a `LoadSpec` into one blocking native run and its `LoadResult` into plain, JSON-ready
frozen dataclasses (`LoadStats`, `Distribution`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from plano._core import LatencyHistogram, LoadProgress, LoadResult, run_load

__all__ = ["Distribution", "LoadProgress", "LoadSpec", "LoadStats", "run"]

ProgressCallback = Callable[[LoadProgress], object]


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """One load run against one URL."""

    url: str
    method: str = "POST"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    duration_s: float = 10.0
    warmup_s: float = 1.0
    concurrency: int = 1
    rate_per_s: float | None = None
    is_streaming: bool = False
    max_requests: int = 100_000_000
    threads: int = 1
    timeout_s: float = 30.0


@dataclass(frozen=True, slots=True)
class Distribution:
    """Summary of a latency histogram in milliseconds, with its buckets for plotting."""

    count: int = 0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    mean_ms: float = 0.0
    buckets: tuple[tuple[float, float, int], ...] = ()
    """Non-empty `(low_ms, high_ms, count)` buckets, increasing."""

    @classmethod
    def of(cls, histogram: LatencyHistogram) -> Distribution:
        """Summarise a native histogram."""
        return cls(
            count=histogram.count,
            p50_ms=histogram.quantile_ms(0.5),
            p90_ms=histogram.quantile_ms(0.9),
            p99_ms=histogram.quantile_ms(0.99),
            max_ms=histogram.max_ms,
            mean_ms=histogram.mean_ms,
            buckets=coarsen(histogram.buckets_ms()),
        )


def coarsen(
    buckets: list[tuple[float, float, int]], ratio: float = 1.01
) -> tuple[tuple[float, float, int], ...]:
    """Merge adjacent buckets until each spans at least `ratio` (1 %: plenty for plots and
    JSON; the percentiles come from the native histogram at full resolution)."""
    merged: list[tuple[float, float, int]] = []
    for low, high, count in buckets:
        if merged and merged[-1][1] >= low and high <= merged[-1][0] * ratio:
            first_low, _, total = merged[-1]
            merged[-1] = (first_low, high, total + count)
        else:
            merged.append((low, high, count))
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class LoadStats:
    """What one load run measured (histograms hold measured successes only)."""

    ok: int
    measured_ok: int
    sent: int
    unfinished: int
    errors: dict[str, int]
    error_samples: dict[str, str]
    window_s: float
    requests_per_s: float
    chunks_per_response: float
    latency: Distribution
    ttft: Distribution
    inter_chunk: Distribution
    extra: dict[str, float] = field(default_factory=dict)
    """Process measurements added by the caller (CPU, RSS), by name with units."""

    @property
    def error_count(self) -> int:
        """Failures of every kind."""
        return sum(self.errors.values())

    @classmethod
    def of(cls, result: LoadResult) -> LoadStats:
        """Convert a native result."""
        measured = result.measured_ok
        return cls(
            ok=result.ok,
            measured_ok=measured,
            sent=result.sent,
            unfinished=result.unfinished,
            errors=dict(result.errors),
            error_samples=dict(result.error_samples),
            window_s=result.window_s,
            requests_per_s=result.requests_per_s,
            chunks_per_response=result.chunks / measured if measured else 0.0,
            latency=Distribution.of(result.latency),
            ttft=Distribution.of(result.ttft),
            inter_chunk=Distribution.of(result.inter_chunk),
        )


def run(
    spec: LoadSpec,
    progress: ProgressCallback | None = None,
    progress_interval_s: float = 0.5,
) -> LoadStats:
    """Run `spec` to completion (blocking; Ctrl-C stops it and raises KeyboardInterrupt)."""
    headers: Sequence[tuple[str, str]] = spec.headers
    result = run_load(
        spec.url,
        duration_s=spec.duration_s,
        method=spec.method,
        headers=headers,
        body=spec.body,
        warmup_s=spec.warmup_s,
        max_requests=spec.max_requests,
        concurrency=spec.concurrency,
        rate_per_s=spec.rate_per_s,
        is_streaming=spec.is_streaming,
        threads=spec.threads,
        timeout_s=spec.timeout_s,
        progress=progress,
        progress_interval_s=progress_interval_s,
    )
    return LoadStats.of(result)
