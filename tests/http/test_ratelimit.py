"""Token rate limits through a real `plano run`: per user and exact, in-process with one worker
and shared by every worker (one limiter process) with two."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx
import pytest

from tests.http.conftest import MockProvider
from tests.http.gateway import Gateway, start_gateway

PROMPT = "count these words for the rate limiter please now"  # ~10 tokens of input


@pytest.fixture(scope="module", params=[1, 2], ids=["one-worker-local", "two-workers-shared"])
def gateway(
    request: pytest.FixtureRequest,
    mock_provider: MockProvider,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Gateway]:
    config = {
        "version": "v0.4.0",
        "listeners": [{"name": "llm", "type": "model", "address": "127.0.0.1"}],
        "model_providers": [
            {"model": "openai/gpt-4o-mini", "base_url": mock_provider.base_url, "access_key": "k"}
        ],
        "ratelimits": [
            {
                "model": "openai/gpt-4o-mini",
                "selector": {"key": "x-user-id", "value": "*"},
                "limit": {"tokens": 100, "unit": "hour"},
            },
            {
                "model": "gpt-4o-mini",
                "selector": {"key": "x-team", "value": "tiny"},
                "limit": {"tokens": 5, "unit": "day"},
            },
        ],
    }
    with start_gateway(config, tmp_path_factory.mktemp("rl"), workers=request.param) as gw:
        yield gw


def ask(
    gateway: Gateway, headers: dict[str, str], path: str = "/v1/chat/completions"
) -> httpx.Response:
    body: dict[str, object] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": PROMPT}],
    }
    if path == "/v1/messages":
        body["max_tokens"] = 20
    # A fresh connection per request, so both workers serve some of them.
    with httpx.Client() as client:
        return client.post(f"{gateway.base_url}{path}", json=body, headers=headers)


def test_limit_is_per_user_and_shared_across_workers(gateway: Gateway) -> None:
    statuses = [ask(gateway, {"x-user-id": "alice"}).status_code for _ in range(20)]
    admitted = statuses.count(200)
    # ~10 input tokens taken before each request and 16 output tokens charged after it: a
    # limiter shared by both workers admits at most 100 / 10 = 10 (far fewer with the output
    # charges); two private limiters would admit up to twice that.
    assert 1 <= admitted <= 10
    assert statuses[admitted:] == [429] * (20 - admitted)
    assert ask(gateway, {"x-user-id": "bob"}).status_code == 200


def test_429_carries_retry_after_in_the_clients_dialect(gateway: Gateway) -> None:
    for _ in range(30):
        response = ask(gateway, {"x-user-id": "carol"})
        if response.status_code == 429:
            break
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert "x-user-id=carol" in response.json()["error"]["message"]
    assert int(response.headers["retry-after"]) >= 1
    claude = anthropic.Anthropic(
        base_url=gateway.base_url,
        api_key="x",
        max_retries=0,
        default_headers={"x-user-id": "carol"},
    )
    with pytest.raises(anthropic.RateLimitError) as caught:
        claude.messages.create(
            model="gpt-4o-mini", max_tokens=5, messages=[{"role": "user", "content": PROMPT}]
        )
    assert caught.value.body["type"] == "error"  # type: ignore[index]


def test_request_larger_than_the_whole_limit_is_refused_without_retry_after(
    gateway: Gateway,
) -> None:
    response = ask(gateway, {"x-team": "tiny"})
    assert response.status_code == 429
    assert "retry-after" not in response.headers
    assert "exceed the limit of 5 per day" in response.json()["error"]["message"]


def test_requests_without_the_selector_header_are_not_limited(gateway: Gateway) -> None:
    assert all(ask(gateway, {}).status_code == 200 for _ in range(15))
