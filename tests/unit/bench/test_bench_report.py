"""Report maths (medians, same-round differences, CDFs) and rendering."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from plano.bench.loadgen import Distribution, LoadStats
from plano.bench.report import (
    cdf,
    goal_checks,
    markdown,
    median,
    paired_added,
    summarise,
    write_all,
)
from plano.bench.runner import NON_STREAMING_SHAPES, STREAMING_SHAPES, ScenarioResult
from plano.bench.scenarios import BY_NAME


def stats(
    p50_ms: float = 1.0,
    rps: float = 1000.0,
    cpu_us: float = 50.0,
    ok: int = 100,
    ttft_ms: float = 0.0,
    errors: dict[str, int] | None = None,
) -> LoadStats:
    latency = Distribution(count=ok, p50_ms=p50_ms, buckets=((p50_ms * 0.99, p50_ms, ok),))
    return LoadStats(
        ok=ok,
        measured_ok=ok,
        sent=ok + sum((errors or {}).values()),
        unfinished=0,
        errors=errors or {},
        error_samples=dict.fromkeys(errors or {}, "proxy path not available"),
        window_s=1.0,
        requests_per_s=rps,
        chunks_per_response=1.0,
        latency=latency,
        ttft=Distribution(count=ok, p50_ms=ttft_ms),
        inter_chunk=Distribution(),
        extra={
            "target_cpu_us_per_request": cpu_us,
            "target_cpu_s": cpu_us * ok / 1e6,
            "loadgen_cpu_us_per_request": 10.0,
        },
    )


def test_median_ignores_missing_values() -> None:
    assert median([3.0, None, 1.0, 2.0]) == 2.0
    assert median([None]) is None
    assert median([1.0, 2.0]) == 1.5


def test_added_is_the_median_of_same_round_differences() -> None:
    # Round drift (+10 in round 2) cancels: every round the gateway adds 0.5.
    direct = [1.0, 11.0, 2.0]
    gateway = [1.5, 11.5, 2.5]
    assert paired_added(direct, gateway) == pytest.approx(0.5)
    # A median of gateway minus a median of direct would not be the same thing.
    assert paired_added([1.0, None], [2.0, 5.0]) == pytest.approx(1.0)
    assert paired_added([None], [1.0]) is None


def test_cdf_merges_buckets_and_ends_at_one() -> None:
    a = Distribution(buckets=((0.1, 0.2, 1), (0.2, 0.3, 1)))
    b = Distribution(buckets=((0.2, 0.3, 2),))
    xs, ys = cdf([a, b])
    assert xs == [0.2, 0.3]
    assert ys == [0.25, 1.0]
    assert cdf([]) == ([], [])


def _result(name: str) -> ScenarioResult:
    scenario = BY_NAME[name]
    shapes = STREAMING_SHAPES if scenario.is_streaming else NON_STREAMING_SHAPES
    return ScenarioResult(scenario, 1, shapes)


def test_summary_of_a_non_streaming_scenario() -> None:
    result = _result("openai")
    for d, g in ((1.0, 1.2), (2.0, 2.1)):
        result.add("c1", "direct", stats(p50_ms=d))
        result.add("c1", "gateway", stats(p50_ms=g))
    result.add("c64", "direct", stats(rps=9000, cpu_us=40))
    result.add("c64", "gateway", stats(rps=8500, cpu_us=90))
    summary = summarise(result)
    assert summary.added_p50_ms == pytest.approx(0.15)
    assert summary.gateway_requests_per_s == 8500
    assert summary.gateway_cpu_us_per_request == 90
    assert summary.gateway_requests_per_cpu_s == pytest.approx(11_111, abs=1)
    assert summary.mock_cpu_us_per_request == 40
    checks = {goal.field: is_met for goal, _, is_met in goal_checks(summary)}
    assert checks == {
        "gateway_cpu_us_per_request": True,
        "gateway_requests_per_s": True,
        "added_p50_ms": True,
    }


def test_summary_of_a_stream_scenario_converts_cpu_to_ms_per_stream() -> None:
    result = _result("anthropic-to-openai-stream")
    result.add("s1", "direct", stats(ttft_ms=20.0))
    result.add("s1", "gateway", stats(ttft_ms=20.8))
    result.add("s16", "gateway", stats(cpu_us=1500.0))
    summary = summarise(result)
    assert summary.added_ttft_ms == pytest.approx(0.8)
    assert summary.gateway_cpu_ms_per_stream == pytest.approx(1.5)
    checks = {goal.label: is_met for goal, _, is_met in goal_checks(summary)}
    assert checks == {
        "added TTFT ≤ 0.5 ms (1 stream)": False,
        "CPU ≤ 1 ms per 20-chunk stream, translated": False,
    }


def test_a_501_gateway_is_reported_not_summarised() -> None:
    result = _result("openai")
    result.add("c1", "direct", stats())
    result.add("c1", "gateway", stats(ok=0, errors={"status_501": 5}))
    result.notes.append("gateway: gateway answered 501: proxy path not available")
    summary = summarise(result)
    assert summary.gateway_p50_ms is None
    assert summary.added_p50_ms is None
    text = markdown([summary], {"date": "today", "machine": "m"})
    assert "gateway 501 (proxy path pending)" in text
    assert "nothing to check" in text


def test_write_all_writes_parsable_files(tmp_path: Path) -> None:
    plain = _result("openai")
    plain.add("c1", "direct", stats())
    plain.add("c1", "gateway", stats(p50_ms=1.1))
    stream = _result("openai-stream")
    stream.add("s1", "direct", replace(stats(ttft_ms=20.0)))
    summaries, paths = write_all([plain, stream], {"date": "d", "machine": "m"}, tmp_path)
    assert len(summaries) == 2
    data = orjson.loads(paths["json"].read_bytes())
    assert [s["summary"]["scenario"] for s in data["scenarios"]] == ["openai", "openai-stream"]
    assert data["scenarios"][0]["runs"]["c1"]["gateway"][0]["latency"]["p50_ms"] == 1.1
    assert "| openai |" in paths["markdown"].read_text()
    assert paths["plot"].read_bytes().startswith(b"\x89PNG")
