"""Upstream API choice, paths and auth per provider (reference inventory §3.3-§3.5)."""

from __future__ import annotations

from typing import Any

import pytest

from plano.config import parse_config
from plano.config.model import ModelProvider
from plano.providers.upstream import build_target, client_credential, upstream_api
from plano.types import ClientApi


def provider(**fields: Any) -> ModelProvider:
    data = {
        "version": "v0.4.0",
        "listeners": [{"name": "llm", "type": "model", "port": 12000}],
        "model_providers": [fields],
    }
    return parse_config(data, {}, require_env=False, source="test").model_providers[0]


@pytest.mark.parametrize(
    ("interface", "client", "expected"),
    [
        ("openai", "openai-chat", "openai-chat"),
        ("openai", "anthropic-messages", "openai-chat"),
        ("openai", "openai-responses", "openai-responses"),
        ("xai", "openai-responses", "openai-responses"),
        ("groq", "openai-responses", "openai-chat"),
        ("anthropic", "openai-chat", "anthropic-messages"),
        ("anthropic", "openai-responses", "anthropic-messages"),
        ("amazon_bedrock", "anthropic-messages", "bedrock-converse"),
        ("gemini", "openai-chat", "gemini"),
        ("vercel", "anthropic-messages", "anthropic-messages"),
        ("mistral", "gemini", "openai-chat"),
    ],
)
def test_upstream_api_per_provider_and_client(
    interface: str, client: ClientApi, expected: str
) -> None:
    assert upstream_api(interface, client) == expected


@pytest.mark.parametrize(
    ("fields", "client", "streaming", "url"),
    [
        (
            {"model": "openai/gpt-4o"},
            "openai-chat",
            False,
            "https://api.openai.com/v1/chat/completions",
        ),
        (
            {"model": "groq/llama-3"},
            "anthropic-messages",
            False,
            "https://api.groq.com/openai/v1/chat/completions",
        ),
        (
            {"model": "anthropic/claude-x"},
            "openai-chat",
            True,
            "https://api.anthropic.com/v1/messages",
        ),
        (
            {"model": "openai/gpt-4o"},
            "openai-responses",
            False,
            "https://api.openai.com/v1/responses",
        ),
        (
            {"model": "gemini/gemini-2.5-flash"},
            "openai-chat",
            False,
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
        ),
        (
            {"model": "gemini/gemini-2.5-flash"},
            "openai-chat",
            True,
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        ),
        (
            {"model": "zhipu/glm-4"},
            "openai-chat",
            False,
            "https://open.bigmodel.cn/api/paas/v4/chat/completions",
        ),
        (
            {"model": "chatgpt/gpt-5"},
            "openai-responses",
            True,
            "https://chatgpt.com/backend-api/codex/responses",
        ),
        (
            {
                "model": "amazon_bedrock/us.amazon.nova-pro-v1:0",
                "base_url": "https://bedrock-runtime.us-east-1.amazonaws.com",
            },
            "openai-chat",
            False,
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.amazon.nova-pro-v1%3A0/converse",
        ),
        (
            {"model": "amazon_bedrock/anthropic.claude-3", "base_url": "http://127.0.0.1:9000"},
            "anthropic-messages",
            True,
            "http://127.0.0.1:9000/model/anthropic.claude-3/converse-stream",
        ),
        (
            {"model": "azure_openai/gpt-4o", "base_url": "https://x.openai.azure.com"},
            "openai-chat",
            False,
            "https://x.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2025-01-01-preview",
        ),
        (
            {"model": "ollama/llama3", "base_url": "http://127.0.0.1:11434"},
            "openai-chat",
            False,
            "http://127.0.0.1:11434/v1/chat/completions",
        ),
        (
            {"model": "openai/gpt-4o", "base_url": "http://127.0.0.1:8000/custom/v2"},
            "openai-chat",
            False,
            "http://127.0.0.1:8000/custom/v2/chat/completions",
        ),
        (
            {"model": "anthropic/claude-x", "base_url": "http://127.0.0.1:8000/proxy"},
            "anthropic-messages",
            False,
            "http://127.0.0.1:8000/proxy/messages",
        ),
        (
            {
                "model": "custom/llama",
                "base_url": "http://10.0.0.1:8000",
                "provider_interface": "openai",
            },
            "openai-chat",
            False,
            "http://10.0.0.1:8000/v1/chat/completions",
        ),
    ],
)
def test_upstream_url(fields: dict[str, Any], client: ClientApi, streaming: bool, url: str) -> None:
    fields.setdefault("access_key", "k")
    target = build_target(
        provider(**fields), provider(**fields).model_id, client, is_streaming=streaming
    )
    assert target.url == url


def headers_of(fields: dict[str, Any], client: ClientApi, sent: dict[str, str]) -> dict[str, str]:
    p = provider(**fields)
    target = build_target(p, p.model_id, client, is_streaming=False)
    return dict(target.headers(sent.get))


def test_anthropic_gets_x_api_key_and_version() -> None:
    headers = headers_of({"model": "anthropic/claude-x", "access_key": "sk-ant"}, "openai-chat", {})
    assert headers["x-api-key"] == "sk-ant"
    assert headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in headers


def test_openai_compatible_gets_bearer_and_client_credentials_never_leak() -> None:
    sent = {"authorization": "Bearer client-secret", "x-api-key": "client-2", "x-request-id": "r1"}
    headers = headers_of({"model": "groq/llama", "access_key": "gsk"}, "openai-chat", sent)
    assert headers["authorization"] == "Bearer gsk"
    assert "client-secret" not in str(headers)
    assert "client-2" not in str(headers)
    assert headers["x-request-id"] == "r1"


def test_azure_uses_api_key_header() -> None:
    fields = {
        "model": "azure_openai/gpt-4o",
        "base_url": "https://x.openai.azure.com",
        "access_key": "az",
    }
    headers = headers_of(fields, "openai-chat", {})
    assert headers["api-key"] == "az"


def test_gemini_native_uses_goog_api_key() -> None:
    headers = headers_of({"model": "gemini/gemini-2.5-flash", "access_key": "g"}, "openai-chat", {})
    assert headers["x-goog-api-key"] == "g"


def test_passthrough_forwards_the_client_credential_in_the_upstreams_shape() -> None:
    fields = {"model": "anthropic/claude-x", "passthrough_auth": True}
    headers = headers_of(fields, "openai-chat", {"authorization": "Bearer user-key"})
    assert headers["x-api-key"] == "user-key"
    assert "authorization" not in headers


def test_configured_headers_override_defaults() -> None:
    fields = {
        "model": "openai/gpt-4o",
        "access_key": "k",
        "headers": {"X-Team": "a", "Accept": "x/y"},
    }
    headers = headers_of(fields, "openai-chat", {})
    assert headers["x-team"] == "a"
    assert headers["accept"] == "x/y"


def test_feature_headers_pass_only_to_the_api_that_knows_them() -> None:
    sent = {"anthropic-beta": "prompt-caching-2024-07-31"}
    assert (
        headers_of({"model": "anthropic/c", "access_key": "k"}, "anthropic-messages", sent)[
            "anthropic-beta"
        ]
        == "prompt-caching-2024-07-31"
    )
    assert "anthropic-beta" not in headers_of(
        {"model": "openai/g", "access_key": "k"}, "anthropic-messages", sent
    )


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ({"authorization": "Bearer abc"}, "abc"),
        ({"authorization": "raw-token"}, "raw-token"),
        ({"x-api-key": "xyz"}, "xyz"),
        ({"authorization": "Bearer a", "x-api-key": "b"}, "a"),
        ({}, None),
    ],
)
def test_client_credential(sent: dict[str, str], expected: str | None) -> None:
    assert client_credential(sent.get) == expected
