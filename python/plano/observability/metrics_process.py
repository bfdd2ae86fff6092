"""Metrics across processes: what `plano run`'s supervisor calls to aggregate every worker.

Granian's `--workers N` are processes with no shared Python state, so `prometheus_client` runs in
multiprocess mode: each worker writes its values into memory-mapped files under
`PROMETHEUS_MULTIPROC_DIR`, and the metrics server sums all files on each scrape. The supervisor:

1. creates a fresh directory (`prepare_multiprocess_dir`) and puts `multiprocess_env(dir)` into
   every child's environment, so each child imports `prometheus_client` already in that mode;
2. includes `metrics_endpoint(...)` in its port check, and starts the metrics server with
   `metrics_server_command(...).start()`, waiting for `MetricsServerCommand.is_ready()`;
3. removes the directory on exit (`remove_multiprocess_dir`).

Counters and histograms of a worker that died stay in its files and keep counting in the sums
(a worker restart must not make counters go backwards). The in-flight gauge is `livesum`: the
metrics server deletes the live-gauge files of processes that no longer exist before each scrape
(`reap_dead_processes`), since Granian restarts workers without telling the supervisor.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plano.config.model import MetricsListener

logger = logging.getLogger(__name__)

ENV_MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
ENV_READY_FILE = "PLANO_METRICS_READY_FILE"
METRICS_SERVER_MODULE = "plano.observability.metrics_server"

_LIVE_GAUGE_FILE = re.compile(r"^gauge_live[a-z]+_(?P<pid>\d+)\.db$")


def prepare_multiprocess_dir(parent: Path | None = None) -> Path:
    """A new, empty, private (0700) directory for this run's metric files."""
    return Path(tempfile.mkdtemp(prefix="plano-metrics-", dir=parent))


def remove_multiprocess_dir(directory: Path) -> None:
    """Deletes the directory and every metric file in it; a missing directory is fine."""
    shutil.rmtree(directory, ignore_errors=True)


def multiprocess_env(directory: Path) -> dict[str, str]:
    """The variables every child (listener and metrics server) needs, before it starts."""
    return {ENV_MULTIPROC_DIR: str(directory)}


def resolve_metrics_listener(
    configured: MetricsListener, port_override: int | None
) -> MetricsListener | None:
    """Where the metrics endpoint listens: `--metrics-port` wins over `metrics.port`.

    `port_override` None keeps the config's port; 0 turns the endpoint off (returns None); any
    other value replaces the port and keeps the configured address.
    """
    if port_override is None:
        return configured
    if port_override == 0:
        return None
    return MetricsListener(address=configured.address, port=port_override)


@dataclass(frozen=True, slots=True)
class MetricsEndpoint:
    """The metrics port as a pseudo-listener, for the supervisor's all-ports-at-once bind check.

    It has the `name`, `type`, `address` and `port` the check reads, so a conflict is reported
    as "listener 'metrics' (metrics endpoint) cannot bind 0.0.0.0:9092: ...".
    """

    address: str
    port: int
    name: str = "metrics"
    type: str = "metrics endpoint"


def metrics_endpoint(listener: MetricsListener) -> MetricsEndpoint:
    """The pseudo-listener to check alongside the real listeners."""
    return MetricsEndpoint(address=listener.address, port=listener.port)


@dataclass(frozen=True, slots=True)
class MetricsServerCommand:
    """How to start the metrics server process and how to tell that it is serving."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    ready_file: Path

    def is_ready(self) -> bool:
        """True once the server's worker is up and answering on its port."""
        return self.ready_file.exists()

    def start(self, **popen_options: Any) -> subprocess.Popen[bytes]:
        """Starts the server in a session of its own (a terminal's Ctrl-C reaches only the
        supervisor, as for the listeners); SIGTERM stops it within its grace period."""
        return subprocess.Popen(  # noqa: S603 (argv is this interpreter and plano's own module)
            self.argv, env=dict(self.env), start_new_session=True, **popen_options
        )


def metrics_server_command(
    listener: MetricsListener,
    multiprocess_dir: Path,
    ready_dir: Path,
    *,
    log_level: str,
    log_format: str,
    grace_period_s: float = 5.0,
    base_env: Mapping[str, str] | None = None,
) -> MetricsServerCommand:
    """The command line and environment of `python -m plano.observability.metrics_server`.

    `start()` runs it; SIGTERM stops it. It reports ready by creating `ready_file` (inside
    `ready_dir`) once its worker serves.
    """
    ready_file = ready_dir / "plano-metrics-server.ready"
    env = dict(os.environ if base_env is None else base_env)
    env.update(multiprocess_env(multiprocess_dir))
    env[ENV_READY_FILE] = str(ready_file)
    argv = (
        sys.executable,
        "-m",
        METRICS_SERVER_MODULE,
        f"--address={listener.address}",
        f"--port={listener.port}",
        f"--log-level={log_level}",
        f"--log-format={log_format}",
        f"--grace-period={grace_period_s}",
    )
    return MetricsServerCommand(argv=argv, env=env, ready_file=ready_file)


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    # A dead worker its parent has not reaped yet is a zombie: it counts as dead.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2 :].split(" ", 1)[0] != "Z"
    return True


def reap_dead_processes(directory: Path) -> list[int]:
    """Deletes the live-gauge files of processes that no longer exist; returns their pids."""
    from prometheus_client.multiprocess import mark_process_dead

    dead: list[int] = []
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return dead
    for name in names:
        match = _LIVE_GAUGE_FILE.match(name)
        if match is None:
            continue
        pid = int(match["pid"])
        if pid not in dead and not _is_alive(pid):
            mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]
            dead.append(pid)
    if dead:
        logger.debug("dropped the live gauges of exited processes %s", dead)
    return dead
