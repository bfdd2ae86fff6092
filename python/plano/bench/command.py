"""`plano bench`: measure what the gateway costs, or load any URL.

- `plano bench run`: scenarios against `plano mock`, DIRECT vs through `plano run`, side by side
  in the same run; writes results.md, results.json and results.png to `--out`.
- `plano bench load`: one load run against any http:// URL (e.g. another gateway), optionally
  measuring the CPU of a process tree by `--pid`.

This module owns the terminal: progress on stderr (one updating line on a TTY, plain lines
otherwise), results on stdout.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import platform
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from plano import __version__

if TYPE_CHECKING:
    from plano.bench.loadgen import LoadProgress, LoadStats
    from plano.cli import Subparsers

logger = logging.getLogger(__name__)

QUICK_DURATION_S = 1.5
QUICK_WARMUP_S = 0.3


class ProgressLine:
    """Shows what is being measured: rewrites one line on a TTY, else one line per run."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.is_tty = stream.isatty()
        self.width = 0

    def __call__(self, label: str, progress: LoadProgress | None) -> None:
        """Runner callback: `progress` is None when `label` starts or ends."""
        if progress is None:
            if self.is_tty:
                self._rewrite(label)
            else:
                self.stream.write(label + "\n")
                self.stream.flush()
            return
        if self.is_tty:
            self._rewrite(
                f"{label}: {progress.phase} {progress.elapsed_s:5.1f} s  "
                f"sent {progress.sent:,}  ok {progress.ok:,}  errors {progress.errors:,}"
            )

    def _rewrite(self, text: str) -> None:
        padding = " " * max(0, self.width - len(text))
        self.stream.write("\r" + text + padding)
        self.stream.flush()
        self.width = len(text)

    def close(self) -> None:
        """End the updating line."""
        if self.is_tty and self.width:
            self.stream.write("\n")
            self.stream.flush()


def _machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0))
    return f"{cpus} CPU {model or platform.machine()}, {platform.system()} {platform.release()}"


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def register(subparsers: Subparsers) -> None:
    """Add `plano bench run` and `plano bench load`."""
    parser = subparsers.add_parser(
        "bench",
        help="measure the gateway's cost (throughput, added latency, TTFT, CPU, RSS)",
        description="Benchmark plano against its mock provider, or load any URL.",
    )
    parser.set_defaults(handler=lambda _args: _help(parser))
    commands = parser.add_subparsers(title="bench commands", metavar="COMMAND")
    add_run_parser(commands)
    add_load_parser(commands)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def add_run_parser(commands: Subparsers) -> None:
    """`plano bench run`."""
    from plano.bench.scenarios import SCENARIOS

    names = ", ".join(s.name for s in SCENARIOS)
    run = commands.add_parser(
        "run",
        help="run the scenarios: direct to the mock vs through plano, same run",
        description="Start `plano mock` and, per scenario, `plano run` on a generated config; "
        "measure DIRECT and GATEWAY in alternating rounds; write results.md/.json/.png. "
        f"Scenarios: {names}.",
    )
    run.add_argument("--scenarios", metavar="NAMES", help="comma-separated (default: all)")
    run.add_argument(
        "--duration",
        metavar="SECONDS",
        type=_positive_float,
        help="seconds measured per run (default 5; --quick: 1.5)",
    )
    run.add_argument(
        "--warmup",
        metavar="SECONDS",
        type=_non_negative_float,
        help="unmeasured seconds before each run (default 1; --quick: 0.3)",
    )
    run.add_argument(
        "--rounds",
        metavar="N",
        type=_positive_int,
        help="rounds per scenario (default 3; --quick: 1)",
    )
    run.add_argument(
        "--workers",
        metavar="N",
        type=_positive_int,
        default=1,
        help="gateway workers for the single-worker scenarios (default 1)",
    )
    run.add_argument(
        "--out", metavar="DIR", help="output directory (default bench-results/<timestamp>)"
    )
    run.add_argument(
        "--target-url",
        metavar="URL",
        help="measure this running gateway instead of starting plano: it must forward "
        "non-streaming scenarios to the mock on --mock-port and streaming ones to the next port",
    )
    run.add_argument(
        "--target-pid",
        metavar="PID",
        type=int,
        help="with --target-url: that gateway's root process, to report its CPU and peak RSS",
    )
    run.add_argument(
        "--mock-port",
        metavar="PORT",
        type=int,
        default=0,
        help="fast mock port; the streaming mock uses the next one (default: free ports)",
    )
    run.add_argument(
        "--loadgen-threads",
        metavar="N",
        type=_positive_int,
        default=1,
        help="load generator threads (default 1)",
    )
    run.add_argument(
        "--quick",
        action="store_true",
        help=f"1 round of {QUICK_DURATION_S} s, openai and openai-stream only (unless --scenarios)",
    )
    run.set_defaults(handler=run_command)


def add_load_parser(commands: Subparsers) -> None:
    """`plano bench load`."""
    load = commands.add_parser(
        "load",
        help="load one URL and report throughput and latency",
        description="Closed loop at --concurrency connections, or open loop at --rate "
        "requests/s (latency from each request's due time). HTTP/1.1 keep-alive, http:// only.",
    )
    load.add_argument("--url", required=True, help="http:// URL to load")
    load.add_argument("--method", default="POST", help="HTTP method (default POST)")
    load.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="request header (repeatable)",
    )
    load.add_argument("--body", default="", help="request body, or @FILE to read it from a file")
    load.add_argument(
        "--concurrency",
        "-c",
        metavar="N",
        type=_positive_int,
        default=64,
        help="connections (default 64)",
    )
    load.add_argument(
        "--rate", metavar="PER_S", type=_positive_float, help="open loop: requests per second"
    )
    load.add_argument(
        "--duration",
        metavar="SECONDS",
        type=_positive_float,
        default=10.0,
        help="measured seconds (default 10)",
    )
    load.add_argument(
        "--warmup",
        metavar="SECONDS",
        type=_non_negative_float,
        default=1.0,
        help="unmeasured seconds first (default 1)",
    )
    load.add_argument(
        "--max-requests",
        metavar="N",
        type=_positive_int,
        default=100_000_000,
        help="stop after this many requests",
    )
    load.add_argument("--stream", action="store_true", help="report TTFT and inter-chunk gaps")
    load.add_argument(
        "--threads",
        metavar="N",
        type=_positive_int,
        default=1,
        help="load generator threads (default 1)",
    )
    load.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_positive_float,
        default=30.0,
        help="per-request timeout, s (default 30)",
    )
    load.add_argument(
        "--pid",
        metavar="PID",
        type=int,
        help="also report CPU µs/request and peak RSS of this process tree",
    )
    load.add_argument("--cpus", help="pin the load generator to these CPUs, e.g. 1 or 1,2")
    load.add_argument("--json", metavar="FILE", help="also write the full result as JSON")
    load.set_defaults(handler=load_command)


def run_command(args: argparse.Namespace) -> int:
    """`plano bench run`."""
    from plano.bench import report, runner, scenarios
    from plano.bench.procs import ProcessFailed

    try:
        selected = scenarios.select(args.scenarios, is_quick=args.quick)
    except ValueError as error:
        sys.stderr.write(f"plano bench run: {error}\n")
        return 2
    stamp = datetime.datetime.now(datetime.UTC)
    out_dir = Path(args.out or f"bench-results/{stamp:%Y%m%d-%H%M%S}")
    settings = runner.Settings(
        duration_s=_pick(args.duration, QUICK_DURATION_S if args.quick else 5.0),
        warmup_s=_pick(args.warmup, QUICK_WARMUP_S if args.quick else 1.0),
        rounds=int(_pick(args.rounds, 1 if args.quick else 3)),
        workers=args.workers,
        loadgen_threads=args.loadgen_threads,
        out_dir=out_dir,
        target_url=args.target_url,
        target_pid=args.target_pid,
        mock_port=args.mock_port,
    )
    meta: dict[str, Any] = {
        "date": f"{stamp:%Y-%m-%d %H:%M} UTC",
        "machine": _machine(),
        "plano": __version__,
        "python": platform.python_version(),
        "settings": (
            f"{settings.rounds} round(s) of {settings.duration_s:g} s "
            f"(+{settings.warmup_s:g} s warm-up) per arm and load; medians of rounds."
        ),
        "target_url": settings.target_url,
    }
    progress = ProgressLine(sys.stderr)
    started = time.monotonic()
    try:
        results = runner.run_all(selected, settings, out_dir / "logs", progress)
    except KeyboardInterrupt:
        progress.close()
        sys.stderr.write("plano bench run: interrupted\n")
        return 130
    except (ProcessFailed, ValueError) as error:
        progress.close()
        sys.stderr.write(f"plano bench run: {error}\n")
        return 1
    progress.close()
    meta["elapsed_s"] = round(time.monotonic() - started, 1)
    _, paths = report.write_all(results, meta, out_dir)
    sys.stdout.write(paths["markdown"].read_text())
    sys.stdout.write("\n" + "\n".join(f"{kind}: {path}" for kind, path in paths.items()) + "\n")
    return 0


def _pick(given: float | None, default: float) -> float:
    return default if given is None else given


def _parse_headers(raw: list[str]) -> list[tuple[str, str]]:
    headers = []
    for item in raw:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"header {item!r} is not 'NAME: VALUE'")
        headers.append((name.strip(), value.strip()))
    return headers


def _read_body(text: str) -> bytes:
    if text.startswith("@"):
        return Path(text[1:]).read_bytes()
    return text.encode()


def load_command(args: argparse.Namespace) -> int:
    """`plano bench load`."""
    import dataclasses

    import orjson

    from plano.bench import procs
    from plano.bench.loadgen import LoadSpec
    from plano.bench.runner import measure

    try:
        headers = _parse_headers(args.header)
        body = _read_body(args.body)
        cpus = frozenset(int(c) for c in args.cpus.split(",")) if args.cpus else None
    except (ValueError, OSError) as error:
        sys.stderr.write(f"plano bench load: {error}\n")
        return 2
    if body and not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("content-type", "application/json"))
    spec = LoadSpec(
        url=args.url,
        method=args.method,
        headers=tuple(headers),
        body=body,
        duration_s=args.duration,
        warmup_s=args.warmup,
        concurrency=args.concurrency,
        rate_per_s=args.rate,
        is_streaming=args.stream,
        max_requests=args.max_requests,
        threads=args.threads,
        timeout_s=args.timeout,
    )
    try:
        target = procs.attach(args.pid) if args.pid else None
    except ValueError as error:
        sys.stderr.write(f"plano bench load: {error}\n")
        return 2
    progress = ProgressLine(sys.stderr)
    try:
        with procs.pinned(cpus):
            stats = measure(spec, target, progress, "load")
    except KeyboardInterrupt:
        progress.close()
        return 130
    except ValueError as error:
        progress.close()
        sys.stderr.write(f"plano bench load: {error}\n")
        return 2
    progress.close()
    if target is not None:
        stats.extra["target_peak_rss_mb"] = target.peak_rss_mb()
    sys.stdout.write(format_load(stats, has_target=target is not None))
    if args.json:
        Path(args.json).write_bytes(
            orjson.dumps(dataclasses.asdict(stats), option=orjson.OPT_INDENT_2)
        )
    return 0 if stats.measured_ok else 1


def format_load(stats: LoadStats, *, has_target: bool) -> str:
    """A short human summary of one load run."""
    lines = [
        f"requests ok {stats.measured_ok:,} in {stats.window_s:.2f} s: "
        f"{stats.requests_per_s:,.0f} req/s (sent {stats.sent:,}, errors {stats.error_count:,}"
        f", unfinished {stats.unfinished:,})",
        f"latency ms  p50 {stats.latency.p50_ms:.3f}  p90 {stats.latency.p90_ms:.3f}  "
        f"p99 {stats.latency.p99_ms:.3f}  max {stats.latency.max_ms:.3f}",
    ]
    if stats.ttft.count:
        lines.append(
            f"TTFT ms     p50 {stats.ttft.p50_ms:.3f}  p90 {stats.ttft.p90_ms:.3f}  "
            f"p99 {stats.ttft.p99_ms:.3f}"
        )
    if stats.inter_chunk.count:
        lines.append(
            f"inter-chunk ms p50 {stats.inter_chunk.p50_ms:.3f}  "
            f"p99 {stats.inter_chunk.p99_ms:.3f}  ({stats.chunks_per_response:.1f} chunks/response)"
        )
    for kind, count in sorted(stats.errors.items()):
        sample = stats.error_samples.get(kind, "")
        lines.append(f"error {kind}: {count:,}  e.g. {sample[:160]!r}")
    if has_target:
        lines.append(
            f"target CPU {stats.extra['target_cpu_us_per_request']:.1f} µs/request, "
            f"peak RSS {stats.extra.get('target_peak_rss_mb', 0):.0f} MiB"
        )
    lines.append(f"load generator CPU {stats.extra['loadgen_cpu_us_per_request']:.1f} µs/request")
    return "\n".join(lines) + "\n"
