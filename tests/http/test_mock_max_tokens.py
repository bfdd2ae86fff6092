"""A request's output cap cuts the reply and ends it for length, in each API's own words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from tests.http.conftest import MockProvider

USER: Any = [{"role": "user", "content": "cap me"}]


def post(mock: MockProvider, path: str, body: Any) -> httpx.Response:
    response = httpx.post(f"{mock.base_url}{path}", json=body, timeout=10.0)
    assert response.status_code == 200
    return response


def test_chat_max_tokens_ends_with_length(mock_provider: MockProvider) -> None:
    body = post(
        mock_provider, "/v1/chat/completions", {"model": "m", "messages": USER, "max_tokens": 4}
    ).json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 4
    capped = post(
        mock_provider,
        "/v1/chat/completions",
        {"model": "m", "messages": USER, "max_completion_tokens": 3, "stream": True},
    )
    assert '"finish_reason":"length"' in capped.text
    roomy = post(
        mock_provider, "/v1/chat/completions", {"model": "m", "messages": USER, "max_tokens": 100}
    ).json()
    assert roomy["choices"][0]["finish_reason"] == "stop"
    assert roomy["usage"]["completion_tokens"] == 16


def test_anthropic_max_tokens_stop_reason(mock_provider: MockProvider) -> None:
    body = post(
        mock_provider, "/v1/messages", {"model": "c", "max_tokens": 2, "messages": USER}
    ).json()
    assert body["stop_reason"] == "max_tokens"
    assert body["usage"]["output_tokens"] == 2
    streamed = post(
        mock_provider,
        "/v1/messages",
        {"model": "c", "max_tokens": 2, "messages": USER, "stream": True},
    ).text
    assert '"stop_reason":"max_tokens"' in streamed


def test_responses_incomplete(mock_provider: MockProvider) -> None:
    body = post(
        mock_provider, "/v1/responses", {"model": "g", "input": "cap me", "max_output_tokens": 3}
    ).json()
    assert body["status"] == "incomplete"
    assert body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert body["output"][0]["status"] == "incomplete"
    streamed = post(
        mock_provider,
        "/v1/responses",
        {"model": "g", "input": "cap me", "max_output_tokens": 3, "stream": True},
    )
    assert "event: response.incomplete\n" in streamed.text
    assert "event: response.completed\n" not in streamed.text


def test_bedrock_and_gemini_max_tokens(mock_provider: MockProvider) -> None:
    bedrock = post(
        mock_provider,
        "/model/m/converse",
        {
            "messages": [{"role": "user", "content": [{"text": "cap"}]}],
            "inferenceConfig": {"maxTokens": 3},
        },
    ).json()
    assert bedrock["stopReason"] == "max_tokens"
    assert bedrock["usage"]["outputTokens"] == 3
    gemini = post(
        mock_provider,
        "/v1beta/models/g:generateContent",
        {
            "contents": [{"role": "user", "parts": [{"text": "cap"}]}],
            "generationConfig": {"maxOutputTokens": 3},
        },
    ).json()
    assert gemini["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert gemini["usageMetadata"]["candidatesTokenCount"] == 3
