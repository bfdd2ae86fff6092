"""Every client API against every upstream API family, plain and with a tool call, through a
real `plano run` and `plano mock`; the OpenAI and Anthropic SDKs parse what comes back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest

from tests.http.conftest import MockProvider
from tests.http.gateway import Gateway, start_gateway

UPSTREAMS = {
    "openai-chat": "mistral/mistral-small-latest",  # Chat-only, so Responses clients translate
    "anthropic-messages": "anthropic/claude-sonnet-4-5",
    "bedrock-converse": "amazon_bedrock/us.amazon.nova-pro-v1:0",
    "gemini": "gemini/gemini-2.5-flash",
}
UPSTREAM_PATHS = {
    "openai-chat": "/v1/chat/completions",
    "anthropic-messages": "/v1/messages",
    "bedrock-converse": "/model/us.amazon.nova-pro-v1:0/converse",
    "gemini": "/v1beta/models/gemini-2.5-flash:generateContent",
    "openai-responses": "/v1/responses",
}
TOOL_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


@pytest.fixture(scope="module")
def gateway(
    mock_provider: MockProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    mock = mock_provider.base_url
    config = {
        "version": "v0.4.0",
        "listeners": [{"name": "llm", "type": "model", "address": "127.0.0.1"}],
        "model_providers": [
            {"model": model, "base_url": mock, "access_key": "k"}
            for model in [*UPSTREAMS.values(), "openai/gpt-4o-mini"]
        ],
    }
    with start_gateway(config, tmp_path_factory.mktemp("matrix")) as gw:
        yield gw


def call_openai_chat(base: str, model: str, tool: bool) -> tuple[str, str | None]:
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="x", max_retries=0)
    kwargs: dict[str, Any] = {}
    prompt = "hello matrix"
    if tool:
        prompt = "please call get_weather"
        kwargs["tools"] = [
            {"type": "function", "function": {"name": "get_weather", "parameters": TOOL_SCHEMA}}
        ]
    completion = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": prompt}], **kwargs
    )
    message = completion.choices[0].message
    call = message.tool_calls[0] if message.tool_calls else None
    name = call.function.name if call is not None else None  # type: ignore[union-attr]
    if call is not None:
        assert isinstance(json.loads(call.function.arguments), dict)  # type: ignore[union-attr]
    return message.content or "", name


def call_anthropic(base: str, model: str, tool: bool) -> tuple[str, str | None]:
    client = anthropic.Anthropic(base_url=base, api_key="x", max_retries=0)
    kwargs: dict[str, Any] = {}
    prompt = "hello matrix"
    if tool:
        prompt = "please call get_weather"
        kwargs["tools"] = [{"name": "get_weather", "input_schema": TOOL_SCHEMA}]
    message = client.messages.create(
        model=model, max_tokens=100, messages=[{"role": "user", "content": prompt}], **kwargs
    )
    text = "".join(b.text for b in message.content if b.type == "text")
    uses = [b for b in message.content if b.type == "tool_use"]
    if uses:
        assert isinstance(uses[0].input, dict)
        assert message.stop_reason == "tool_use"
    return text, uses[0].name if uses else None


def call_responses(base: str, model: str, tool: bool) -> tuple[str, str | None]:
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="x", max_retries=0)
    kwargs: dict[str, Any] = {}
    prompt = "hello matrix"
    if tool:
        prompt = "please call get_weather"
        kwargs["tools"] = [{"type": "function", "name": "get_weather", "parameters": TOOL_SCHEMA}]
    response = client.responses.create(model=model, input=prompt, **kwargs)
    calls = [item for item in response.output if item.type == "function_call"]
    if calls:
        assert isinstance(json.loads(calls[0].arguments), dict)  # type: ignore[union-attr]
    return response.output_text, calls[0].name if calls else None  # type: ignore[union-attr]


def call_gemini(base: str, model: str, tool: bool) -> tuple[str, str | None]:
    body: dict[str, Any] = {"contents": [{"role": "user", "parts": [{"text": "hello matrix"}]}]}
    if tool:
        body["contents"][0]["parts"][0]["text"] = "please call get_weather"
        body["tools"] = [
            {"functionDeclarations": [{"name": "get_weather", "parameters": TOOL_SCHEMA}]}
        ]
    response = httpx.post(f"{base}/v1beta/models/{model}:generateContent", json=body, timeout=30)
    assert response.status_code == 200, response.text
    parts = response.json()["candidates"][0]["content"]["parts"]
    text = "".join(p.get("text", "") for p in parts)
    calls = [p["functionCall"] for p in parts if "functionCall" in p]
    if calls:
        assert isinstance(calls[0]["args"], dict)
    return text, calls[0]["name"] if calls else None


CLIENTS = {
    "openai-chat": call_openai_chat,
    "anthropic-messages": call_anthropic,
    "openai-responses": call_responses,
    "gemini": call_gemini,
}


# OpenAI's Responses API is the upstream only for Responses clients (others reach OpenAI on Chat).
PAIRS = [(client, upstream) for client in CLIENTS for upstream in UPSTREAMS] + [
    ("openai-responses", "openai-responses")
]


@pytest.mark.parametrize("tool", [False, True], ids=["text", "tool"])
@pytest.mark.parametrize(("client", "upstream"), PAIRS)
def test_client_api_against_upstream_api(
    gateway: Gateway, mock_provider: MockProvider, client: str, upstream: str, tool: bool
) -> None:
    model = UPSTREAMS.get(upstream, "openai/gpt-4o-mini")
    if client == "gemini":
        model = model.split("/", 1)[1]
    mock_provider.reset()
    text, called = CLIENTS[client](gateway.base_url, model, tool)
    seen = mock_provider.last_request()
    assert httpx.URL(seen["path"]).path.replace("%3A", ":") == UPSTREAM_PATHS[upstream]
    if tool:
        assert called == "get_weather"
    else:
        assert "hello matrix" in text
        assert called is None
