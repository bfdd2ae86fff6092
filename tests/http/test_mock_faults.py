"""Knobs and injected faults of `plano mock`, observed on the wire with httpx."""

from __future__ import annotations

import contextlib
import itertools
import time
from typing import TYPE_CHECKING, Any

import httpx
import orjson
import pytest

if TYPE_CHECKING:
    from tests.http.conftest import MockProvider

CHAT: Any = {"model": "m", "messages": [{"role": "user", "content": "knobs"}]}
STREAM_CHAT: Any = {**CHAT, "stream": True}


def post(mock: MockProvider, body: Any, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{mock.base_url}/v1/chat/completions", json=body, headers=headers, timeout=10.0
    )


def sse_payloads(text: str) -> list[str]:
    return [line[6:] for line in text.splitlines() if line.startswith("data: ")]


def test_fail_status_for_the_first_k_requests_then_success(mock_provider: MockProvider) -> None:
    headers = {"x-mock-fail-status": "503", "x-mock-fail-count": "2", "x-mock-fail-key": "fk-1"}
    statuses = [post(mock_provider, CHAT, **headers).status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]


def test_fail_keys_are_independent(mock_provider: MockProvider) -> None:
    a = {"x-mock-fail-status": "500", "x-mock-fail-count": "1", "x-mock-fail-key": "fk-a"}
    b = {**a, "x-mock-fail-key": "fk-b"}
    assert post(mock_provider, CHAT, **a).status_code == 500
    assert post(mock_provider, CHAT, **b).status_code == 500
    assert post(mock_provider, CHAT, **a).status_code == 200
    assert post(mock_provider, CHAT, **b).status_code == 200


def test_fail_count_minus_one_always_fails_and_reset_restarts(mock_provider: MockProvider) -> None:
    always = {"x-mock-fail-status": "502", "x-mock-fail-count": "-1", "x-mock-fail-key": "fk-x"}
    assert [post(mock_provider, CHAT, **always).status_code for _ in range(3)] == [502] * 3
    once = {**always, "x-mock-fail-count": "1", "x-mock-fail-key": "fk-reset"}
    assert post(mock_provider, CHAT, **once).status_code == 502
    assert post(mock_provider, CHAT, **once).status_code == 200
    mock_provider.reset()
    assert post(mock_provider, CHAT, **once).status_code == 502


def test_retry_after_header_on_injected_failures(mock_provider: MockProvider) -> None:
    headers = {
        "x-mock-fail-status": "429",
        "x-mock-fail-count": "1",
        "x-mock-fail-key": "fk-ra",
        "x-mock-retry-after": "7",
    }
    failed = post(mock_provider, CHAT, **headers)
    assert failed.status_code == 429
    assert failed.headers["retry-after"] == "7"
    assert failed.json()["error"]["code"] == "rate_limit_exceeded"
    ok = post(mock_provider, CHAT, **headers)
    assert ok.status_code == 200
    assert "retry-after" not in ok.headers


def test_delay_before_headers(mock_provider: MockProvider) -> None:
    started = time.monotonic()
    with httpx.stream(
        "POST",
        f"{mock_provider.base_url}/v1/chat/completions",
        json=STREAM_CHAT,
        headers={"x-mock-headers-delay-ms": "300"},
        timeout=10.0,
    ) as response:
        headers_at = time.monotonic() - started
        response.read()
    assert response.status_code == 200
    assert 0.28 <= headers_at < 3.0


def test_time_to_first_token_and_inter_token_delay(mock_provider: MockProvider) -> None:
    started = time.monotonic()
    arrivals: list[tuple[float, str]] = []
    with httpx.stream(
        "POST",
        f"{mock_provider.base_url}/v1/chat/completions",
        json=STREAM_CHAT,
        headers={"x-mock-ttft-ms": "250", "x-mock-itl-ms": "40", "x-mock-tokens": "5"},
        timeout=10.0,
    ) as response:
        headers_at = time.monotonic() - started
        for line in response.iter_lines():
            if line.startswith("data: "):
                arrivals.append((time.monotonic() - started, line))
    assert headers_at < 0.2
    tokens = [at for at, line in arrivals if '"content":"' in line and '"content":""' not in line]
    assert len(tokens) == 5
    assert 0.24 <= tokens[0] < 2.0
    gaps = [b - a for a, b in itertools.pairwise(tokens)]
    assert all(gap >= 0.03 for gap in gaps)
    assert tokens[-1] - tokens[0] >= 0.15


def test_non_streaming_waits_for_the_whole_generation(mock_provider: MockProvider) -> None:
    started = time.monotonic()
    response = post(
        mock_provider,
        CHAT,
        **{"x-mock-ttft-ms": "100", "x-mock-itl-ms": "20", "x-mock-tokens": "6"},
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert 0.19 <= elapsed < 3.0


def test_token_count_knob(mock_provider: MockProvider) -> None:
    body = post(mock_provider, CHAT, **{"x-mock-tokens": "40"}).json()
    assert body["usage"]["completion_tokens"] == 40
    assert len(body["choices"][0]["message"]["content"].split(" ")) == 40 + 3
    stream = post(mock_provider, STREAM_CHAT, **{"x-mock-tokens": "1"})
    contents = [
        orjson.loads(p)["choices"][0]["delta"].get("content")
        for p in sse_payloads(stream.text)
        if p != "[DONE]"
    ]
    assert [c for c in contents if c] == ["mock reply to: knobs"]


@pytest.mark.parametrize("size", [5, 100, 10_000])
def test_response_size_knob_is_exact(mock_provider: MockProvider, size: int) -> None:
    body = post(mock_provider, CHAT, **{"x-mock-size-bytes": str(size)}).json()
    content = body["choices"][0]["message"]["content"]
    assert len(content.encode()) == size
    stream = post(mock_provider, STREAM_CHAT, **{"x-mock-size-bytes": str(size)})
    pieces = [
        orjson.loads(p)["choices"][0]["delta"].get("content") or ""
        for p in sse_payloads(stream.text)
        if p != "[DONE]"
    ]
    assert "".join(pieces) == content


def test_cut_after_k_events_truncates_the_stream(mock_provider: MockProvider) -> None:
    received = bytearray()

    def read_all() -> None:
        with httpx.stream(
            "POST",
            f"{mock_provider.base_url}/v1/chat/completions",
            json=STREAM_CHAT,
            headers={"x-mock-cut-after": "4"},
            timeout=10.0,
        ) as response:
            for chunk in response.iter_raw():
                received.extend(chunk)

    with pytest.raises(httpx.RemoteProtocolError):
        read_all()
    events = [e for e in bytes(received).split(b"\n\n") if e]
    assert len(events) == 4
    assert all(orjson.loads(e[6:]) for e in events)
    assert b"[DONE]" not in received


def test_cut_non_streaming_body(mock_provider: MockProvider) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        post(mock_provider, CHAT, **{"x-mock-cut-after": "1"})


def test_malformed_chunk_is_invalid_json_in_place(mock_provider: MockProvider) -> None:
    response = post(mock_provider, STREAM_CHAT, **{"x-mock-malformed-chunk": "3"})
    assert response.status_code == 200
    payloads = sse_payloads(response.text)
    assert len(payloads) == 16 + 3
    for index, payload in enumerate(payloads, start=1):
        if index == 3:
            with pytest.raises(orjson.JSONDecodeError):
                orjson.loads(payload)
        elif payload != "[DONE]":
            orjson.loads(payload)
    assert payloads[-1] == "[DONE]"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("x-mock-tokens", "zero"),
        ("x-mock-tokens", "0"),
        ("x-mock-ttft-ms", "-5"),
        ("x-mock-fail-status", "200"),
        ("x-mock-reasoning", "maybe"),
    ],
)
def test_invalid_knob_values_are_400(mock_provider: MockProvider, header: str, value: str) -> None:
    response = post(mock_provider, CHAT, **{header: value})
    assert response.status_code == 400
    assert header in response.json()["error"]["message"]


def test_same_input_same_output_and_echo(mock_provider: MockProvider) -> None:
    def content(text: str) -> str:
        body = {"model": "m", "messages": [{"role": "user", "content": text}]}
        result: str = post(mock_provider, body).json()["choices"][0]["message"]["content"]
        return result

    first, again, other = content("alpha question"), content("alpha question"), content("beta")
    assert first == again
    assert first != other
    assert first.startswith("mock reply to: alpha question ")
    long_text = "x" * 100
    assert content(long_text).startswith("mock reply to: " + "x" * 64 + " ")


def test_cli_defaults_apply_and_headers_override(start_mock: Any) -> None:
    mock = start_mock(
        "--tokens", "3", "--model", "fixed-model", "--fail-status", "503", "--fail-count", "1"
    )
    assert post(mock, CHAT).status_code == 503
    body = post(mock, CHAT).json()
    assert body["model"] == "fixed-model"
    assert body["usage"]["completion_tokens"] == 3
    overridden = post(mock, CHAT, **{"x-mock-tokens": "5", "x-mock-model": "other"}).json()
    assert overridden["model"] == "other"
    assert overridden["usage"]["completion_tokens"] == 5
    assert mock.stop() == 0


def test_sigint_exits_cleanly(start_mock: Any) -> None:
    import signal

    mock = start_mock()
    assert post(mock, CHAT).status_code == 200
    mock.process.send_signal(signal.SIGINT)
    assert mock.process.wait(timeout=10) == 0


def test_unknown_route_is_404(mock_provider: MockProvider) -> None:
    response = httpx.post(f"{mock_provider.base_url}/v2/nothing", json={}, timeout=5.0)
    assert response.status_code == 404
    assert "error" in response.json()
    assert httpx.get(f"{mock_provider.base_url}/healthz", timeout=5.0).json() == {"status": "ok"}


def test_fail_status_alone_fails_every_request(mock_provider: MockProvider) -> None:
    headers = {"x-mock-fail-status": "500", "x-mock-fail-key": "fk-alone"}
    assert [post(mock_provider, CHAT, **headers).status_code for _ in range(3)] == [500] * 3
    assert post(mock_provider, CHAT, **{**headers, "x-mock-fail-count": "0"}).status_code == 200


def test_sigterm_during_a_slow_stream_exits_promptly(start_mock: Any) -> None:
    import signal

    mock = start_mock("--shutdown-timeout", "1")
    started = None
    with (
        httpx.stream(
            "POST",
            f"{mock.base_url}/v1/chat/completions",
            json=STREAM_CHAT,
            headers={"x-mock-itl-ms": "1000"},
            timeout=10.0,
        ) as response,
        contextlib.suppress(httpx.RemoteProtocolError),
    ):
        for line in response.iter_lines():
            if line.startswith("data: ") and started is None:
                mock.process.send_signal(signal.SIGTERM)
                started = time.monotonic()
    assert started is not None
    assert mock.process.wait(timeout=10) == 0
    assert time.monotonic() - started < 6.0


def test_several_workers_serve_and_stop_cleanly(start_mock: Any) -> None:
    mock = start_mock("--workers", "2")
    ids = {post(mock, CHAT).json()["id"] for _ in range(6)}
    assert len(ids) == 6
    assert mock.stop() == 0
