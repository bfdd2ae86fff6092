"""Processes under test: start them pinned to CPUs, wait until they listen, measure them.

Pinning works by inheritance: a child starts with the CPU mask of the thread that spawned it,
so `start` spawns inside `pinned(cpus)`, and the native load generator's threads, spawned from
the calling thread, inherit the mask `pinned` sets around a run. Measurements cover the whole
process tree (`plano run` is a supervisor over one server process per listener, each with
its workers): CPU seconds (user + system) and peak RSS (the kernel's `VmHWM` high-water mark).
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

logger = logging.getLogger(__name__)

STOP_TIMEOUT_S = 10.0
LOG_TAIL_BYTES = 2000


class ProcessFailed(RuntimeError):
    """A process under test exited early or never started listening."""


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def usable_cpus() -> list[int]:
    """The CPUs this process may run on, in order."""
    return sorted(os.sched_getaffinity(0))


@dataclass(frozen=True, slots=True)
class CpuPlan:
    """Which CPUs the gateway gets and which the mock and the load generator share."""

    gateway: frozenset[int]
    load: frozenset[int]

    @property
    def is_isolated(self) -> bool:
        """Whether the gateway has CPUs of its own."""
        return not self.gateway & self.load


def plan_cpus(workers: int, cpus: Sequence[int] | None = None) -> CpuPlan:
    """One gateway worker gets the first CPU, the rest run the mock and the load (as in the
    peer measurements); several workers get every CPU; a single CPU is shared by all."""
    available = list(cpus) if cpus is not None else usable_cpus()
    if len(available) < 2:
        return CpuPlan(frozenset(available), frozenset(available))
    load = frozenset(available[1:])
    gateway = frozenset(available[:1]) if workers <= 1 else frozenset(available)
    return CpuPlan(gateway, load)


@contextlib.contextmanager
def pinned(cpus: frozenset[int] | None) -> Iterator[None]:
    """Run the block with the calling thread pinned to `cpus` (None: leave as is)."""
    if not cpus:
        yield
        return
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, previous)


def _tail(path: Path) -> str:
    try:
        with path.open("rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - LOG_TAIL_BYTES))
            return log.read().decode(errors="replace").strip()
    except OSError:
        return ""


def _is_listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _answers_http(port: int) -> bool:
    """Whether a worker answers (any status): a bound port alone may only reach a backlog."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2.0)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


class ProcessTree:
    """A process and its descendants, measured as one."""

    def __init__(self, pid: int) -> None:
        self._root = psutil.Process(pid)

    def _tree(self) -> list[psutil.Process]:
        try:
            return [self._root, *self._root.children(recursive=True)]
        except psutil.Error:
            return []

    def cpu_s(self) -> float:
        """CPU seconds (user + system) used so far by every live process of the tree."""
        total = 0.0
        for process in self._tree():
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def peak_rss_mb(self) -> float:
        """Sum over the tree of each process's peak resident set size, in MiB."""
        total_kb = 0
        for process in self._tree():
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{process.pid}/status").read_text()
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        total_kb += int(line.split()[1])
        return total_kb / 1024


class Managed(ProcessTree):
    """A process tree the bench started (and stops)."""

    def __init__(self, name: str, popen: subprocess.Popen[bytes], log_path: Path) -> None:
        super().__init__(popen.pid)
        self.name = name
        self.popen = popen
        self.log_path = log_path

    def log_tail(self) -> str:
        """The end of the process's combined stdout/stderr."""
        return _tail(self.log_path)

    def wait_listening(self, port: int, timeout_s: float, *, is_http: bool = False) -> None:
        """Block until something accepts on 127.0.0.1:`port` (and answers HTTP, if `is_http`);
        raise if the process dies first."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise ProcessFailed(
                    f"{self.name} exited with {self.popen.returncode}: {self.log_tail()}"
                )
            if _is_listening(port) and (not is_http or _answers_http(port)):
                return
            time.sleep(0.05)
        raise ProcessFailed(f"{self.name} not listening on {port} after {timeout_s:.0f} s")

    def stop(self) -> None:
        """SIGTERM the tree's root (it stops its children), SIGKILL after a grace period."""
        if self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            logger.warning("%s ignored SIGTERM; killing its process tree", self.name)
            for process in reversed(self._tree()):
                with contextlib.suppress(psutil.Error):
                    process.kill()
            self.popen.wait(timeout=STOP_TIMEOUT_S)


def attach(pid: int) -> ProcessTree:
    """Measure a process tree someone else started (raises ValueError if there is none)."""
    try:
        return ProcessTree(pid)
    except psutil.Error as error:
        raise ValueError(f"no process {pid}: {error}") from None


def start(
    name: str,
    argv: Sequence[str],
    *,
    cpus: frozenset[int] | None,
    log_path: Path,
    env: Mapping[str, str] | None = None,
) -> Managed:
    """Spawn `argv` pinned to `cpus`, its output going to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    child_env = dict(os.environ if env is None else env)
    with log_path.open("wb") as log, pinned(cpus):
        popen = subprocess.Popen(  # noqa: S603 - argv is built by the bench, not from input
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=child_env,
        )
    logger.debug("started %s (pid %d) on cpus %s: %s", name, popen.pid, cpus, " ".join(argv))
    return Managed(name, popen, log_path)


@contextlib.contextmanager
def running(
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    cpus: frozenset[int] | None,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    ready_timeout_s: float = 30.0,
    is_http: bool = True,
) -> Iterator[Managed]:
    """`start` + `wait_listening`, stopped on exit whatever happens."""
    managed = start(name, argv, cpus=cpus, log_path=log_path, env=env)
    try:
        managed.wait_listening(port, ready_timeout_s, is_http=is_http)
        yield managed
    finally:
        managed.stop()
