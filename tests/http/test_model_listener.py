"""The model listener end to end: a real `plano run` in front of a real `plano mock`, driven by
the official OpenAI and Anthropic SDKs (non-streaming paths; streams live in test_streaming.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import anthropic
import httpx
import openai
import pytest

from tests.http.conftest import MockProvider
from tests.http.gateway import Gateway, start_gateway

KEYS = {
    "openai": "sk-openai-test-0001",
    "anthropic": "sk-ant-test-0002",
    "bedrock": "bedrock-test-0003",
    "gemini": "gemini-test-0004",
    "groq": "gsk-test-0005",
    "azure": "azure-test-0006",
}


def providers(mock: str) -> list[dict[str, Any]]:
    return [
        {
            "model": "openai/gpt-4o-mini",
            "base_url": mock,
            "access_key": KEYS["openai"],
            "default": True,
        },
        {"model": "anthropic/claude-sonnet-4-5", "base_url": mock, "access_key": KEYS["anthropic"]},
        {
            "model": "amazon_bedrock/us.amazon.nova-pro-v1:0",
            "base_url": mock,
            "access_key": KEYS["bedrock"],
        },
        {"model": "gemini/gemini-2.5-flash", "base_url": mock, "access_key": KEYS["gemini"]},
        {
            "model": "groq/llama-3.3-70b",
            "base_url": f"{mock}/openai/v1",
            "access_key": KEYS["groq"],
        },
        {"model": "azure_openai/gpt-4o", "base_url": mock, "access_key": KEYS["azure"]},
        {"model": "mistral/*", "base_url": mock, "access_key": "mistral-key"},
        {
            "model": "openai/flaky",
            "base_url": mock,
            "access_key": KEYS["openai"],
            "headers": {
                "x-mock-fail-status": "503",
                "x-mock-fail-count": "2",
                "x-mock-fail-key": "flaky",
            },
        },
        {
            "model": "openai/down",
            "base_url": mock,
            "access_key": KEYS["openai"],
            "headers": {
                "x-mock-fail-status": "503",
                "x-mock-fail-count": "-1",
                "x-mock-fail-key": "down",
            },
        },
        {
            "model": "openai/throttled",
            "base_url": mock,
            "access_key": KEYS["openai"],
            "headers": {
                "x-mock-fail-status": "429",
                "x-mock-fail-count": "-1",
                "x-mock-fail-key": "throttled",
                "x-mock-retry-after": "30",
            },
        },
    ]


@pytest.fixture(scope="module")
def gateway(
    mock_provider: MockProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    """A gateway with retries and a fallback model."""
    config = {
        "version": "v0.4.0",
        "listeners": [
            {
                "name": "llm",
                "type": "model",
                "address": "127.0.0.1",
                "max_retries": 2,
                "fallback_models": ["anthropic/claude-sonnet-4-5"],
                "max_body_bytes": 65536,
            }
        ],
        "model_providers": providers(mock_provider.base_url),
        "model_aliases": {
            "fast": {"target": "openai/gpt-4o-mini"},
            "smart": {"target": "anthropic/claude-sonnet-4-5"},
        },
    }
    with start_gateway(config, tmp_path_factory.mktemp("gw"), workers=2) as gw:
        yield gw


@pytest.fixture(scope="module")
def plain_gateway(
    mock_provider: MockProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    """A gateway without retries or fallbacks: upstream failures reach the client as they are."""
    config = {
        "version": "v0.4.0",
        "listeners": [{"name": "llm", "type": "model", "address": "127.0.0.1"}],
        "model_providers": providers(mock_provider.base_url),
    }
    with start_gateway(config, tmp_path_factory.mktemp("plain")) as gw:
        yield gw


@pytest.fixture
def oai(gateway: Gateway) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{gateway.base_url}/v1", api_key="client-key-never-forwarded", max_retries=0
    )


@pytest.fixture
def claude(gateway: Gateway) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=gateway.base_url, api_key="client-key-never-forwarded", max_retries=0
    )


HELLO = [{"role": "user", "content": "hello there"}]


def test_openai_client_to_openai_provider(oai: openai.OpenAI, mock_provider: MockProvider) -> None:
    mock_provider.reset()
    raw = oai.chat.completions.with_raw_response.create(model="openai/gpt-4o-mini", messages=HELLO)
    completion = raw.parse()
    assert "hello there" in (completion.choices[0].message.content or "")
    assert raw.headers["x-plano-model"] == "openai/gpt-4o-mini"
    seen = mock_provider.last_request()
    assert seen["path"] == "/v1/chat/completions"
    assert seen["body"]["model"] == "gpt-4o-mini"
    assert seen["secrets"]["authorization"] == mock_provider.key_hash(KEYS["openai"])
    assert "client-key-never-forwarded" not in json.dumps(seen)


def test_openai_client_to_anthropic_provider_is_translated(
    oai: openai.OpenAI, mock_provider: MockProvider
) -> None:
    mock_provider.reset()
    completion = oai.chat.completions.create(
        model="anthropic/claude-sonnet-4-5",
        messages=[{"role": "system", "content": "be brief"}, *HELLO],
        max_tokens=50,
    )
    assert completion.object == "chat.completion"
    assert "hello there" in (completion.choices[0].message.content or "")
    assert completion.usage is not None
    assert completion.usage.total_tokens > 0
    seen = mock_provider.last_request()
    assert seen["path"] == "/v1/messages"
    assert seen["body"]["system"] == "be brief"
    assert seen["body"]["max_tokens"] == 50
    assert seen["secrets"]["x-api-key"] == mock_provider.key_hash(KEYS["anthropic"])
    assert seen["headers"]["anthropic-version"] == "2023-06-01"


def test_anthropic_client_to_anthropic_provider(
    claude: anthropic.Anthropic, mock_provider: MockProvider
) -> None:
    mock_provider.reset()
    message = claude.messages.create(model="smart", max_tokens=64, messages=HELLO)
    assert message.type == "message"
    assert "hello there" in message.content[0].text  # type: ignore[union-attr]
    assert mock_provider.last_request()["body"]["model"] == "claude-sonnet-4-5"


def test_anthropic_client_to_openai_provider_is_translated(
    claude: anthropic.Anthropic, mock_provider: MockProvider
) -> None:
    mock_provider.reset()
    message = claude.messages.create(model="fast", max_tokens=64, system="sys", messages=HELLO)
    assert message.role == "assistant"
    assert "hello there" in message.content[0].text  # type: ignore[union-attr]
    assert message.stop_reason == "end_turn"
    seen = mock_provider.last_request()
    assert seen["path"] == "/v1/chat/completions"
    assert seen["body"]["messages"][0] == {"role": "system", "content": "sys"}


def test_openai_client_to_bedrock_converse(oai: openai.OpenAI, mock_provider: MockProvider) -> None:
    mock_provider.reset()
    completion = oai.chat.completions.create(
        model="amazon_bedrock/us.amazon.nova-pro-v1:0", messages=HELLO
    )
    assert "hello there" in (completion.choices[0].message.content or "")
    assert completion.model  # a real model name, never "unknown"
    seen = mock_provider.last_request()
    assert unquote(seen["path"]) == "/model/us.amazon.nova-pro-v1:0/converse"
    assert seen["secrets"]["authorization"] == mock_provider.key_hash(KEYS["bedrock"])


def test_openai_client_to_gemini_native(oai: openai.OpenAI, mock_provider: MockProvider) -> None:
    mock_provider.reset()
    completion = oai.chat.completions.create(model="gemini-2.5-flash", messages=HELLO)
    assert "hello there" in (completion.choices[0].message.content or "")
    seen = mock_provider.last_request()
    assert seen["path"] == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert seen["secrets"]["x-goog-api-key"] == mock_provider.key_hash(KEYS["gemini"])


def test_gemini_client_surface(gateway: Gateway, mock_provider: MockProvider) -> None:
    mock_provider.reset()
    response = httpx.post(
        f"{gateway.base_url}/v1beta/models/gpt-4o-mini:generateContent",
        json={"contents": [{"role": "user", "parts": [{"text": "hello there"}]}]},
    )
    assert response.status_code == 200, response.text
    text = response.json()["candidates"][0]["content"]["parts"][0]["text"]
    assert "hello there" in text
    assert mock_provider.last_request()["path"] == "/v1/chat/completions"


def test_groq_and_azure_paths(oai: openai.OpenAI, mock_provider: MockProvider) -> None:
    mock_provider.reset()
    oai.chat.completions.create(model="groq/llama-3.3-70b", messages=HELLO)
    assert mock_provider.last_request()["path"] == "/openai/v1/chat/completions"
    oai.chat.completions.create(model="azure_openai/gpt-4o", messages=HELLO)
    seen = mock_provider.last_request()
    assert seen["path"] == "/openai/deployments/gpt-4o/chat/completions"
    assert seen["query"] == {"api-version": "2025-01-01-preview"}
    assert seen["secrets"]["api-key"] == mock_provider.key_hash(KEYS["azure"])


def test_wildcard_provider_passes_the_model_through(
    oai: openai.OpenAI, mock_provider: MockProvider
) -> None:
    mock_provider.reset()
    oai.chat.completions.create(model="mistral/mistral-large-latest", messages=HELLO)
    assert mock_provider.last_request()["body"]["model"] == "mistral-large-latest"


def test_unknown_model_is_400_listing_names_in_each_dialect(
    oai: openai.OpenAI, claude: anthropic.Anthropic
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        oai.chat.completions.create(model="nope-9000", messages=HELLO)
    assert "nope-9000" in str(caught.value)
    assert "openai/gpt-4o-mini" in str(caught.value)
    assert caught.value.code == "model_not_found"
    with pytest.raises(anthropic.BadRequestError) as caught_a:
        claude.messages.create(model="nope-9000", max_tokens=5, messages=HELLO)
    assert caught_a.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]


def test_malformed_json_and_wrong_types_are_400_naming_the_problem(gateway: Gateway) -> None:
    bad = httpx.post(
        f"{gateway.base_url}/v1/chat/completions",
        content=b'{"model": "fast", "messages": [',
        headers={"content-type": "application/json"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_json"
    schema = httpx.post(
        f"{gateway.base_url}/v1/chat/completions",
        json={
            "model": "fast",
            "messages": HELLO,
            "response_format": {"type": "json_schema", "json_schema": 5},
        },
    )
    assert schema.status_code == 400
    assert schema.json()["error"]["code"] == "invalid_request_error"  # a wrong type, not bad JSON
    assert "response_format.json_schema" in schema.json()["error"]["message"]
    wrong = httpx.post(
        f"{gateway.base_url}/v1/chat/completions", json={"model": "fast", "messages": "hi"}
    )
    assert wrong.status_code == 400
    assert "messages" in wrong.json()["error"]["message"]
    anthropic_wrong = httpx.post(
        f"{gateway.base_url}/v1/messages", json={"model": "fast", "messages": HELLO}
    )
    assert anthropic_wrong.status_code == 400
    assert anthropic_wrong.json()["type"] == "error"
    assert "max_tokens" in anthropic_wrong.json()["error"]["message"]


def test_oversized_body_is_413(gateway: Gateway) -> None:
    big = {"model": "fast", "messages": [{"role": "user", "content": "x" * 70_000}]}
    response = httpx.post(f"{gateway.base_url}/v1/chat/completions", json=big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_retries_then_succeeds(oai: openai.OpenAI, mock_provider: MockProvider) -> None:
    mock_provider.reset()
    raw = oai.chat.completions.with_raw_response.create(model="openai/flaky", messages=HELLO)
    assert raw.http_response.status_code == 200
    assert raw.headers["x-plano-model"] == "openai/flaky"
    assert [r["path"] for r in mock_provider.requests()] == ["/v1/chat/completions"] * 3


def test_fails_over_to_the_fallback_model(oai: openai.OpenAI, mock_provider: MockProvider) -> None:
    mock_provider.reset()
    raw = oai.chat.completions.with_raw_response.create(model="openai/down", messages=HELLO)
    assert raw.headers["x-plano-model"] == "anthropic/claude-sonnet-4-5"
    assert raw.headers["x-plano-failover-from"] == "openai/down"
    assert "hello there" in (raw.parse().choices[0].message.content or "")
    paths = [r["path"] for r in mock_provider.requests()]
    assert paths == ["/v1/chat/completions"] * 3 + ["/v1/messages"]


def test_upstream_error_keeps_status_in_the_clients_dialect(plain_gateway: Gateway) -> None:
    claude = anthropic.Anthropic(base_url=plain_gateway.base_url, api_key="x", max_retries=0)
    with pytest.raises(anthropic.InternalServerError) as caught:
        claude.messages.create(model="openai/down", max_tokens=5, messages=HELLO)
    assert caught.value.status_code == 503
    assert caught.value.body["type"] == "error"  # type: ignore[index]
    oai = openai.OpenAI(base_url=f"{plain_gateway.base_url}/v1", api_key="x", max_retries=0)
    with pytest.raises(openai.RateLimitError) as limited:
        oai.chat.completions.create(model="openai/throttled", messages=HELLO)
    assert limited.value.response.headers["retry-after"] == "30"


def test_unreachable_upstream_is_a_clean_error(tmp_path_factory: pytest.TempPathFactory) -> None:
    config = {
        "version": "v0.4.0",
        "listeners": [{"name": "llm", "type": "model", "address": "127.0.0.1"}],
        "model_providers": [
            {"model": "openai/gpt-4o", "base_url": "http://127.0.0.1:9", "access_key": "k"}
        ],
    }
    with start_gateway(config, tmp_path_factory.mktemp("dead")) as gw:
        response = httpx.post(
            f"{gw.base_url}/v1/messages",
            json={"model": "gpt-4o", "max_tokens": 5, "messages": HELLO},
        )
    assert response.status_code == 502
    assert response.json()["type"] == "error"
    assert "cannot connect" in response.json()["error"]["message"]


def test_models_list_and_cors_preflight(gateway: Gateway) -> None:
    listed = httpx.get(f"{gateway.base_url}/v1/models").json()
    ids = [m["id"] for m in listed["data"]]
    assert "openai/gpt-4o-mini" in ids
    assert "fast" in ids
    assert "mistral/*" not in ids
    preflight = httpx.options(f"{gateway.base_url}/v1/models")
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"


def test_tool_calls_cross_apis(oai: openai.OpenAI, mock_provider: MockProvider) -> None:
    tools = [
        {
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
    ]
    for model in (
        "openai/gpt-4o-mini",
        "anthropic/claude-sonnet-4-5",
        "amazon_bedrock/us.amazon.nova-pro-v1:0",
        "gemini/gemini-2.5-flash",
    ):
        completion = oai.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "please call get_weather"}],
            tools=tools,  # type: ignore[arg-type]
        )
        message = completion.choices[0].message
        assert message.tool_calls, model
        call = message.tool_calls[0]
        assert call.function.name == "get_weather", model  # type: ignore[union-attr]
        assert isinstance(json.loads(call.function.arguments), dict), model  # type: ignore[union-attr]
        assert completion.choices[0].finish_reason == "tool_calls", model
