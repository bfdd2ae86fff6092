"""`plano mock` speaks Anthropic Messages well enough for the official `anthropic` SDK."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import anthropic
import httpx
import pytest

if TYPE_CHECKING:
    from tests.http.conftest import MockProvider

WEATHER_TOOL: Any = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city"],
    },
}


_opened: list[anthropic.Anthropic] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """Close every SDK client a test opened, so no pooled socket outlives its test."""
    yield
    while _opened:
        _opened.pop().close()


def client_for(mock_provider: MockProvider, **headers: str) -> anthropic.Anthropic:
    client = anthropic.Anthropic(
        base_url=mock_provider.base_url,
        api_key="sk-ant-test-000000000001",
        max_retries=0,
        timeout=10.0,
        default_headers=headers,
    )
    _opened.append(client)
    return client


@pytest.fixture
def client(mock_provider: MockProvider) -> anthropic.Anthropic:
    return client_for(mock_provider)


def test_message_echoes_the_last_user_message(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model="claude-mock",
        max_tokens=100,
        system="be brief",
        messages=[
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": [{"type": "text", "text": "tell me about Rust"}]},
        ],
    )
    assert message.id.startswith("msg_")
    assert message.type == "message"
    assert message.role == "assistant"
    assert message.model == "claude-mock"
    assert message.stop_reason == "end_turn"
    block = message.content[0]
    assert block.type == "text"
    assert block.text.startswith("mock reply to: tell me about Rust")
    assert message.usage.output_tokens == 16
    assert message.usage.input_tokens > 0


def test_stream_events_and_final_message(client: anthropic.Anthropic) -> None:
    params: Any = {
        "model": "claude-mock-fast",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "stream please"}],
    }
    whole = client.messages.create(**params)
    events = list(client.messages.create(**params, stream=True))
    kinds = [event.type for event in events]
    assert kinds[:3] == ["message_start", "content_block_start", "content_block_delta"]
    assert kinds[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    with client.messages.stream(**params) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert whole.content[0].type == "text"
    assert text == whole.content[0].text
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == 16


def test_raw_stream_has_ping_and_named_events(mock_provider: MockProvider) -> None:
    response = httpx.post(
        f"{mock_provider.base_url}/v1/messages",
        json={
            "model": "c",
            "max_tokens": 5,
            "stream": True,
            "messages": [{"role": "user", "content": "raw"}],
        },
        timeout=5.0,
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    names = [line[7:] for line in response.text.splitlines() if line.startswith("event: ")]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-1] == "message_stop"


def test_tool_use_when_the_user_asks_for_it(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model="claude-mock",
        max_tokens=100,
        tools=[WEATHER_TOOL],
        messages=[{"role": "user", "content": "call get_weather for Rome"}],
    )
    assert message.stop_reason == "tool_use"
    block = message.content[-1]
    assert block.type == "tool_use"
    assert block.id.startswith("toolu_")
    assert block.name == "get_weather"
    assert block.input == {"city": "mock-city", "days": 1}


def test_streamed_tool_use_accumulates_input_json(client: anthropic.Anthropic) -> None:
    with client.messages.stream(
        model="claude-mock",
        max_tokens=100,
        tools=[WEATHER_TOOL],
        messages=[{"role": "user", "content": "call get_weather"}],
    ) as stream:
        partials = [e.partial_json for e in stream if e.type == "input_json"]
        final = stream.get_final_message()
    assert len([p for p in partials if p]) > 1
    block = final.content[-1]
    assert block.type == "tool_use"
    assert block.input == {"city": "mock-city", "days": 1}
    assert final.stop_reason == "tool_use"


def test_thinking_block_when_asked(mock_provider: MockProvider) -> None:
    client = client_for(mock_provider, **{"x-mock-reasoning": "1"})
    params: Any = {
        "model": "claude-mock",
        "max_tokens": 2000,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "messages": [{"role": "user", "content": "ponder"}],
    }
    message = client.messages.create(**params)
    thinking, text = message.content
    assert thinking.type == "thinking"
    assert thinking.thinking.startswith("mock reasoning about: ponder")
    assert thinking.signature
    assert text.type == "text"
    with client.messages.stream(**params) as stream:
        final = stream.get_final_message()
    assert final.content[0].type == "thinking"
    assert final.content[0].thinking == thinking.thinking
    assert final.content[0].signature == thinking.signature
    assert final.content[1].type == "text"
    assert final.content[1].text == text.text


def test_prefixed_messages_path(mock_provider: MockProvider) -> None:
    client = anthropic.Anthropic(
        base_url=f"{mock_provider.base_url}/anthropic-proxy", api_key="k", max_retries=0
    )
    _opened.append(client)
    message = client.messages.create(
        model="c", max_tokens=10, messages=[{"role": "user", "content": "prefixed"}]
    )
    assert message.content[0].type == "text"
    assert message.content[0].text.startswith("mock reply to: prefixed")
    assert mock_provider.last_request()["path"] == "/anthropic-proxy/v1/messages"


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (429, anthropic.RateLimitError, "rate_limit_error"),
        (529, anthropic.InternalServerError, "overloaded_error"),
        (401, anthropic.AuthenticationError, "authentication_error"),
    ],
)
def test_injected_errors_have_anthropic_shape(
    mock_provider: MockProvider, status: int, error_class: type[Exception], error_type: str
) -> None:
    client = client_for(
        mock_provider,
        **{
            "x-mock-fail-status": str(status),
            "x-mock-fail-count": "1",
            "x-mock-fail-key": f"an-{status}",
        },
    )
    with pytest.raises(error_class) as caught:
        client.messages.create(
            model="c", max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
    assert isinstance(caught.value, anthropic.APIStatusError)
    assert caught.value.status_code == status
    body: Any = caught.value.body
    assert body == {
        "type": "error",
        "error": {"type": error_type, "message": body["error"]["message"]},
    }


def test_missing_max_tokens_is_an_invalid_request(mock_provider: MockProvider) -> None:
    response = httpx.post(
        f"{mock_provider.base_url}/v1/messages",
        json={"model": "c", "messages": [{"role": "user", "content": "x"}]},
        timeout=5.0,
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_in_stream_error_event_raises_in_the_sdk(mock_provider: MockProvider) -> None:
    client = client_for(mock_provider, **{"x-mock-stream-error-after": "4"})
    stream = client.messages.create(
        model="c", max_tokens=10, messages=[{"role": "user", "content": "x"}], stream=True
    )
    received: list[Any] = []
    with stream, pytest.raises(anthropic.APIStatusError) as caught:
        received.extend(stream)
    assert len(received) == 3  # the ping is consumed by the SDK
    body: Any = caught.value.body
    assert body["error"]["type"] == "overloaded_error"


def test_request_id_header(client: anthropic.Anthropic) -> None:
    messages: Any = [{"role": "user", "content": "rid"}]
    first = client.messages.create(model="c", max_tokens=5, messages=messages)
    second = client.messages.create(model="c", max_tokens=5, messages=messages)
    assert first._request_id is not None
    assert first._request_id.startswith("req_")
    assert first._request_id != second._request_id
