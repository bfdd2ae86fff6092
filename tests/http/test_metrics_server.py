"""The metrics server as a black box: separate recording processes, one real server process.

Two Python processes record through `plano.observability.metrics` into one multiprocess
directory, as two gateway workers would; `/metrics` must show their sum, with the right labels.
"""

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

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from plano.config.model import MetricsListener
from plano.observability.metrics_process import (
    metrics_server_command,
    prepare_multiprocess_dir,
    remove_multiprocess_dir,
)

RECORDER = """
import sys
from plano.observability.metrics import UsageCounts, get_metrics

m = get_metrics()
m.request_finished(m.request_started("llm", "llm_chat", "POST"), 200)
m.request_finished(m.request_started("llm", "llm_chat", "POST"), 502)
m.upstream_finished(
    provider="openai", model="gpt-4o", status=200, error_class="none", duration_s=1.5,
    ttft_s=0.25, usage=UsageCounts(input_tokens=100, output_tokens=int(sys.argv[1])),
)
m.upstream_finished(
    provider="anthropic", model="claude-sonnet-4", status=None, error_class="timeout",
    duration_s=30.0, ttft_s=None, usage=None,
)
m.retry(provider="anthropic", model="claude-sonnet-4", reason="timeout")
m.failover(from_model="anthropic/claude-sonnet-4", to_model="openai/gpt-4o")
m.rate_limited(model="openai/gpt-4o")
m.request_started("llm", "llm_chat", "POST")  # still in flight while this process lives
m.flush()
print("recorded", flush=True)
sys.stdin.readline()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def get(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found[(name, frozenset(labels.items()))]


class Recorder:
    def __init__(self, directory: Path, output_tokens: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", RECORDER, str(output_tokens)],
            env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == b"recorded\n"

    def finish(self) -> None:
        self.process.communicate(b"\n", timeout=10)
        assert self.process.returncode == 0


@pytest.fixture
def metrics_dir(tmp_path: Path) -> Iterator[Path]:
    directory = prepare_multiprocess_dir(tmp_path)
    yield directory
    remove_multiprocess_dir(directory)


@contextlib.contextmanager
def metrics_server(directory: Path, tmp_path: Path, port: int) -> Iterator[str]:
    command = metrics_server_command(
        MetricsListener("127.0.0.1", port),
        directory,
        tmp_path,
        log_level="info",
        log_format="text",
    )
    log = tmp_path / "metrics-server.log"
    with log.open("wb") as sink:
        process = command.start(stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not command.is_ready():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "metrics server did not report ready"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0, log.read_text()


def test_metrics_sums_every_process_with_their_labels(metrics_dir: Path, tmp_path: Path) -> None:
    first = Recorder(metrics_dir, output_tokens=11)
    second = Recorder(metrics_dir, output_tokens=21)
    try:
        with metrics_server(metrics_dir, tmp_path, free_port()) as base:
            assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
            response = httpx.get(f"{base}/metrics")
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/plain")
            found = samples(response.text)

            http = {"listener": "llm", "handler": "llm_chat", "method": "POST"}
            assert get(found, "plano_http_requests_total", status_class="2xx", **http) == 2
            assert get(found, "plano_http_requests_total", status_class="5xx", **http) == 2
            timed = {"listener": "llm", "handler": "llm_chat"}
            assert get(found, "plano_http_request_duration_seconds_count", **timed) == 4
            assert get(found, "plano_http_in_flight_requests", listener="llm") == 2

            gpt = {"provider": "openai", "model": "gpt-4o"}
            assert (
                get(
                    found,
                    "plano_llm_upstream_requests_total",
                    status_class="2xx",
                    error_class="none",
                    **gpt,
                )
                == 2
            )
            assert get(found, "plano_llm_tokens_total", kind="output", **gpt) == 32
            assert get(found, "plano_llm_tokens_total", kind="input", **gpt) == 200
            assert get(found, "plano_llm_upstream_duration_seconds_sum", **gpt) == 3.0
            assert get(found, "plano_llm_upstream_duration_seconds_bucket", le="2.5", **gpt) == 2
            assert get(found, "plano_llm_time_to_first_token_seconds_count", **gpt) == 2
            assert get(found, "plano_llm_time_per_output_token_seconds_count", **gpt) == 2

            claude = {"provider": "anthropic", "model": "claude-sonnet-4"}
            assert (
                get(
                    found,
                    "plano_llm_upstream_requests_total",
                    status_class="other",
                    error_class="timeout",
                    **claude,
                )
                == 2
            )
            assert get(found, "plano_llm_retries_total", reason="timeout", **claude) == 2
            assert (
                get(
                    found,
                    "plano_llm_failovers_total",
                    from_model="anthropic/claude-sonnet-4",
                    to_model="openai/gpt-4o",
                )
                == 2
            )
            assert get(found, "plano_ratelimited_requests_total", model="openai/gpt-4o") == 2
            assert get(found, "plano_build_info", version=_version()) == 1
            assert not any(name == "pid" for _, labels in found for name, _ in labels)

            # A worker that exits takes its in-flight requests with it; its counts stay.
            first.finish()
            found = samples(httpx.get(f"{base}/metrics").text)
            assert get(found, "plano_http_in_flight_requests", listener="llm") == 1
            assert get(found, "plano_http_requests_total", status_class="2xx", **http) == 2
    finally:
        for recorder in (first, second):
            if recorder.process.poll() is None:
                recorder.finish()


def test_metrics_speaks_openmetrics_when_asked(metrics_dir: Path, tmp_path: Path) -> None:
    Recorder(metrics_dir, output_tokens=5).finish()
    with metrics_server(metrics_dir, tmp_path, free_port()) as base:
        response = httpx.get(
            f"{base}/metrics", headers={"accept": "application/openmetrics-text; version=1.0.0"}
        )
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")
    assert "plano_llm_tokens_total" in response.text


def test_taken_metrics_port_is_one_clear_error(metrics_dir: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = metrics_server_command(
            MetricsListener("127.0.0.1", port),
            metrics_dir,
            tmp_path,
            log_level="info",
            log_format="text",
        )
        result = subprocess.run(
            command.argv, env=dict(command.env), capture_output=True, timeout=30
        )
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert f"metrics endpoint (metrics.port, --metrics-port) cannot bind 127.0.0.1:{port}" in stderr
    assert "address already in use" in stderr
    assert "panicked" not in stderr


def _version() -> str:
    from plano import __version__

    return __version__


def test_server_without_a_metrics_directory_refuses_to_start(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "missing")}
    result = subprocess.run(
        [sys.executable, "-m", "plano.observability.metrics_server", f"--port={free_port()}"],
        env=env,
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "PROMETHEUS_MULTIPROC_DIR must name the workers' metrics directory" in (
        result.stderr.decode()
    )
