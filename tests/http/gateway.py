"""A real `plano run` process for black-box tests: start it on a config, wait for health, stop."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Gateway:
    """Handle on a running `plano run`."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = log

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def wait_healthy(
    port: int, process: subprocess.Popen[bytes] | None = None, timeout_s: float = READY_TIMEOUT_S
) -> None:
    """Waits until `/healthz` on `port` answers 200; fails fast if `process` exits first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited early with status {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing healthy on port {port} after {timeout_s} s")


@contextlib.contextmanager
def start_gateway(
    config: dict[str, Any],
    workdir: Path,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
    metrics_port: int = 0,
) -> Iterator[Gateway]:
    """Runs `plano run` on `config` (its model listener gets a free port) until the block ends.

    The metrics endpoint is off unless `metrics_port` is given (9092 is shared by every run).
    """
    port = free_port()
    for listener in config["listeners"]:
        if listener.get("type") == "model":
            listener["port"] = port
    path = workdir / "plano_config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    log = workdir / f"plano-run-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "plano",
                "run",
                "--config",
                str(path),
                "--workers",
                str(workers),
                "--metrics-port",
                str(metrics_port),
                *extra_args,
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    gateway = Gateway(process, port, log)
    try:
        try:
            wait_healthy(port, process)
        except RuntimeError as error:
            raise RuntimeError(f"plano run not healthy: {error}\n{gateway.log_text()}") from None
        yield gateway
    finally:
        gateway.stop()
