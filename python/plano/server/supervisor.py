"""`plano run`: checks every port, starts the gateway's processes, reports readiness, and shuts
everything down gracefully on SIGTERM/SIGINT.

Children: one Granian server process per listener (each with N workers), plus — when needed — the
shared rate limiter (`plano.ratelimit`) and the Prometheus metrics server. All start in sessions
of their own, so a terminal's Ctrl-C reaches only the supervisor, which then stops them in order:
listeners first (they finish in-flight requests and streams within the grace period, still able
to reach the limiter and record metrics), then the helpers. Anything alive after the grace period
plus a small margin is killed. A child that dies on its own takes the whole gateway down with
exit status 1: a half-running gateway is worse than none.
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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Protocol

from plano.config import Config
from plano.observability.logs import LogFormat
from plano.observability.metrics_process import (
    metrics_endpoint,
    metrics_server_command,
    multiprocess_env,
    prepare_multiprocess_dir,
    remove_multiprocess_dir,
    resolve_metrics_listener,
)
from plano.server.app import (
    ENV_CONFIG_FILE,
    ENV_LISTENER,
    ENV_LOG_FORMAT,
    ENV_LOG_LEVEL,
    ENV_RATELIMIT_SOCKET,
    ENV_READY_DIR,
    ENV_ZERO_CONFIG_PORT,
)

logger = logging.getLogger(__name__)

READY_TIMEOUT_S = 30.0
KILL_MARGIN_S = 5.0
LIMITER_SOCKET = "ratelimit.sock"


@dataclass(frozen=True, slots=True)
class RunOptions:
    config_path: Path | None  # None: zero-config, rebuilt from the environment in each worker
    workers: int
    log_level: str
    log_format: LogFormat
    grace_period_s: float
    zero_config_port: int = 12000
    metrics_port: int | None = None  # None: the config's; 0: no metrics endpoint


class PortUnavailable(Exception):
    """A listener's address and port cannot be bound."""


class Bindable(Protocol):
    """What the port check needs of a listener (or of the metrics pseudo-listener)."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def port(self) -> int: ...


@contextlib.contextmanager
def _held_ports(listeners: Sequence[Bindable]) -> Iterator[None]:
    """Binds and listens on every port at once, so two listeners on one port are caught too.

    (`listen()` matters: Linux lets two bound-but-not-listening SO_REUSEADDR sockets share a port.)
    """
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
                sock.listen()
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


def check_ports(listeners: Sequence[Bindable]) -> None:
    """Raises `PortUnavailable` naming the first listener whose port is taken."""
    with _held_ports(listeners):
        pass


@dataclass(slots=True)
class Child:
    """One process the supervisor owns."""

    name: str
    process: subprocess.Popen[bytes]
    is_ready: Callable[[], bool]
    is_listener: bool


def _start(argv: Sequence[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 (argv is this interpreter and plano's own modules)
        list(argv), env=dict(env), start_new_session=True
    )


class Supervisor:
    """Owns the processes of one `plano run`."""

    def __init__(
        self,
        config: Config,
        options: RunOptions,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self.options = options
        self.on_ready = on_ready
        self.children: list[Child] = []
        self.stop_requested = threading.Event()
        self.metrics = resolve_metrics_listener(config.metrics, options.metrics_port)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        del frame
        logger.info("received %s: shutting down", signal.Signals(signum).name)
        self.stop_requested.set()

    def run(self) -> int:
        listeners = self.config.listeners
        if not listeners:
            logger.error("the config has no listeners: nothing to serve")
            return 1
        bindable: list[Bindable] = list(listeners)
        if self.metrics is not None:
            bindable.append(metrics_endpoint(self.metrics))
        try:
            check_ports(bindable)
        except PortUnavailable as error:
            logger.error("%s", error)
            return 1
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        metrics_dir = prepare_multiprocess_dir()
        try:
            with tempfile.TemporaryDirectory(prefix="plano-run-") as run_dir:
                return self._serve(Path(run_dir), metrics_dir)
        finally:
            remove_multiprocess_dir(metrics_dir)
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _base_env(self, run_dir: Path, metrics_dir: Path) -> dict[str, str]:
        env = dict(os.environ)
        env.pop(ENV_CONFIG_FILE, None)
        if self.options.config_path is not None:
            env[ENV_CONFIG_FILE] = str(self.options.config_path.resolve())
        env.update(multiprocess_env(metrics_dir))
        env[ENV_READY_DIR] = str(run_dir)
        env[ENV_LOG_LEVEL] = self.options.log_level
        env[ENV_LOG_FORMAT] = self.options.log_format
        env[ENV_ZERO_CONFIG_PORT] = str(self.options.zero_config_port)
        if self._shares_limits():
            env[ENV_RATELIMIT_SOCKET] = str(run_dir / LIMITER_SOCKET)
        return env

    def _shares_limits(self) -> bool:
        """Several workers need one limiter process; a single worker keeps its own buckets."""
        return bool(self.config.ratelimits) and self.options.workers > 1

    def _spawn_all(self, run_dir: Path, metrics_dir: Path) -> None:
        env = self._base_env(run_dir, metrics_dir)
        if self._shares_limits():
            socket_path = run_dir / LIMITER_SOCKET
            argv = [sys.executable, "-m", "plano.ratelimit", f"--socket={socket_path}"]
            self.children.append(
                Child("rate limiter", _start(argv, env), socket_path.exists, False)
            )
        if self.metrics is not None:
            command = metrics_server_command(
                self.metrics,
                metrics_dir,
                run_dir,
                log_level=self.options.log_level,
                log_format=self.options.log_format,
                base_env=env,
            )
            self.children.append(Child("metrics", command.start(), command.is_ready, False))
        for listener in self.config.listeners:
            argv = [
                sys.executable,
                "-m",
                "plano.server.listener",
                f"--address={listener.address}",
                f"--port={listener.port}",
                f"--workers={self.options.workers}",
                f"--grace-period={self.options.grace_period_s}",
                f"--log-level={self.options.log_level}",
                f"--log-format={self.options.log_format}",
            ]
            ready = _workers_ready(run_dir, listener.name, self.options.workers)
            process = _start(argv, {**env, ENV_LISTENER: listener.name})
            self.children.append(Child(f"listener {listener.name!r}", process, ready, True))

    def _dead_child(self) -> Child | None:
        return next((c for c in self.children if c.process.poll() is not None), None)

    def _wait_ready(self) -> bool:
        """Waits until every child is ready.

        A shutdown request does not cut this wait short: a Granian worker still starting would
        swallow a forwarded SIGTERM (see `app.report_ready`), so signals wait until all are ready.
        """
        pending = list(self.children)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while pending and time.monotonic() < deadline:
            dead = self._dead_child()
            if dead is not None:
                logger.error(
                    "%s exited during start-up with status %s", dead.name, dead.process.returncode
                )
                return False
            pending = [child for child in pending if not child.is_ready()]
            if pending:
                time.sleep(0.02)
        if pending:
            names = ", ".join(child.name for child in pending)
            logger.error("%s did not start within %.0f s", names, READY_TIMEOUT_S)
            return False
        return True

    def _stop(self, children: Sequence[Child]) -> bool:
        """Stops children gracefully; True when all of them exited cleanly in time."""
        for child in children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.options.grace_period_s + KILL_MARGIN_S
        clean = True
        for child in children:
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.error("%s ignored SIGTERM; killing it", child.name)
                child.process.kill()
                child.process.wait()
                clean = False
        return clean

    def _stop_all(self) -> bool:
        listeners_clean = self._stop([c for c in self.children if c.is_listener])
        helpers_clean = self._stop([c for c in self.children if not c.is_listener])
        return listeners_clean and helpers_clean

    def _serve(self, run_dir: Path, metrics_dir: Path) -> int:
        try:
            self._spawn_all(run_dir, metrics_dir)
            if not self._wait_ready():
                self._stop_all()
                return 1
            if not self.stop_requested.is_set():
                self._announce()
            while not self.stop_requested.wait(0.2):
                dead = self._dead_child()
                if dead is not None:
                    logger.error(
                        "%s exited unexpectedly with status %s; stopping the gateway",
                        dead.name,
                        dead.process.returncode,
                    )
                    self._stop_all()
                    return 1
            return 0 if self._stop_all() else 1
        except BaseException:
            self._stop_all()
            raise

    def _announce(self) -> None:
        workers = self.options.workers
        for listener in self.config.listeners:
            logger.info(
                "%s listener %r ready on http://%s:%d (%d worker%s)",
                listener.type,
                listener.name,
                listener.address,
                listener.port,
                workers,
                "" if workers == 1 else "s",
            )
        if self.metrics is not None:
            logger.info("metrics on http://%s:%d/metrics", self.metrics.address, self.metrics.port)
        if self.on_ready is not None:
            self.on_ready()


def _workers_ready(run_dir: Path, listener_name: str, workers: int) -> Callable[[], bool]:
    pattern = f"{glob.escape(listener_name)}.*"

    def is_ready() -> bool:
        return sum(1 for _ in run_dir.glob(pattern)) >= workers

    return is_ready


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
