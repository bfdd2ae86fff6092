"""`plano run`: checks every listener's port, starts one Granian server process per listener,
reports readiness, and shuts everything down gracefully on SIGTERM/SIGINT.

Shutdown: the supervisor forwards SIGTERM to each listener process; Granian stops its workers,
which stop accepting and finish in-flight requests and streams within the grace period; anything
still alive after that (plus a small margin) is killed. A listener process that dies on its own
takes the whole gateway down with exit status 1: a half-running gateway is worse than none.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from plano.config import Config
from plano.config.model import Listener
from plano.observability.logs import LogFormat
from plano.server.app import (
    ENV_CONFIG_FILE,
    ENV_LISTENER,
    ENV_LOG_FORMAT,
    ENV_LOG_LEVEL,
    ENV_READY_DIR,
    ENV_ZERO_CONFIG_PORT,
)

logger = logging.getLogger(__name__)

READY_TIMEOUT_S = 30.0
KILL_MARGIN_S = 5.0


@dataclass(frozen=True, slots=True)
class RunOptions:
    config_path: Path | None  # None: zero-config, rebuilt from the environment in each worker
    workers: int
    log_level: str
    log_format: LogFormat
    grace_period_s: float
    zero_config_port: int = 12000


class PortUnavailable(Exception):
    """A listener's address and port cannot be bound."""


@dataclass(slots=True)
class ListenerProcess:
    listener: Listener
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def _held_ports(listeners: tuple[Listener, ...]) -> Iterator[None]:
    """Binds every listener's port at once (so two listeners on one port are caught too)."""
    held: list[socket.socket] = []
    try:
        for listener in listeners:
            try:
                infos = socket.getaddrinfo(listener.address, listener.port, type=socket.SOCK_STREAM)
            except socket.gaierror as error:
                raise PortUnavailable(
                    f"listener {listener.name!r} ({listener.type}): cannot resolve address "
                    f"{listener.address!r}: {error}"
                ) from None
            family, kind, proto, _, sockaddr = infos[0]
            sock = socket.socket(family, kind, proto)
            held.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(sockaddr)
            except OSError as error:
                reason = "address already in use" if error.errno == errno.EADDRINUSE else str(error)
                raise PortUnavailable(
                    f"listener {listener.name!r} ({listener.type}) cannot bind "
                    f"{listener.address}:{listener.port}: {reason}"
                ) from None
        yield
    finally:
        for sock in held:
            sock.close()


def check_ports(listeners: tuple[Listener, ...]) -> None:
    """Raises `PortUnavailable` naming the first listener whose port is taken."""
    with _held_ports(listeners):
        pass


def _child_env(options: RunOptions, listener: Listener, ready_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env[ENV_READY_DIR] = str(ready_dir)
    env.pop(ENV_CONFIG_FILE, None)
    if options.config_path is not None:
        env[ENV_CONFIG_FILE] = str(options.config_path.resolve())
    env[ENV_ZERO_CONFIG_PORT] = str(options.zero_config_port)
    env[ENV_LISTENER] = listener.name
    env[ENV_LOG_LEVEL] = options.log_level
    env[ENV_LOG_FORMAT] = options.log_format
    return env


def _spawn(options: RunOptions, listener: Listener, ready_dir: Path) -> ListenerProcess:
    command = [
        sys.executable,
        "-m",
        "plano.server.listener",
        f"--address={listener.address}",
        f"--port={listener.port}",
        f"--workers={options.workers}",
        f"--grace-period={options.grace_period_s}",
        f"--log-level={options.log_level}",
        f"--log-format={options.log_format}",
    ]
    # A session of its own: a terminal's Ctrl-C reaches only the supervisor, which then stops
    # the listeners in order instead of every process racing on the same signal.
    process = subprocess.Popen(  # noqa: S603 (argv is this interpreter and plano's own module)
        command, env=_child_env(options, listener, ready_dir), start_new_session=True
    )
    return ListenerProcess(listener, process)


class Supervisor:
    """Owns the listener processes of one `plano run`."""

    def __init__(
        self,
        config: Config,
        options: RunOptions,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self.options = options
        self.on_ready = on_ready
        self.children: list[ListenerProcess] = []
        self.stop_requested = threading.Event()
        self.ready_dir = Path()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        del frame
        logger.info("received %s: shutting down", signal.Signals(signum).name)
        self.stop_requested.set()

    def _dead_child(self) -> ListenerProcess | None:
        return next((c for c in self.children if c.process.poll() is not None), None)

    def _ready_workers(self, listener: Listener) -> int:
        return sum(1 for _ in self.ready_dir.glob(f"{glob.escape(listener.name)}.*"))

    def _wait_ready(self) -> bool:
        """Waits until every worker of every listener reported ready.

        A shutdown request does not cut this wait short: a worker still starting would swallow a
        forwarded SIGTERM (see `app.report_ready`), so signals are held until all are ready.
        """
        pending = list(self.children)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while pending and time.monotonic() < deadline:
            dead = self._dead_child()
            if dead is not None:
                logger.error(
                    "listener %r exited during start-up with status %s",
                    dead.listener.name,
                    dead.process.returncode,
                )
                return False
            pending = [c for c in pending if self._ready_workers(c.listener) < self.options.workers]
            if pending:
                time.sleep(0.05)
        if pending:
            names = ", ".join(repr(c.listener.name) for c in pending)
            logger.error("listeners %s did not start within %.0f s", names, READY_TIMEOUT_S)
            return False
        return True

    def _stop_children(self) -> bool:
        """Stops every child gracefully; True when all of them exited cleanly in time."""
        for child in self.children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.options.grace_period_s + KILL_MARGIN_S
        clean = True
        for child in self.children:
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.error("listener %r ignored SIGTERM; killing it", child.listener.name)
                child.process.kill()
                child.process.wait()
                clean = False
        return clean

    def run(self) -> int:
        listeners = self.config.listeners
        if not listeners:
            logger.error("the config has no listeners: nothing to serve")
            return 1
        try:
            check_ports(listeners)
        except PortUnavailable as error:
            logger.error("%s", error)
            return 1
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        with tempfile.TemporaryDirectory(prefix="plano-ready-") as ready_dir:
            self.ready_dir = Path(ready_dir)
            try:
                return self._serve(listeners)
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    def _serve(self, listeners: tuple[Listener, ...]) -> int:
        self.children = [_spawn(self.options, item, self.ready_dir) for item in listeners]
        if not self._wait_ready():
            self._stop_children()
            return 1
        if not self.stop_requested.is_set():
            for child in self.children:
                listener = child.listener
                logger.info(
                    "%s listener %r ready on http://%s:%d (%d worker%s)",
                    listener.type,
                    listener.name,
                    listener.address,
                    listener.port,
                    self.options.workers,
                    "" if self.options.workers == 1 else "s",
                )
            if self.on_ready is not None:
                self.on_ready()
        while not self.stop_requested.wait(0.2):
            dead = self._dead_child()
            if dead is not None:
                logger.error(
                    "listener %r exited unexpectedly with status %s; stopping the gateway",
                    dead.listener.name,
                    dead.process.returncode,
                )
                self._stop_children()
                return 1
        return 0 if self._stop_children() else 1


def find_config_file(explicit: str | None, env: Mapping[str, str], cwd: Path) -> Path | None:
    """`--config`, else `$PLANO_CONFIG`, else `./plano_config.yaml`, else `./config.yaml`."""
    if explicit:
        return Path(explicit)
    from_env = env.get("PLANO_CONFIG")
    if from_env:
        return Path(from_env)
    for name in ("plano_config.yaml", "config.yaml"):
        candidate = cwd / name
        if candidate.is_file():
            return candidate
    return None
