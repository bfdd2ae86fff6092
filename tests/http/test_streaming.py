"""Streams through a real `plano run` to a real `plano mock`, read by the official SDKs: every
client API against every upstream family, tool calls, broken upstreams, disconnects, and many
concurrent streams without cross-talk.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest

from tests.http.conftest import MockProvider
from tests.http.gateway import Gateway, start_gateway

HELLO = [{"role": "user", "content": "hello stream"}]
UPSTREAMS = (
    "openai/gpt-4o-mini",
    "anthropic/claude-sonnet-4-5",
    "amazon_bedrock/us.amazon.nova-pro-v1:0",
    "gemini/gemini-2.5-flash",
)
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture(scope="module")
def gateway(
    mock_provider: MockProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    mock = mock_provider.base_url
    config = {
        "version": "v0.4.0",
        "listeners": [{"name": "llm", "type": "model", "address": "127.0.0.1", "timeout": "2s"}],
        "model_providers": [
            {"model": "openai/gpt-4o-mini", "base_url": mock, "access_key": "k1", "default": True},
            {"model": "anthropic/claude-sonnet-4-5", "base_url": mock, "access_key": "k2"},
            {
                "model": "amazon_bedrock/us.amazon.nova-pro-v1:0",
                "base_url": mock,
                "access_key": "k3",
            },
            {"model": "gemini/gemini-2.5-flash", "base_url": mock, "access_key": "k4"},
            {
                "model": "openai/cut-openai",
                "base_url": mock,
                "access_key": "k1",
                "headers": {"x-mock-cut-after": "4"},
            },
            {
                "model": "anthropic/cut-anthropic",
                "base_url": mock,
                "access_key": "k2",
                "headers": {"x-mock-cut-after": "4"},
            },
            {
                "model": "amazon_bedrock/cut-bedrock",
                "base_url": mock,
                "access_key": "k3",
                "headers": {"x-mock-cut-after": "4"},
            },
            {
                "model": "openai/slow-headers",
                "base_url": mock,
                "access_key": "k1",
                "headers": {"x-mock-headers-delay-ms": "5000"},
            },
            {
                "model": "openai/slow-tokens",
                "base_url": mock,
                "access_key": "k1",
                "headers": {"x-mock-itl-ms": "100", "x-mock-tokens": "100"},
            },
        ],
    }
    with start_gateway(config, tmp_path_factory.mktemp("stream")) as gw:
        yield gw


@pytest.fixture
def oai(gateway: Gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.base_url}/v1", api_key="x", max_retries=0)


@pytest.fixture
def claude(gateway: Gateway) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.base_url, api_key="x", max_retries=0)


def non_stream_text(oai: openai.OpenAI, model: str) -> str:
    completion = oai.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    return completion.choices[0].message.content or ""


@pytest.mark.parametrize("model", UPSTREAMS)
def test_openai_stream_from_every_upstream(oai: openai.OpenAI, model: str) -> None:
    stream = oai.chat.completions.create(
        model=model,
        messages=HELLO,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "hello stream" in text
    assert text == non_stream_text(oai, model)
    finishes = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finishes == ["stop"]
    assert {c.id for c in chunks} != {"stream"}
    assert all(c.model and c.model != "unknown" for c in chunks)
    assert any(c.usage is not None and c.usage.completion_tokens > 0 for c in chunks)


@pytest.mark.parametrize("model", ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"])
def test_openai_stream_has_a_usage_chunk_only_when_asked(oai: openai.OpenAI, model: str) -> None:
    plain = list(oai.chat.completions.create(model=model, messages=HELLO, stream=True))  # type: ignore[arg-type]
    assert plain
    assert all(c.choices for c in plain), "no usage-only chunk the client did not ask for"
    assert all(c.usage is None for c in plain)
    asked = list(
        oai.chat.completions.create(
            model=model,
            messages=HELLO,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    usage_chunks = [c for c in asked if not c.choices]
    assert len(usage_chunks) == 1
    assert usage_chunks[0].usage is not None
    assert usage_chunks[0].usage.completion_tokens > 0
    assert asked[-1] is usage_chunks[0]


@pytest.mark.parametrize("model", UPSTREAMS)
def test_anthropic_stream_from_every_upstream(claude: anthropic.Anthropic, model: str) -> None:
    with claude.messages.stream(model=model, max_tokens=200, messages=HELLO) as stream:  # type: ignore[arg-type]
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert kinds[0] == "message_start"
    assert kinds.count("message_start") == 1
    assert kinds[-1] == "message_stop"
    assert kinds.count("message_stop") == 1
    assert "hello stream" in final.content[0].text  # type: ignore[union-attr]
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens > 0


@pytest.mark.parametrize("model", ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"])
def test_responses_stream(gateway: Gateway, model: str) -> None:
    client = openai.OpenAI(base_url=f"{gateway.base_url}/v1", api_key="x", max_retries=0)
    with client.responses.stream(model=model, input="hello stream") as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[0] == "response.created"
    assert kinds[-1] == "response.completed"
    assert "hello stream" in final.output_text


@pytest.mark.parametrize("model", UPSTREAMS)
def test_streamed_tool_calls_from_every_upstream(oai: openai.OpenAI, model: str) -> None:
    stream = oai.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "please call get_weather"}],
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        stream=True,
    )
    calls: dict[int, dict[str, str]] = {}
    finish = None
    for chunk in stream:
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        finish = choice.finish_reason or finish
        for delta in choice.delta.tool_calls or []:
            call = calls.setdefault(delta.index, {"name": "", "arguments": ""})
            if delta.function and delta.function.name:
                call["name"] += delta.function.name
            if delta.function and delta.function.arguments:
                call["arguments"] += delta.function.arguments
    assert [c["name"] for c in calls.values()] == ["get_weather"], model
    assert isinstance(json.loads(calls[0]["arguments"]), dict), model
    assert finish == "tool_calls", model


def drain(stream: Any, received: list[Any]) -> None:
    for chunk in stream:
        received.append(chunk)


@pytest.mark.parametrize(
    "model", ["openai/cut-openai", "anthropic/cut-anthropic", "amazon_bedrock/cut-bedrock"]
)
def test_upstream_cut_mid_stream_ends_with_an_openai_error(oai: openai.OpenAI, model: str) -> None:
    stream = oai.chat.completions.create(model=model, messages=HELLO, stream=True)
    received: list[Any] = []
    with pytest.raises(openai.APIError) as caught:
        drain(stream, received)
    assert received, "some chunks arrive before the cut"
    assert "mid-stream" in str(caught.value) or "ended early" in str(caught.value)


@pytest.mark.parametrize(
    "model", ["openai/cut-openai", "anthropic/cut-anthropic", "amazon_bedrock/cut-bedrock"]
)
def test_upstream_cut_mid_stream_ends_with_an_anthropic_error(
    claude: anthropic.Anthropic, model: str
) -> None:
    with (
        pytest.raises(anthropic.APIStatusError),
        claude.messages.stream(model=model, max_tokens=100, messages=HELLO) as stream,  # type: ignore[arg-type]
    ):
        drain(stream, [])


def test_cut_stream_is_closed_not_left_hanging(gateway: Gateway) -> None:
    with httpx.stream(
        "POST",
        f"{gateway.base_url}/v1/chat/completions",
        json={"model": "openai/cut-openai", "messages": HELLO, "stream": True},
        timeout=10,
    ) as response:
        assert response.status_code == 200
        lines = [line for line in response.iter_lines() if line.startswith("data:")]
    assert (
        "error" in json.loads(lines[-1].removeprefix("data:").strip())
        or lines[-1] == "data: [DONE]"
    )
    assert any("error" in line for line in lines)


def test_slow_upstream_headers_time_out_as_504(gateway: Gateway) -> None:
    started = time.monotonic()
    response = httpx.post(
        f"{gateway.base_url}/v1/messages",
        json={"model": "openai/slow-headers", "max_tokens": 5, "messages": HELLO},
        timeout=20,
    )
    assert response.status_code == 504
    assert response.json()["type"] == "error"
    assert time.monotonic() - started < 10


def test_client_disconnect_cancels_the_upstream(gateway: Gateway) -> None:
    body = json.dumps({"model": "openai/slow-tokens", "messages": HELLO, "stream": True}).encode()
    request_id = f"disconnect-{time.monotonic_ns()}"
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            + f"x-request-id: {request_id}\r\ncontent-length: {len(body)}\r\n\r\n".encode()
            + body
        )
        first = sock.recv(65536)
        assert b" 200 " in first.split(b"\r\n", 1)[0]
    deadline = time.monotonic() + 8  # the full stream would take 10 s
    while time.monotonic() < deadline:
        lines = [line for line in gateway.log_text().splitlines() if request_id in line]
        if any("plano.access" in line for line in lines):
            break
        time.sleep(0.1)
    access = [
        line
        for line in gateway.log_text().splitlines()
        if request_id in line and "plano.access" in line
    ]
    assert access, "the request ended well before the upstream stream would have"
    assert " 499 " in access[0]


async def one_stream(client: openai.AsyncOpenAI, index: int, model: str) -> tuple[int, str]:
    stream = await client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": f"stream marker {index:03d}"}],
        stream=True,
    )
    parts = [chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices]
    return index, "".join(parts)


def test_fifty_concurrent_streams_do_not_cross_talk(gateway: Gateway) -> None:
    async def main() -> list[tuple[int, str]]:
        client = openai.AsyncOpenAI(base_url=f"{gateway.base_url}/v1", api_key="x", max_retries=0)
        jobs = [one_stream(client, i, UPSTREAMS[i % len(UPSTREAMS)]) for i in range(50)]
        try:
            return await asyncio.wait_for(asyncio.gather(*jobs), timeout=60)
        finally:
            await client.close()

    results: list[tuple[int, str]] = asyncio.run(main())
    for index, text in results:
        assert f"stream marker {index:03d}" in text
        others = [i for i in range(50) if i != index and f"stream marker {i:03d}" in text]
        assert not others


def test_stream_first_bytes_arrive_before_the_stream_ends(gateway: Gateway) -> None:
    started = time.monotonic()
    with httpx.stream(
        "POST",
        f"{gateway.base_url}/v1/chat/completions",
        json={"model": "openai/slow-tokens", "messages": HELLO, "stream": True},
        timeout=30,
    ) as response:
        first: Any = next(response.iter_bytes())
        first_at = time.monotonic() - started
    assert first
    assert first_at < 3, "bytes are forwarded as they come, not buffered to the end (10 s)"
