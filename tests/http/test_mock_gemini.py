"""`plano mock` speaks Gemini generateContent and streamGenerateContent (SSE and JSON array)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from tests.http.conftest import MockProvider

MODEL = "gemini-2.5-flash"
TOOLS: Any = [
    {
        "functionDeclarations": [
            {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {
                    "type": "OBJECT",
                    "properties": {"city": {"type": "STRING"}, "days": {"type": "INTEGER"}},
                },
            }
        ]
    }
]


def generate(
    mock: MockProvider, text: str, *, method: str, query: str = "", **extra: Any
) -> httpx.Response:
    headers = extra.pop("headers", {})
    body = {"contents": [{"role": "user", "parts": [{"text": text}]}], **extra}
    url = f"{mock.base_url}/v1beta/models/{MODEL}:{method}{query}"
    return httpx.post(
        url, json=body, headers={"x-goog-api-key": "AIza-test", **headers}, timeout=10.0
    )


def sse_chunks(response: httpx.Response) -> list[Any]:
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [e for e in response.text.split("\r\n\r\n") if e]
    assert all(e.startswith("data: ") for e in events)
    return [json.loads(e[6:]) for e in events]


def test_generate_content(mock_provider: MockProvider) -> None:
    body = generate(mock_provider, "hello gemini", method="generateContent").json()
    [candidate] = body["candidates"]
    assert candidate["finishReason"] == "STOP"
    assert candidate["content"]["role"] == "model"
    assert candidate["content"]["parts"][0]["text"].startswith("mock reply to: hello gemini")
    usage = body["usageMetadata"]
    assert usage["candidatesTokenCount"] == 16
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + 16
    assert body["modelVersion"] == MODEL
    assert body["responseId"]


def test_stream_sse(mock_provider: MockProvider) -> None:
    whole = generate(mock_provider, "stream gemini", method="generateContent").json()
    response = generate(
        mock_provider, "stream gemini", method="streamGenerateContent", query="?alt=sse"
    )
    chunks = sse_chunks(response)
    assert len(chunks) == 16
    text = "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks)
    assert text == whole["candidates"][0]["content"]["parts"][0]["text"]
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert "usageMetadata" in chunks[-1]
    assert all("finishReason" not in c["candidates"][0] for c in chunks[:-1])


def test_stream_without_alt_sse_is_a_json_array(mock_provider: MockProvider) -> None:
    response = generate(mock_provider, "array", method="streamGenerateContent")
    assert response.headers["content-type"].startswith("application/json")
    chunks = response.json()
    assert isinstance(chunks, list)
    assert len(chunks) == 16
    assert chunks[0]["candidates"][0]["content"]["parts"][0]["text"] == "mock reply to: array"


def test_function_call(mock_provider: MockProvider) -> None:
    body = generate(mock_provider, "call get_weather", method="generateContent", tools=TOOLS).json()
    part = body["candidates"][0]["content"]["parts"][0]
    assert part["functionCall"] == {"name": "get_weather", "args": {"city": "mock-city", "days": 1}}
    chunks = sse_chunks(
        generate(
            mock_provider,
            "call get_weather",
            method="streamGenerateContent",
            query="?alt=sse",
            tools=TOOLS,
        )
    )
    assert chunks[-1]["candidates"][0]["content"]["parts"][0]["functionCall"]["name"] == (
        "get_weather"
    )


def test_thoughts_when_asked(mock_provider: MockProvider) -> None:
    body = generate(
        mock_provider, "think", method="generateContent", headers={"x-mock-reasoning": "1"}
    ).json()
    thought, answer = body["candidates"][0]["content"]["parts"]
    assert thought["thought"] is True
    assert thought["text"].startswith("mock reasoning about: think")
    assert "thought" not in answer
    assert body["usageMetadata"]["thoughtsTokenCount"] == 8


def test_malformed_sse_chunk(mock_provider: MockProvider) -> None:
    response = generate(
        mock_provider,
        "bad",
        method="streamGenerateContent",
        query="?alt=sse",
        headers={"x-mock-malformed-chunk": "2"},
    )
    events = [e for e in response.text.split("\r\n\r\n") if e]
    json.loads(events[0][6:])
    with pytest.raises(json.JSONDecodeError):
        json.loads(events[1][6:])


def test_api_key_in_query_is_masked(mock_provider: MockProvider) -> None:
    key = "AIzaSyQUERYKEY-0123456789"
    generate(mock_provider, "q", method="generateContent", query=f"?key={key}")
    raw = httpx.get(f"{mock_provider.base_url}/__mock/requests", timeout=5.0).text
    assert key not in raw
    entry = mock_provider.last_request()
    assert entry["secrets"]["query:key"] == mock_provider.key_hash(key)
    assert entry["headers"]["x-goog-api-key"] == "****"


@pytest.mark.parametrize(("status", "name"), [(429, "RESOURCE_EXHAUSTED"), (503, "UNAVAILABLE")])
def test_errors_have_google_shape(mock_provider: MockProvider, status: int, name: str) -> None:
    headers = {
        "x-mock-fail-status": str(status),
        "x-mock-fail-count": "1",
        "x-mock-fail-key": f"gm-{status}",
    }
    response = generate(mock_provider, "x", method="generateContent", headers=headers)
    assert response.status_code == status
    assert response.json() == {
        "error": {"code": status, "message": response.json()["error"]["message"], "status": name}
    }


def test_in_stream_error(mock_provider: MockProvider) -> None:
    headers = {"x-mock-stream-error-after": "2"}
    chunks = sse_chunks(
        generate(
            mock_provider, "e", method="streamGenerateContent", query="?alt=sse", headers=headers
        )
    )
    assert len(chunks) == 3
    assert chunks[-1]["error"]["status"] == "UNAVAILABLE"
    array = generate(mock_provider, "e", method="streamGenerateContent", headers=headers).json()
    assert len(array) == 3
    assert array[-1]["error"]["code"] == 503
