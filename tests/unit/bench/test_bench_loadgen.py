"""The native load generator, driven from Python against a tiny loopback server."""

from __future__ import annotations

import pytest

from plano._core import CoreError, LoadProgress
from plano.bench.loadgen import LoadSpec, run


def test_closed_loop_counts_and_measures_successes(tiny_server: str) -> None:
    stats = run(LoadSpec(url=f"{tiny_server}/ok", body=b"{}", duration_s=0.5, warmup_s=0.1))
    assert stats.measured_ok > 0
    assert stats.error_count == 0
    assert stats.latency.count == stats.measured_ok
    assert 0 < stats.latency.p50_ms <= stats.latency.p99_ms <= stats.latency.max_ms
    assert stats.requests_per_s > 0
    assert stats.latency.buckets


def test_max_requests_stops_the_run(tiny_server: str) -> None:
    stats = run(
        LoadSpec(url=f"{tiny_server}/ok", duration_s=30, warmup_s=0, max_requests=20, concurrency=2)
    )
    assert stats.sent == 20
    assert stats.ok == 20


def test_error_statuses_are_counted_not_raised(tiny_server: str) -> None:
    stats = run(LoadSpec(url=f"{tiny_server}/fail", duration_s=5, warmup_s=0, max_requests=3))
    assert stats.ok == 0
    assert stats.errors == {"status_501": 3}
    assert stats.error_samples["status_501"] == "proxy path not available"


def test_streams_report_ttft_and_gaps(tiny_server: str) -> None:
    stats = run(
        LoadSpec(url=f"{tiny_server}/stream", duration_s=0.4, warmup_s=0, is_streaming=True)
    )
    assert stats.measured_ok > 0
    assert stats.chunks_per_response == pytest.approx(3)
    assert stats.ttft.count == stats.measured_ok
    assert stats.inter_chunk.count == 2 * stats.measured_ok
    assert stats.ttft.p50_ms <= stats.latency.p50_ms


def test_progress_sees_every_phase(tiny_server: str) -> None:
    phases: list[str] = []

    def on_progress(progress: LoadProgress) -> None:
        phases.append(progress.phase)
        assert progress.ok <= progress.sent

    run(
        LoadSpec(url=f"{tiny_server}/ok", duration_s=0.3, warmup_s=0.2),
        on_progress,
        progress_interval_s=0.05,
    )
    assert phases[0] == "warmup"
    assert "measure" in phases
    assert phases.index("measure") < len(phases)


def test_a_failing_callback_stops_the_run(tiny_server: str) -> None:
    def explode(progress: LoadProgress) -> None:
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        run(LoadSpec(url=f"{tiny_server}/ok", duration_s=30), explode)


@pytest.mark.parametrize(
    "spec",
    [
        LoadSpec(url="https://127.0.0.1/", duration_s=1),
        LoadSpec(url="http://127.0.0.1:1/", duration_s=1, concurrency=0),
        LoadSpec(url="http://127.0.0.1:1/", duration_s=-1),
        LoadSpec(url="http://127.0.0.1:1/", duration_s=1, rate_per_s=0),
        LoadSpec(url="http://127.0.0.1:1/", duration_s=1, headers=(("bad name", "x"),)),
    ],
)
def test_bad_specs_raise_core_error(spec: LoadSpec) -> None:
    with pytest.raises(CoreError):
        run(spec)


def test_open_loop_follows_the_rate(tiny_server: str) -> None:
    stats = run(
        LoadSpec(url=f"{tiny_server}/ok", duration_s=0.5, warmup_s=0, rate_per_s=100, concurrency=4)
    )
    assert 25 <= stats.sent <= 51  # on schedule; a starved machine may miss the last few


def test_coarsen_merges_narrow_neighbours_only() -> None:
    from plano.bench.loadgen import coarsen

    fine = [(10.0, 10.01, 1), (10.01, 10.02, 2), (10.5, 10.51, 1), (20.0, 20.01, 4)]
    assert coarsen(fine) == ((10.0, 10.02, 3), (10.5, 10.51, 1), (20.0, 20.01, 4))
    assert sum(c for _, _, c in coarsen(fine)) == 8
    assert coarsen([]) == ()
