"""`GET /__mock/requests`: what arrived, with credentials masked but identifiable by hash."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from tests.http.conftest import MockProvider

SECRET = "sk-live-abcdefghijklmnopqrstuvwxyz-123456"
OTHER_SECRET = "sk-ant-api03-ZYXWVUTSRQPONMLKJIHG-987654"
CHAT: Any = {"model": "rec-model", "messages": [{"role": "user", "content": "record me"}]}


def test_request_is_recorded_with_masked_secrets(mock_provider: MockProvider) -> None:
    mock_provider.reset()
    httpx.post(
        f"{mock_provider.base_url}/v1/chat/completions?trace=1",
        json=CHAT,
        headers={
            "authorization": f"Bearer {SECRET}",
            "x-api-key": OTHER_SECRET,
            "x-custom": "visible",
        },
        timeout=5.0,
    ).raise_for_status()
    raw = httpx.get(f"{mock_provider.base_url}/__mock/requests", timeout=5.0).text
    assert SECRET not in raw
    assert OTHER_SECRET not in raw
    [entry] = mock_provider.requests()
    assert entry["method"] == "POST"
    assert entry["path"] == "/v1/chat/completions"
    assert entry["query"] == {"trace": "1"}
    assert entry["body"] == CHAT
    headers = entry["headers"]
    assert headers["authorization"] == "Bearer ****3456"
    assert headers["x-api-key"] == "****7654"
    assert headers["x-custom"] == "visible"
    assert entry["secrets"] == {
        "authorization": mock_provider.key_hash(SECRET),
        "x-api-key": mock_provider.key_hash(OTHER_SECRET),
    }


def test_query_string_keys_are_masked(mock_provider: MockProvider) -> None:
    mock_provider.reset()
    key = "AIzaSyTESTKEY0123456789abcdef"
    httpx.post(
        f"{mock_provider.base_url}/v1/chat/completions?key={key}", json=CHAT, timeout=5.0
    ).raise_for_status()
    raw = httpx.get(f"{mock_provider.base_url}/__mock/requests", timeout=5.0).text
    assert key not in raw
    [entry] = mock_provider.requests()
    assert entry["query"]["key"] == "****cdef"
    assert entry["secrets"]["query:key"] == mock_provider.key_hash(key)


def test_short_secrets_show_no_characters(mock_provider: MockProvider) -> None:
    mock_provider.reset()
    httpx.post(
        f"{mock_provider.base_url}/v1/messages",
        json={"model": "c", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
        headers={"x-api-key": "short"},
        timeout=5.0,
    ).raise_for_status()
    [entry] = mock_provider.requests()
    assert entry["headers"]["x-api-key"] == "****"
    assert entry["secrets"]["x-api-key"] == mock_provider.key_hash("short")


def test_log_is_newest_last_and_clearable(mock_provider: MockProvider) -> None:
    mock_provider.reset()
    for n in range(3):
        body = {**CHAT, "messages": [{"role": "user", "content": f"n{n}"}]}
        httpx.post(f"{mock_provider.base_url}/v1/chat/completions", json=body, timeout=5.0)
    texts = [e["body"]["messages"][0]["content"] for e in mock_provider.requests()]
    assert texts == ["n0", "n1", "n2"]
    mock_provider.reset()
    assert mock_provider.requests() == []


def test_record_limit_keeps_the_newest(start_mock: Any) -> None:
    mock = start_mock("--record-limit", "2")
    for n in range(4):
        body = {**CHAT, "messages": [{"role": "user", "content": f"n{n}"}]}
        httpx.post(f"{mock.base_url}/v1/chat/completions", json=body, timeout=5.0)
    texts = [e["body"]["messages"][0]["content"] for e in mock.requests()]
    assert texts == ["n2", "n3"]


def test_non_json_body_is_recorded_as_text(mock_provider: MockProvider) -> None:
    mock_provider.reset()
    httpx.post(f"{mock_provider.base_url}/v1/chat/completions", content=b"not json", timeout=5.0)
    [entry] = mock_provider.requests()
    assert entry["body"] == "not json"
