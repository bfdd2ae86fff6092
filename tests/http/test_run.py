"""`plano run` as a black box: real processes, real sockets, the listeners of a real config."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.http.gateway import Gateway, free_port, wait_healthy


def start_gateway(args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> Gateway:
    """`plano run ARGS` in `tmp_path` (its own launcher: these tests pass raw arguments)."""
    log = tmp_path / f"gateway-{time.monotonic_ns()}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "plano", "run", "--metrics-port", "0", *args],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env={**os.environ, **(env or {})},
        )
    return Gateway(process, 0, log)


def write_config(tmp_path: Path, model: int, prompt: int, agent: int) -> Path:
    config = tmp_path / "plano_config.yaml"
    config.write_text(
        f"""
version: v0.4.0
agents:
  - id: weather
    url: http://127.0.0.1:1/agent
listeners:
  - name: llm
    type: model
    address: 127.0.0.1
    port: {model}
  - name: prompts
    type: prompt
    address: 127.0.0.1
    port: {prompt}
  - name: agents
    type: agent
    address: 127.0.0.1
    port: {agent}
    agents:
      - id: weather
        description: answers weather questions
model_providers:
  - model: openai/gpt-4o-mini
    base_url: http://127.0.0.1:9
    access_key: $TEST_OPENAI_KEY
    default: true
"""
    )
    return config


@pytest.fixture(scope="module")
def three_listeners(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Gateway, dict[str, int]]]:
    tmp_path = tmp_path_factory.mktemp("run")
    ports = {"model": free_port(), "prompt": free_port(), "agent": free_port()}
    config = write_config(tmp_path, ports["model"], ports["prompt"], ports["agent"])
    gateway = start_gateway(
        ["--config", str(config), "--workers", "2", "--log-format", "json"],
        tmp_path,
        env={"TEST_OPENAI_KEY": "sk-test-secret-value-0123456789"},
    )
    try:
        for port in ports.values():
            wait_healthy(port)
        yield gateway, ports
    finally:
        gateway.stop()


def test_every_listener_answers_healthz(three_listeners: tuple[Gateway, dict[str, int]]) -> None:
    _, ports = three_listeners
    for port in ports.values():
        response = httpx.get(f"http://127.0.0.1:{port}/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


def test_pending_api_paths_answer_501_in_the_callers_dialect(
    three_listeners: tuple[Gateway, dict[str, int]],
) -> None:
    _, ports = three_listeners
    base = f"http://127.0.0.1:{ports['model']}"
    routing = httpx.post(f"{base}/routing/v1/chat/completions", json={"model": "x"})
    assert routing.status_code == 501
    assert routing.json()["error"]["code"] == "not_implemented"
    assert "model listener 'llm'" in routing.json()["error"]["message"]
    anthropic = httpx.post(f"{base}/routing/v1/messages", json={})
    assert anthropic.status_code == 501
    assert anthropic.json()["type"] == "error"
    assert anthropic.json()["error"]["type"] == "api_error"
    agent = httpx.post(f"http://127.0.0.1:{ports['agent']}/v1/chat/completions", json={})
    assert agent.status_code == 501
    assert "agent listener 'agents'" in agent.json()["error"]["message"]


def test_unknown_path_is_404_and_wrong_method_is_405(
    three_listeners: tuple[Gateway, dict[str, int]],
) -> None:
    _, ports = three_listeners
    base = f"http://127.0.0.1:{ports['model']}"
    missing = httpx.get(f"{base}/v2/nothing")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong = httpx.get(f"{base}/v1/chat/completions")
    assert wrong.status_code == 405
    assert "POST" in wrong.json()["error"]["message"]


def test_request_id_is_echoed_and_logged_once_per_request(
    three_listeners: tuple[Gateway, dict[str, int]],
) -> None:
    gateway, ports = three_listeners
    rid = f"test-{time.monotonic_ns()}"
    response = httpx.get(
        f"http://127.0.0.1:{ports['prompt']}/healthz", headers={"x-request-id": rid}
    )
    assert response.headers["x-request-id"] == rid
    deadline = time.monotonic() + 5
    lines: list[dict[str, object]] = []
    while time.monotonic() < deadline and not lines:
        lines = [
            entry
            for entry in map(json.loads, filter(None, gateway.log_text().splitlines()))
            if entry.get("request_id") == rid
        ]
        time.sleep(0.05)
    assert len(lines) == 1
    line = lines[0]
    assert line["listener"] == "prompts"
    assert line["method"] == "GET"
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float | int)


def test_secrets_never_reach_the_log(three_listeners: tuple[Gateway, dict[str, int]]) -> None:
    gateway, ports = three_listeners
    httpx.post(
        f"http://127.0.0.1:{ports['model']}/v1/chat/completions?key=sk-query-secret",
        headers={"authorization": "Bearer sk-header-secret"},
        json={"model": "gpt-4o-mini", "messages": []},
    )
    time.sleep(0.3)
    text = gateway.log_text()
    assert "sk-test-secret-value" not in text
    assert "sk-query-secret" not in text
    assert "sk-header-secret" not in text


def test_taken_port_exits_non_zero_naming_listener_and_port(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        config = write_config(tmp_path, taken, free_port(), free_port())
        gateway = start_gateway(["--config", str(config)], tmp_path, {"TEST_OPENAI_KEY": "k"})
        assert gateway.process.wait(timeout=20) == 1
    text = gateway.log_text()
    assert "'llm'" in text
    assert f"127.0.0.1:{taken}" in text
    assert "address already in use" in text


def test_sigterm_stops_cleanly_within_the_grace_period(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port, free_port(), free_port())
    gateway = start_gateway(
        ["--config", str(config), "--workers", "2", "--grace-period", "5"],
        tmp_path,
        {"TEST_OPENAI_KEY": "k"},
    )
    wait_healthy(port)
    deadline = time.monotonic() + 30
    while "ready on" not in gateway.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)  # every worker up: from here on, shutdown alone is timed
    started = time.monotonic()
    assert gateway.stop() == 0
    assert time.monotonic() - started < 5, gateway.log_text()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)


def test_invalid_config_exits_1_with_located_errors(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        "version: v0.4.0\nlisteners:\n  - name: llm\n    type: model\n    port: 1\n"
        "model_providers:\n  - model: gpt-4o\n"
    )
    gateway = start_gateway(["--config", str(config)], tmp_path)
    assert gateway.process.wait(timeout=20) == 1
    assert "model_providers[0].model" in gateway.log_text()


def test_missing_key_variable_is_a_startup_error_naming_it(tmp_path: Path) -> None:
    config = write_config(tmp_path, free_port(), free_port(), free_port())
    env = {k: v for k, v in os.environ.items() if k != "TEST_OPENAI_KEY"}
    log = tmp_path / "missing.log"
    with log.open("wb") as sink:
        code = subprocess.call(
            [sys.executable, "-m", "plano", "run", "--metrics-port", "0", "--config", str(config)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            timeout=20,
        )
    assert code == 1
    text = log.read_text()
    assert "TEST_OPENAI_KEY" in text
    assert "model_providers[0].access_key" in text


def test_zero_config_serves_a_model_listener(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.pop("PLANO_CONFIG", None)
    env["OPENAI_API_KEY"] = "sk-zero-config-secret"
    log = tmp_path / "zero.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "plano",
                "run",
                "--metrics-port",
                "0",
                "--listener-port",
                str(port),
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env=env,
        )
    gateway = Gateway(process, port, log)
    try:
        wait_healthy(port)
        assert "zero-config" in gateway.log_text()
    finally:
        assert gateway.stop() == 0
    assert "sk-zero-config-secret" not in gateway.log_text()
