"""SIGTERM lets in-flight streams finish: a real `plano run --workers 2` stopped mid-stream."""

from __future__ import annotations

import signal
import threading
import time

import httpx
import pytest

from tests.http.conftest import MockProvider
from tests.http.gateway import start_gateway


def test_sigterm_lets_an_in_flight_stream_finish(
    mock_provider: MockProvider, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = {
        "version": "v0.4.0",
        "listeners": [{"name": "llm", "type": "model", "address": "127.0.0.1"}],
        "model_providers": [
            {
                "model": "openai/slow",
                "base_url": mock_provider.base_url,
                "access_key": "k",
                "headers": {"x-mock-itl-ms": "100", "x-mock-tokens": "30"},
            }
        ],
    }
    with start_gateway(
        config, tmp_path_factory.mktemp("drain"), workers=2, extra_args=("--grace-period", "20")
    ) as gateway:
        deadline = time.monotonic() + 30
        while "ready on" not in gateway.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        lines: list[str] = []

        def stream() -> None:
            body = {
                "model": "openai/slow",
                "messages": [{"role": "user", "content": "hi"}],
                "stream": True,
            }
            with httpx.stream(
                "POST", f"{gateway.base_url}/v1/chat/completions", json=body, timeout=30
            ) as r:
                lines.extend(line for line in r.iter_lines() if line)

        reader = threading.Thread(target=stream)
        reader.start()
        time.sleep(1.0)  # the stream is ~1/3 through
        gateway.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{gateway.base_url}/healthz", timeout=2)  # no new connections
        reader.join(timeout=30)
        assert gateway.process.wait(timeout=30) == 0
    assert lines[-1] == "data: [DONE]"
    assert sum(1 for line in lines if line.startswith("data: {")) >= 30
