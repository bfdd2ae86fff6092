"""`plano demo` (the README's first quick-start command) brings up a working gateway."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.http.gateway import free_port


def test_demo_answers_openai_and_anthropic_clients_without_keys(tmp_path: Path) -> None:
    port, mock_port = free_port(), free_port()
    log = tmp_path / "demo.log"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "plano",
                "demo",
                "--port",
                str(port),
                "--mock-port",
                str(mock_port),
                "--metrics-port",
                "0",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        while "plano demo is up" not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.1)
        assert f"curl http://127.0.0.1:{port}/v1/chat/completions" in log.read_text()
        base = f"http://127.0.0.1:{port}"
        chat = httpx.post(
            f"{base}/v1/chat/completions",
            json={"model": "fast", "messages": [{"role": "user", "content": "Hello!"}]},
        )
        assert chat.status_code == 200
        assert "Hello!" in chat.json()["choices"][0]["message"]["content"]
        messages = httpx.post(
            f"{base}/v1/messages",
            json={
                "model": "smart",
                "max_tokens": 50,
                "messages": [{"role": "user", "content": "Hi"}],
            },
        )
        assert messages.status_code == 200
        assert messages.json()["type"] == "message"
    finally:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
