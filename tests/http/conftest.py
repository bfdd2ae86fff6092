"""Black-box fixtures: a real `plano mock` process on a free loopback port.

`mock_provider` (session scope) is the shared mock every HTTP test can point an upstream at:
`.base_url`, `.port`, `.requests()` (the debug log, newest last), `.reset()` (clears the log and
the fault counters), `.key_hash(secret)` (the hash the log shows for a credential).
`start_mock(*flags)` starts a private one with other CLI defaults.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.http.gateway import free_port

READY_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0


class MockProvider:
    """Handle on a running `plano mock` process."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
        self.process = process
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = log_path

    def requests(self) -> list[dict[str, Any]]:
        """The recorded requests, oldest first, secrets masked."""
        response = httpx.get(f"{self.base_url}/__mock/requests", timeout=5.0)
        response.raise_for_status()
        entries: list[dict[str, Any]] = response.json()
        return entries

    def last_request(self) -> dict[str, Any]:
        entries = self.requests()
        assert entries, "the mock recorded no request"
        return entries[-1]

    def reset(self) -> None:
        """Forget recorded requests and fault counters."""
        httpx.delete(f"{self.base_url}/__mock/requests", timeout=5.0).raise_for_status()
        httpx.delete(f"{self.base_url}/__mock/faults", timeout=5.0).raise_for_status()

    @staticmethod
    def key_hash(secret: str) -> str:
        """What `.requests()` shows under `secrets` for a credential (without `Bearer `)."""
        return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:16]

    def stop(self) -> int:
        """SIGTERM the process and return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_S)
        return self.process.returncode


def child_env() -> dict[str, str]:
    """The test's environment minus debugging knobs that would slow the server down."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONTRACEMALLOC", "PYTHONDEVMODE"}}
    return {**env, "PYTHONUNBUFFERED": "1"}


def launch_mock(*flags: str, log_dir: Path) -> MockProvider:
    """Start `plano mock` with `flags` and wait until `/healthz` answers."""
    port = free_port()
    log_path = log_dir / f"plano-mock-{port}.log"
    # `python -m plano.mock` is `plano mock` without importing the other subcommands, so a stale
    # native build elsewhere cannot stop the mock (test_mock_cli covers the registration).
    command = [sys.executable, "-m", "plano.mock", "--port", str(port), *flags]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=child_env(),
        )
    provider = MockProvider(process, port, log_path)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"plano mock exited early: {log_path.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{provider.base_url}/healthz", timeout=1.0).status_code == 200:
                return provider
        time.sleep(0.05)
    provider.stop()
    raise RuntimeError(f"plano mock not ready after {READY_TIMEOUT_S}s: {log_path.read_text()}")


@pytest.fixture(scope="session")
def mock_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProvider]:
    """One shared `plano mock` (1 worker, defaults) for the whole test session."""
    provider = launch_mock("--record-limit", "1000", log_dir=tmp_path_factory.mktemp("mock"))
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def start_mock(tmp_path: Path) -> Iterator[Any]:
    """Factory for private mocks with other CLI flags; all are stopped after the test."""
    started: list[MockProvider] = []

    def start(*flags: str) -> MockProvider:
        provider = launch_mock(*flags, log_dir=tmp_path)
        started.append(provider)
        return provider

    yield start
    for provider in started:
        provider.stop()
