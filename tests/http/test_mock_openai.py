"""`plano mock` speaks OpenAI Chat Completions well enough for the official `openai` SDK."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import openai
import pytest

if TYPE_CHECKING:
    from tests.http.conftest import MockProvider

WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}
EXPECTED_ARGUMENTS = {"city": "mock-city", "days": 1, "unit": "celsius"}


_opened: list[openai.OpenAI] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """Close every SDK client a test opened, so no pooled socket outlives its test."""
    yield
    while _opened:
        _opened.pop().close()


def client_for(base_url: str, **headers: str) -> openai.OpenAI:
    client = openai.OpenAI(
        base_url=base_url,
        api_key="sk-test-openai-0001",
        max_retries=0,
        timeout=10.0,
        default_headers=headers,
    )
    _opened.append(client)
    return client


@pytest.fixture
def client(mock_provider: MockProvider) -> openai.OpenAI:
    return client_for(f"{mock_provider.base_url}/v1")


def test_completion_echoes_the_last_user_message(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": "an answer"},
            {"role": "user", "content": "what is the capital of France?"},
        ],
    )
    assert completion.id.startswith("chatcmpl-")
    assert completion.object == "chat.completion"
    assert completion.model == "gpt-4o-mini"
    assert completion.system_fingerprint
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.message.content is not None
    assert choice.message.content.startswith("mock reply to: what is the capital of France?")
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 16
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


def test_stream_matches_the_non_streamed_text_and_reports_usage(client: openai.OpenAI) -> None:
    messages: Any = [{"role": "user", "content": "stream me"}]
    whole = client.chat.completions.create(model="gpt-4o", messages=messages)
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o",
            messages=messages,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert {chunk.id for chunk in chunks} == {chunks[0].id}
    assert chunks[0].id.startswith("chatcmpl-")
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    content_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(content_chunks) == 16
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 16
    assert all(chunk.usage is None for chunk in chunks[:-1])


def test_stream_without_include_usage_has_no_usage_chunk(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}], stream=True
        )
    )
    assert all(chunk.choices for chunk in chunks)
    assert all(chunk.usage is None for chunk in chunks)


def test_tool_call_when_the_user_asks_for_it(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "please call get_weather for Paris"}],
        tools=[WEATHER_TOOL],
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls is not None
    call = choice.message.tool_calls[0]
    assert call.type == "function"
    assert call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == EXPECTED_ARGUMENTS


def test_streamed_tool_call_arrives_in_argument_pieces(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "call get_weather now"}],
            tools=[WEATHER_TOOL],
            stream=True,
        )
    )
    deltas = [
        call
        for chunk in chunks
        if chunk.choices
        for call in (chunk.choices[0].delta.tool_calls or [])
    ]
    assert deltas[0].id is not None
    assert deltas[0].function is not None
    assert deltas[0].function.name == "get_weather"
    pieces = [d.function.arguments for d in deltas if d.function and d.function.arguments]
    assert len(pieces) > 1
    assert json.loads("".join(pieces)) == EXPECTED_ARGUMENTS
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_tool_call_by_header_without_asking_in_the_text(mock_provider: MockProvider) -> None:
    client = client_for(f"{mock_provider.base_url}/v1", **{"x-mock-tool-call": "get_weather"})
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hello"}], tools=[WEATHER_TOOL]
    )
    tool_calls = completion.choices[0].message.tool_calls
    assert tool_calls is not None
    assert tool_calls[0].function.name == "get_weather"


def test_no_tool_call_without_tools(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "call get_weather"}]
    )
    assert completion.choices[0].message.tool_calls is None
    assert completion.choices[0].finish_reason == "stop"


def test_reasoning_content_when_asked(mock_provider: MockProvider) -> None:
    client = client_for(f"{mock_provider.base_url}/v1", **{"x-mock-reasoning": "1"})
    messages: Any = [{"role": "user", "content": "think first"}]
    completion = client.chat.completions.create(model="o3", messages=messages)
    message = completion.choices[0].message.model_dump()
    assert message["reasoning_content"].startswith("mock reasoning about: think first")
    usage = completion.usage
    assert usage is not None
    assert usage.completion_tokens_details is not None
    assert usage.completion_tokens_details.reasoning_tokens == 8
    chunks = list(client.chat.completions.create(model="o3", messages=messages, stream=True))
    streamed = "".join(
        c.choices[0].delta.model_dump().get("reasoning_content") or "" for c in chunks
    )
    assert streamed == message["reasoning_content"]


@pytest.mark.parametrize(
    "prefix",
    ["/v1", "/openai/v1", "/v1beta/openai", "", "/some/custom/prefix"],
)
def test_chat_path_variants(mock_provider: MockProvider, prefix: str) -> None:
    client = client_for(f"{mock_provider.base_url}{prefix}")
    completion = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": f"via {prefix or '/'}"}]
    )
    assert (completion.choices[0].message.content or "").startswith(f"mock reply to: via {prefix}")
    assert mock_provider.last_request()["path"] == f"{prefix}/chat/completions"


def test_azure_deployment_path(mock_provider: MockProvider) -> None:
    client = openai.AzureOpenAI(
        azure_endpoint=mock_provider.base_url,
        azure_deployment="my-gpt4o",
        api_version="2025-01-01-preview",
        api_key="azure-key-0000000000000001",
        max_retries=0,
        timeout=10.0,
    )
    _opened.append(client)
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "azure"}]
    )
    assert (completion.choices[0].message.content or "").startswith("mock reply to: azure")
    recorded = mock_provider.last_request()
    assert recorded["path"] == "/openai/deployments/my-gpt4o/chat/completions"
    assert recorded["query"] == {"api-version": "2025-01-01-preview"}


def test_models_list(client: openai.OpenAI) -> None:
    models = client.models.list()
    assert [model.id for model in models.data] == ["mock-model"]


def test_model_knob_overrides_the_echoed_model(mock_provider: MockProvider) -> None:
    client = client_for(f"{mock_provider.base_url}/v1", **{"x-mock-model": "gpt-4o-2024-08-06"})
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "x"}]
    )
    assert completion.model == "gpt-4o-2024-08-06"


def test_injected_error_has_openai_shape(mock_provider: MockProvider) -> None:
    client = client_for(
        f"{mock_provider.base_url}/v1",
        **{"x-mock-fail-status": "429", "x-mock-fail-count": "1", "x-mock-fail-key": "oa-err"},
    )
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 429
    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.type == "requests"
    completion = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "x"}]
    )
    assert completion.choices[0].finish_reason == "stop"


def test_sdk_retries_through_injected_failures(mock_provider: MockProvider) -> None:
    client = openai.OpenAI(
        base_url=f"{mock_provider.base_url}/v1",
        api_key="sk-x",
        max_retries=2,
        timeout=10.0,
        default_headers={
            "x-mock-fail-status": "503",
            "x-mock-fail-count": "2",
            "x-mock-fail-key": "oa-retry",
            "x-mock-retry-after": "0",
        },
    )
    _opened.append(client)
    completion = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "retry"}]
    )
    assert (completion.choices[0].message.content or "").startswith("mock reply to: retry")


def test_truncated_stream_raises_in_the_sdk(mock_provider: MockProvider) -> None:
    client = client_for(f"{mock_provider.base_url}/v1", **{"x-mock-cut-after": "3"})
    stream = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "cut"}], stream=True
    )
    received: list[Any] = []
    with stream, pytest.raises(openai.APIError):
        received.extend(stream)
    assert len(received) == 3


def test_bad_json_is_a_400_in_openai_shape(mock_provider: MockProvider) -> None:
    response = httpx.post(
        f"{mock_provider.base_url}/v1/chat/completions", content=b"{nope", timeout=5.0
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_identical_requests_get_fresh_ids_and_timestamps(client: openai.OpenAI) -> None:
    messages: Any = [{"role": "user", "content": "same again"}]
    first = client.chat.completions.create(model="m", messages=messages)
    second = client.chat.completions.create(model="m", messages=messages)
    assert first.id != second.id
    assert first.choices[0].message.content == second.choices[0].message.content
    assert abs(first.created - time.time()) < 60
    streams = [
        list(client.chat.completions.create(model="m", messages=messages, stream=True))
        for _ in range(2)
    ]
    assert streams[0][0].id != streams[1][0].id
    assert abs(streams[0][0].created - time.time()) < 60


def test_tool_call_ids_are_fresh_per_response(client: openai.OpenAI) -> None:
    ids = set()
    for _ in range(2):
        completion = client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "call get_weather"}],
            tools=[WEATHER_TOOL],
        )
        tool_calls = completion.choices[0].message.tool_calls
        assert tool_calls is not None
        ids.add(tool_calls[0].id)
    assert len(ids) == 2


def test_request_text_that_looks_like_an_internal_placeholder(client: openai.OpenAI) -> None:
    text = "~mock~serial~~~~~~~~ 9999999999"
    completion = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": text}]
    )
    assert completion.choices[0].message.content is not None
    assert completion.choices[0].message.content.startswith(f"mock reply to: {text}")
    assert "~mock~" not in completion.id
    assert completion.created != 9999999999


def test_in_stream_error_event_raises_in_the_sdk(mock_provider: MockProvider) -> None:
    client = client_for(f"{mock_provider.base_url}/v1", **{"x-mock-stream-error-after": "2"})
    stream = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "err"}], stream=True
    )
    received: list[Any] = []
    with stream, pytest.raises(openai.APIError, match="mock injected stream error"):
        received.extend(stream)
    assert len(received) == 2


def test_request_id_header(client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "rid"}]
    )
    assert raw.headers["x-request-id"].startswith("req_")
    assert raw.headers["x-request-id"].endswith(raw.parse().id.removeprefix("chatcmpl-mock"))
