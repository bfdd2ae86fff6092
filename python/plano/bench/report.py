"""Benchmark results as numbers people compare: per-scenario summaries, the goals, and the
markdown table, JSON file and PNG plot written to the run's output directory.

Every summary value is a median over rounds; every "added" value is the median over rounds of
(gateway - direct) measured in the same round, which cancels most of a shared machine's drift.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from plano.bench.loadgen import Distribution, LoadStats
from plano.bench.runner import DIRECT, GATEWAY, ScenarioResult

PEERS_NOTE = (
    "For scale (same machine, peers.md): nginx bare proxy hop 24 µs CPU/request and +0.11 ms "
    "p50; Portkey ~786 µs/request, +0.76 ms; LiteLLM ~8.7 ms/request, +10.4 ms p50, +12 ms TTFT."
)


@dataclass(frozen=True, slots=True)
class Goal:
    """A target from the issue, checked against one summary field."""

    field: str
    label: str
    limit: float
    is_upper_bound: bool
    applies_to_streams: bool
    applies_to_translated: bool | None = None
    """None: every scenario; True/False: only (non-)translated ones."""


GOALS: tuple[Goal, ...] = (
    Goal("gateway_cpu_us_per_request", "gateway CPU ≤ 100 µs/request (64 conns)", 100, True, False),
    Goal("gateway_requests_per_s", "≥ 8,000 req/s (64 conns)", 8000, False, False),
    Goal("added_p50_ms", "added p50 ≤ 0.3 ms (1 conn)", 0.3, True, False),
    Goal("added_ttft_ms", "added TTFT ≤ 0.5 ms (1 stream)", 0.5, True, True),
    Goal(
        "gateway_cpu_ms_per_stream",
        "CPU ≤ 0.5 ms per 20-chunk stream, same API",
        0.5,
        True,
        True,
        applies_to_translated=False,
    ),
    Goal(
        "gateway_cpu_ms_per_stream",
        "CPU ≤ 1 ms per 20-chunk stream, translated",
        1.0,
        True,
        True,
        applies_to_translated=True,
    ),
)


def median(values: Iterable[float | None]) -> float | None:
    """Median of the values that exist, None when there are none."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def paired_added(direct: Sequence[float | None], gateway: Sequence[float | None]) -> float | None:
    """Median over rounds of (gateway - direct), using only rounds where both exist."""
    return median(
        g - d for d, g in zip(direct, gateway, strict=False) if d is not None and g is not None
    )


def _ok(stats: LoadStats) -> bool:
    return stats.measured_ok > 0


def _field(runs: Sequence[LoadStats], pick: str) -> list[float | None]:
    values: list[float | None] = []
    for stats in runs:
        if not _ok(stats):
            values.append(None)
        elif pick == "p50":
            values.append(stats.latency.p50_ms)
        elif pick == "ttft_p50":
            values.append(stats.ttft.p50_ms)
        elif pick == "rps":
            values.append(stats.requests_per_s)
        else:
            values.append(stats.extra.get(pick))
    return values


@dataclass(frozen=True, slots=True)
class Summary:
    """One scenario's headline numbers (None: not measured or nothing succeeded)."""

    scenario: str
    description: str
    is_streaming: bool
    is_translated: bool
    workers: int
    direct_p50_ms: float | None = None
    gateway_p50_ms: float | None = None
    added_p50_ms: float | None = None
    direct_requests_per_s: float | None = None
    gateway_requests_per_s: float | None = None
    gateway_cpu_us_per_request: float | None = None
    gateway_requests_per_cpu_s: float | None = None
    """1 / CPU per request: the req/s one fully used core would give, however busy the machine."""
    mock_cpu_us_per_request: float | None = None
    loadgen_cpu_us_per_request: float | None = None
    direct_ttft_ms: float | None = None
    gateway_ttft_ms: float | None = None
    added_ttft_ms: float | None = None
    added_ttft_16_ms: float | None = None
    """Added TTFT at 16 concurrent streams: 16x the samples of the 1-stream figure."""
    gateway_cpu_ms_per_stream: float | None = None
    direct_inter_chunk_p50_ms: float | None = None
    gateway_inter_chunk_p50_ms: float | None = None
    gateway_inter_chunk_p99_ms: float | None = None
    gateway_peak_rss_mb: float | None = None
    notes: tuple[str, ...] = ()


def summarise(result: ScenarioResult) -> Summary:
    """Medians and same-round differences of one scenario's rounds."""
    s = result.scenario
    runs = result.runs
    empty: list[LoadStats] = []

    def arm(shape: str, which: str) -> list[LoadStats]:
        return runs.get(shape, {}).get(which, empty)

    values: dict[str, Any] = {}
    if s.is_streaming:
        d1, g1 = arm("s1", DIRECT), arm("s1", GATEWAY)
        dn, gn = arm("s16", DIRECT), arm("s16", GATEWAY)
        values["direct_ttft_ms"] = median(_field(d1, "ttft_p50"))
        values["gateway_ttft_ms"] = median(_field(g1, "ttft_p50"))
        values["added_ttft_ms"] = paired_added(_field(d1, "ttft_p50"), _field(g1, "ttft_p50"))
        values["added_ttft_16_ms"] = paired_added(_field(dn, "ttft_p50"), _field(gn, "ttft_p50"))
        cpu_us = median(_field(gn, "target_cpu_us_per_request"))
        values["gateway_cpu_ms_per_stream"] = cpu_us / 1000 if cpu_us is not None else None
        values["direct_inter_chunk_p50_ms"] = median(x.inter_chunk.p50_ms for x in dn if _ok(x))
        values["gateway_inter_chunk_p50_ms"] = median(x.inter_chunk.p50_ms for x in gn if _ok(x))
        values["gateway_inter_chunk_p99_ms"] = median(x.inter_chunk.p99_ms for x in gn if _ok(x))
        low, high = "s1", "s16"
    else:
        low, high = "c1", "c64"
        dn, gn = arm(high, DIRECT), arm(high, GATEWAY)
        cpu_us = median(_field(gn, "target_cpu_us_per_request"))
        values["gateway_cpu_us_per_request"] = cpu_us
        values["gateway_requests_per_cpu_s"] = 1e6 / cpu_us if cpu_us else None
    d1, g1 = arm(low, DIRECT), arm(low, GATEWAY)
    values["direct_p50_ms"] = median(_field(d1, "p50"))
    values["gateway_p50_ms"] = median(_field(g1, "p50"))
    values["added_p50_ms"] = paired_added(_field(d1, "p50"), _field(g1, "p50"))
    values["direct_requests_per_s"] = median(_field(dn, "rps"))
    values["gateway_requests_per_s"] = median(_field(gn, "rps"))
    values["mock_cpu_us_per_request"] = median(_field(dn, "target_cpu_us_per_request"))
    values["loadgen_cpu_us_per_request"] = median(_field(dn, "loadgen_cpu_us_per_request"))
    return Summary(
        scenario=s.name,
        description=s.description,
        is_streaming=s.is_streaming,
        is_translated=s.is_translated,
        workers=result.workers,
        gateway_peak_rss_mb=result.gateway_peak_rss_mb,
        notes=tuple(result.notes),
        **values,
    )


def goal_checks(summary: Summary) -> list[tuple[Goal, float, bool]]:
    """The goals that apply to this scenario and were measured: (goal, value, is_met)."""
    checks = []
    for goal in GOALS:
        if goal.applies_to_streams != summary.is_streaming:
            continue
        if goal.applies_to_translated not in (None, summary.is_translated):
            continue
        if summary.workers != 1:
            continue  # the goals are per worker on one core
        value = getattr(summary, goal.field)
        if value is None:
            continue
        is_met = value <= goal.limit if goal.is_upper_bound else value >= goal.limit
        checks.append((goal, float(value), is_met))
    return checks


def _num(value: float | None, digits: int = 2, signed: bool = False, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if unit:
        return _num(value, digits, signed) + unit
    if abs(value) >= 1000:
        return f"{value:+,.0f}" if signed else f"{value:,.0f}"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def markdown(summaries: Sequence[Summary], meta: dict[str, Any]) -> str:
    """The results table, goal checks and notes, as markdown."""
    lines = [
        f"## plano bench: {meta.get('date', '')}",
        "",
        f"Machine: {meta.get('machine', '')}. {meta.get('settings', '')}",
        "",
        "Non-streaming (mock answers at once):",
        "",
        "| scenario | direct p50 1 conn | added p50 1 conn | direct req/s 64 | "
        "gateway req/s 64 | gateway CPU µs/req | req/s per CPU-second | peak RSS MB | status |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in summaries:
        if s.is_streaming:
            continue
        lines.append(
            f"| {s.scenario} | {_num(s.direct_p50_ms, 3, unit=' ms')}"
            f" | {_num(s.added_p50_ms, 3, True, ' ms')}"
            f" | {_num(s.direct_requests_per_s, 0)} | {_num(s.gateway_requests_per_s, 0)}"
            f" | {_num(s.gateway_cpu_us_per_request, 0)} | {_num(s.gateway_requests_per_cpu_s, 0)}"
            f" | {_num(s.gateway_peak_rss_mb, 0)}"
            f" | {_status(s)} |"
        )
    lines += [
        "",
        "Streaming (mock: 20 ms to first token, 20 chunks 2 ms apart):",
        "",
        "| scenario | direct TTFT | added TTFT 1 stream | added TTFT 16 | "
        "gateway CPU ms/stream (16) | inter-chunk p50 / p99 gateway ms | peak RSS MB | status |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in summaries:
        if not s.is_streaming:
            continue
        lines.append(
            f"| {s.scenario} | {_num(s.direct_ttft_ms, unit=' ms')}"
            f" | {_num(s.added_ttft_ms, 3, True, ' ms')}"
            f" | {_num(s.added_ttft_16_ms, 3, True, ' ms')}"
            f" | {_num(s.gateway_cpu_ms_per_stream, 3)}"
            f" | {_num(s.gateway_inter_chunk_p50_ms)} / {_num(s.gateway_inter_chunk_p99_ms)}"
            f" | {_num(s.gateway_peak_rss_mb, 0)} | {_status(s)} |"
        )
    lines += ["", "Goals (per worker, one core):", ""]
    checked = False
    for s in summaries:
        for goal, value, is_met in goal_checks(s):
            checked = True
            mark = "met" if is_met else "NOT met"
            lines.append(f"- {s.scenario}: {goal.label}: {_num(value, 3)} ({mark})")
    if not checked:
        lines.append("- no gateway numbers yet: nothing to check")
    lines += ["", PEERS_NOTE]
    notes = [(s.scenario, n) for s in summaries for n in s.notes]
    if notes:
        lines += ["", "Notes:", ""]
        lines += [f"- {name}: {note}" for name, note in notes]
    return "\n".join(lines) + "\n"


def _status(summary: Summary) -> str:
    has_gateway = summary.gateway_p50_ms is not None or summary.gateway_ttft_ms is not None
    if has_gateway and not summary.notes:
        return "ok"
    if not has_gateway and any("501" in n for n in summary.notes):
        return "gateway 501 (proxy path pending)"
    if not has_gateway:
        return "no gateway numbers (see notes)"
    return "see notes"


def to_json(
    results: Sequence[ScenarioResult], summaries: Sequence[Summary], meta: dict[str, Any]
) -> bytes:
    """Everything measured: settings, summaries, goal checks and every round of every arm."""
    scenarios = []
    for result, summary in zip(results, summaries, strict=True):
        runs = {
            shape: {arm: [asdict(stats) for stats in rounds] for arm, rounds in arms.items()}
            for shape, arms in result.runs.items()
        }
        checks = [
            {"goal": goal.label, "value": value, "met": is_met}
            for goal, value, is_met in goal_checks(summary)
        ]
        scenarios.append({"summary": asdict(summary), "goals": checks, "runs": runs})
    return orjson.dumps(
        {"meta": meta, "scenarios": scenarios},
        option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS,
    )


def cdf(distributions: Iterable[Distribution]) -> tuple[list[float], list[float]]:
    """Cumulative share (0..1) at each bucket's upper edge, over the merged distributions."""
    counts: dict[tuple[float, float], int] = {}
    for dist in distributions:
        for low, high, count in dist.buckets:
            counts[(low, high)] = counts.get((low, high), 0) + count
    total = sum(counts.values())
    xs: list[float] = []
    ys: list[float] = []
    seen = 0
    for (_, high), count in sorted(counts.items()):
        seen += count
        xs.append(high)
        ys.append(seen / total)
    return xs, ys


def plot(results: Sequence[ScenarioResult], path: Path) -> None:
    """One row per scenario: latency (or TTFT) CDFs at low and high load, direct vs gateway."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    rows = max(len(results), 1)
    figure, axes = plt.subplots(rows, 2, figsize=(11, 3.2 * rows), squeeze=False)
    for row, result in zip(axes, results, strict=False):
        for axis, shape in zip(row, result.shapes, strict=False):
            pick_ttft = result.scenario.is_streaming and shape.concurrency == 1
            metric = "TTFT" if pick_ttft else "latency"
            low, high = float("inf"), 0.0
            for arm, colour in ((DIRECT, "tab:blue"), (GATEWAY, "tab:red")):
                runs = [s for s in result.runs.get(shape.key, {}).get(arm, []) if _ok(s)]
                xs, ys = cdf(s.ttft if pick_ttft else s.latency for s in runs)
                if xs:
                    axis.step(xs, ys, where="post", color=colour, label=arm)
                    low, high = min(low, xs[0]), max(high, xs[-1])
            # A log axis only helps across decades; within one it shows no labels at all.
            if low > 0 and high / low > 10:
                axis.set_xscale("log")
                axis.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: f"{v:g}"))
                axis.xaxis.set_minor_formatter(ticker.NullFormatter())
            axis.set_title(f"{result.scenario.name}: {metric}, {shape.label}", fontsize=9)
            axis.set_xlabel("ms")
            axis.set_ylabel("share of requests")
            axis.grid(True, which="both", alpha=0.3)
            if axis.get_legend_handles_labels()[0]:
                axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def write_all(
    results: Sequence[ScenarioResult], meta: dict[str, Any], out_dir: Path
) -> tuple[list[Summary], dict[str, Path]]:
    """Write results.md, results.json and results.png into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summaries = [summarise(r) for r in results]
    paths = {
        "markdown": out_dir / "results.md",
        "json": out_dir / "results.json",
        "plot": out_dir / "results.png",
    }
    paths["markdown"].write_text(markdown(summaries, meta))
    paths["json"].write_bytes(to_json(results, summaries, meta))
    plot(results, paths["plot"])
    return summaries, paths
