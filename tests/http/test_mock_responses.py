"""`plano mock` speaks OpenAI Responses well enough for the official `openai` SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import openai
import pytest

if TYPE_CHECKING:
    from tests.http.conftest import MockProvider

WEATHER_TOOL: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
}


_opened: list[openai.OpenAI] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """Close every SDK client a test opened, so no pooled socket outlives its test."""
    yield
    while _opened:
        _opened.pop().close()


def client_for(mock_provider: MockProvider, **headers: str) -> openai.OpenAI:
    client = openai.OpenAI(
        base_url=f"{mock_provider.base_url}/v1",
        api_key="sk-test-responses",
        max_retries=0,
        timeout=10.0,
        default_headers=headers,
    )
    _opened.append(client)
    return client


@pytest.fixture
def client(mock_provider: MockProvider) -> openai.OpenAI:
    return client_for(mock_provider)


def test_response_echoes_input_and_parameters(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-5",
        instructions="be brief",
        input="summarise the news",
        max_output_tokens=300,
        metadata={"case": "echo"},
    )
    assert response.id.startswith("resp_")
    assert response.object == "response"
    assert response.status == "completed"
    assert response.model == "gpt-5"
    assert response.instructions == "be brief"
    assert response.max_output_tokens == 300
    assert response.metadata == {"case": "echo"}
    assert response.output_text.startswith("mock reply to: summarise the news")
    message = response.output[0]
    assert message.type == "message"
    assert message.id.startswith("msg_")
    assert response.usage is not None
    assert response.usage.output_tokens == 16


def test_input_items_use_the_last_user_message(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-5",
        input=[
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": [{"type": "input_text", "text": "second question"}]},
        ],
    )
    assert response.output_text.startswith("mock reply to: second question")


def test_stream_events_are_numbered_and_complete(client: openai.OpenAI) -> None:
    whole = client.responses.create(model="gpt-5", input="stream it")
    events = list(client.responses.create(model="gpt-5", input="stream it", stream=True))
    assert [e.sequence_number for e in events] == list(range(len(events)))
    kinds = [e.type for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] == "response.completed"
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) == 16
    assert "".join(deltas) == whole.output_text
    with client.responses.stream(model="gpt-5", input="stream it") as stream:
        final = stream.get_final_response()
    assert final.output_text == whole.output_text
    assert final.usage is not None
    assert final.usage.total_tokens > 0


def test_function_call_and_streamed_arguments(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-5", input="please call get_weather", tools=[WEATHER_TOOL]
    )
    [call] = response.output
    assert call.type == "function_call"
    assert call.name == "get_weather"
    assert call.call_id.startswith("call_")
    assert json.loads(call.arguments) == {"city": "mock-city"}
    events = list(
        client.responses.create(
            model="gpt-5", input="call get_weather", tools=[WEATHER_TOOL], stream=True
        )
    )
    pieces = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    assert len(pieces) > 1
    assert json.loads("".join(pieces)) == {"city": "mock-city"}
    with client.responses.stream(
        model="gpt-5", input="call get_weather", tools=[WEATHER_TOOL]
    ) as stream:
        final = stream.get_final_response()
    assert final.output[0].type == "function_call"


def test_reasoning_summary_when_asked(mock_provider: MockProvider) -> None:
    client = client_for(mock_provider, **{"x-mock-reasoning": "1"})
    response = client.responses.create(model="o4-mini", input="reason")
    reasoning, message = response.output
    assert reasoning.type == "reasoning"
    assert reasoning.summary[0].text.startswith("mock reasoning about: reason")
    assert message.type == "message"
    assert response.usage is not None
    assert response.usage.output_tokens_details.reasoning_tokens == 8
    with client.responses.stream(model="o4-mini", input="reason") as stream:
        summary = "".join(
            e.delta for e in stream if e.type == "response.reasoning_summary_text.delta"
        )
        final = stream.get_final_response()
    assert summary == reasoning.summary[0].text
    assert [item.type for item in final.output] == ["reasoning", "message"]


def test_prefixed_responses_path(mock_provider: MockProvider) -> None:
    response = httpx.post(
        f"{mock_provider.base_url}/backend-api/codex/responses",
        json={"model": "gpt-5", "input": "codex"},
        timeout=5.0,
    )
    assert response.status_code == 200
    assert response.json()["output"][0]["content"][0]["text"].startswith("mock reply to: codex")


def test_missing_input_is_a_400_in_openai_shape(mock_provider: MockProvider) -> None:
    response = httpx.post(
        f"{mock_provider.base_url}/v1/responses", json={"model": "gpt-5"}, timeout=5.0
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_in_stream_error_event(mock_provider: MockProvider) -> None:
    client = client_for(mock_provider, **{"x-mock-stream-error-after": "3"})
    events = list(client.responses.create(model="gpt-5", input="err", stream=True))
    assert [e.sequence_number for e in events] == [0, 1, 2, 3]
    error = events[-1]
    assert error.type == "error"
    assert error.code == "server_error"
