"""Runs scenarios: mocks up once, then per scenario a fresh gateway and alternating rounds of
DIRECT and GATEWAY measurements at each load shape.

Pinning (as in the peer measurements): the gateway on the first CPU (every CPU with several
workers), the mocks and the in-process load generator on the others. In a round the two arms
run back to back, in alternating order from round to round, so slow drift of a shared machine
hits both; reports use medians of per-round values and per-round differences.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from plano.bench import loadgen
from plano.bench.loadgen import LoadProgress, LoadSpec, LoadStats
from plano.bench.procs import (
    CpuPlan,
    Managed,
    ProcessFailed,
    ProcessTree,
    attach,
    free_port,
    pinned,
    plan_cpus,
    usable_cpus,
)
from plano.bench.procs import running as process_running
from plano.bench.scenarios import (
    FAST_TOKENS,
    MOCK_KEY,
    MOCK_KEY_ENV,
    STREAM_CHUNKS,
    STREAM_GAP_MS,
    STREAM_TTFT_MS,
    Scenario,
)

logger = logging.getLogger(__name__)

DIRECT = "direct"
GATEWAY = "gateway"
READY_TIMEOUT_S = 30.0
MAX_REQUESTS = 5_000_000

Status = Callable[[str, LoadProgress | None], None]
"""Progress sink: a label for the current measurement and, while it runs, its counters."""


@dataclass(frozen=True, slots=True)
class LoadShape:
    """One way of loading a scenario."""

    key: str
    concurrency: int
    label: str


NON_STREAMING_SHAPES = (
    LoadShape("c1", 1, "1 connection"),
    LoadShape("c64", 64, "64 connections"),
)
STREAMING_SHAPES = (
    LoadShape("s1", 1, "1 stream"),
    LoadShape("s16", 16, "16 concurrent streams"),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """How long and how often to measure."""

    duration_s: float = 5.0
    warmup_s: float = 1.0
    rounds: int = 3
    workers: int = 1
    loadgen_threads: int = 1
    out_dir: Path = Path("bench-results")
    target_url: str | None = None
    """Measure this gateway instead of starting `plano run` (it must forward to the mocks)."""
    target_pid: int | None = None
    """With `target_url`: the gateway's root process, to measure its CPU and RSS."""
    mock_port: int = 0
    """Fast mock port (the paced one is the next port); 0 picks free ports."""


@dataclass(slots=True)
class ScenarioResult:
    """Every round of every load shape of one scenario, plus what went wrong."""

    scenario: Scenario
    workers: int
    shapes: tuple[LoadShape, ...]
    runs: dict[str, dict[str, list[LoadStats]]] = field(default_factory=dict)
    """shape key -> arm (`direct`/`gateway`) -> one LoadStats per round."""
    notes: list[str] = field(default_factory=list)
    gateway_peak_rss_mb: float | None = None
    mock_peak_rss_mb: float | None = None

    def add(self, shape: str, arm: str, stats: LoadStats) -> None:
        """Record one round's measurement."""
        self.runs.setdefault(shape, {}).setdefault(arm, []).append(stats)


@dataclass(slots=True)
class Mocks:
    """The two mock providers: one answering at once, one pacing streams."""

    fast: Managed
    paced: Managed
    fast_port: int
    paced_port: int


def measure(
    spec: LoadSpec,
    target: ProcessTree | None,
    status: Status,
    label: str,
) -> LoadStats:
    """One load run; CPU of `target` (and of this process) is sampled at the window's edges."""
    marks: dict[str, tuple[float, float]] = {}

    def sample() -> tuple[float, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        own = usage.ru_utime + usage.ru_stime
        return (target.cpu_s() if target is not None else 0.0, own)

    def on_progress(progress: LoadProgress) -> None:
        if progress.phase != "warmup" and "start" not in marks:
            marks["start"] = sample()
        if progress.phase == "drain" and "end" not in marks:
            marks["end"] = sample()
        status(label, progress)

    stats = loadgen.run(spec, on_progress)
    end = marks.get("end") or sample()
    start = marks.get("start") or end
    requests = max(stats.measured_ok, 1)
    extra = {"loadgen_cpu_us_per_request": (end[1] - start[1]) / requests * 1e6}
    if target is not None:
        # A process that exited during the window takes its CPU time with it: never negative.
        cpu_s = max(0.0, end[0] - start[0])
        extra["target_cpu_s"] = cpu_s
        extra["target_cpu_us_per_request"] = cpu_s / requests * 1e6
    status(f"{label}: {_one_line(stats)}", None)
    return replace(stats, extra=extra)


def _one_line(stats: LoadStats) -> str:
    if not stats.measured_ok:
        return f"no success ({stats.error_count:,} errors)"
    text = f"{stats.requests_per_s:,.0f} req/s, p50 {stats.latency.p50_ms:.3f} ms"
    if stats.ttft.count:
        text += f", TTFT p50 {stats.ttft.p50_ms:.2f} ms"
    if stats.error_count:
        text += f", {stats.error_count:,} errors"
    return text


@contextlib.contextmanager
def mocks(settings: Settings, cpus: CpuPlan, log_dir: Path) -> Iterator[Mocks]:
    """Start both mocks on the load CPUs; stop them on exit."""
    fast_port = settings.mock_port or free_port()
    paced_port = settings.mock_port + 1 if settings.mock_port else free_port()
    common = ["--record-limit", "0", "--log-level", "error"]
    fast_argv = [sys.executable, "-m", "plano.mock", "--port", str(fast_port), *common]
    fast_argv += ["--tokens", str(FAST_TOKENS)]
    paced_argv = [sys.executable, "-m", "plano.mock", "--port", str(paced_port), *common]
    # The first token is delayed as response headers, so the first body chunk the client sees
    # carries it (the mock coalesces its role chunk with an undelayed first token): time to
    # first byte is then time to first token, with no format-specific parsing in the client.
    paced_argv += ["--headers-delay-ms", str(STREAM_TTFT_MS), "--ttft-ms", "0"]
    paced_argv += ["--tokens", str(STREAM_CHUNKS), "--itl-ms", str(STREAM_GAP_MS)]
    with (
        process_running(
            "mock (fast)",
            fast_argv,
            port=fast_port,
            cpus=cpus.load,
            log_path=log_dir / "mock-fast.log",
            ready_timeout_s=READY_TIMEOUT_S,
        ) as fast,
        process_running(
            "mock (paced)",
            paced_argv,
            port=paced_port,
            cpus=cpus.load,
            log_path=log_dir / "mock-paced.log",
            ready_timeout_s=READY_TIMEOUT_S,
        ) as paced,
    ):
        yield Mocks(fast, paced, fast_port, paced_port)


def _gateway_argv(config_path: Path, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "plano",
        "run",
        "--config",
        str(config_path),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]


def _failure_note(arm: str, stats: LoadStats) -> str:
    kinds = ", ".join(f"{kind} x{count}" for kind, count in sorted(stats.errors.items()))
    sample = next(iter(stats.error_samples.values()), "")
    if "status_501" in stats.errors and stats.ok == 0:
        return f"{arm}: gateway answered 501: proxy path not available ({sample[:120]})"
    if "status_404" in stats.errors and stats.ok == 0 and arm == DIRECT:
        return f"{arm}: the mock does not serve this API yet (404: {sample[:120]})"
    return f"{arm}: {stats.error_count} errors ({kinds}); first: {sample[:160]}"


def run_scenario(
    scenario: Scenario,
    settings: Settings,
    mock_set: Mocks,
    log_dir: Path,
    status: Status,
) -> ScenarioResult:
    """Measure one scenario: DIRECT and GATEWAY arms, alternating, for every round and shape."""
    workers = settings.workers if scenario.workers == 1 else scenario.workers or len(usable_cpus())
    cpus = plan_cpus(workers)
    shapes = STREAMING_SHAPES if scenario.is_streaming else NON_STREAMING_SHAPES
    result = ScenarioResult(scenario, workers, shapes)
    mock = mock_set.paced if scenario.is_streaming else mock_set.fast
    mock_port = mock_set.paced_port if scenario.is_streaming else mock_set.fast_port
    upstream = scenario.upstream_request()
    client = scenario.client_request()
    direct_url = f"http://127.0.0.1:{mock_port}{upstream.path}"

    with contextlib.ExitStack() as stack:
        gateway: ProcessTree | None = None
        if settings.target_url is not None:
            gateway_url = settings.target_url.rstrip("/") + client.path
            if settings.target_pid is not None:
                gateway = attach(settings.target_pid)
        else:
            gateway_port = free_port()
            config_path = log_dir / f"{scenario.name}.plano_config.yaml"
            config_path.write_text(
                scenario.config_yaml(gateway_port=gateway_port, mock_port=mock_port)
            )
            gateway_url = f"http://127.0.0.1:{gateway_port}{client.path}"
            status(f"{scenario.name}: starting plano run ({workers} worker(s))", None)
            try:
                gateway = stack.enter_context(
                    process_running(
                        "plano run",
                        _gateway_argv(config_path, workers),
                        port=gateway_port,
                        cpus=cpus.gateway,
                        log_path=log_dir / f"{scenario.name}.gateway.log",
                        env={**os.environ, MOCK_KEY_ENV: MOCK_KEY},
                        ready_timeout_s=READY_TIMEOUT_S,
                    )
                )
            except ProcessFailed as error:
                lines = [line for line in str(error).splitlines() if line.strip()]
                result.notes.append(
                    f"gateway did not start: {lines[-1] if lines else error} "
                    f"(log: {log_dir / f'{scenario.name}.gateway.log'})"
                )

        is_gateway_usable = settings.target_url is not None or gateway is not None
        is_direct_usable = True
        for round_index in range(settings.rounds):
            arms = [DIRECT, GATEWAY] if round_index % 2 == 0 else [GATEWAY, DIRECT]
            for shape in shapes:
                for arm in arms:
                    if arm == GATEWAY and not is_gateway_usable:
                        continue
                    if arm == DIRECT and not is_direct_usable:
                        continue
                    request = upstream if arm == DIRECT else client
                    spec = LoadSpec(
                        url=direct_url if arm == DIRECT else gateway_url,
                        headers=request.headers,
                        body=request.body,
                        duration_s=settings.duration_s,
                        warmup_s=settings.warmup_s,
                        concurrency=shape.concurrency,
                        is_streaming=scenario.is_streaming,
                        max_requests=MAX_REQUESTS,
                        threads=settings.loadgen_threads,
                        timeout_s=30.0,
                    )
                    label = (
                        f"{scenario.name} r{round_index + 1}/{settings.rounds} {shape.key} {arm}"
                    )
                    with pinned(cpus.load):
                        stats = measure(spec, mock if arm == DIRECT else gateway, status, label)
                    result.add(shape.key, arm, stats)
                    if stats.error_count:
                        note = _failure_note(arm, stats)
                        if note not in result.notes:
                            result.notes.append(note)
                    if stats.ok == 0:
                        # Nothing gets through: further runs of this arm would only repeat it.
                        if arm == GATEWAY:
                            is_gateway_usable = False
                        else:
                            is_direct_usable = False
        if gateway is not None:
            result.gateway_peak_rss_mb = gateway.peak_rss_mb()
        result.mock_peak_rss_mb = mock.peak_rss_mb()
    return result


def run_all(
    scenarios: list[Scenario],
    settings: Settings,
    log_dir: Path,
    status: Status,
) -> list[ScenarioResult]:
    """Start the mocks, run every scenario in order, stop the mocks."""
    cpus = plan_cpus(settings.workers)
    log_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with mocks(settings, cpus, log_dir) as mock_set:
        for scenario in scenarios:
            results.append(run_scenario(scenario, settings, mock_set, log_dir, status))
    return results
