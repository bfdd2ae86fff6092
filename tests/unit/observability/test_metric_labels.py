"""Only short, non-credential names become metric label values."""

from __future__ import annotations

import pytest

from plano.observability.metric_labels import label_value, looks_like_secret, status_class


@pytest.mark.parametrize(
    ("status", "expected"),
    [(101, "1xx"), (200, "2xx"), (304, "3xx"), (404, "4xx"), (503, "5xx"), (0, "other"),
     (None, "other"), (600, "other")],
)  # fmt: skip
def test_status_class(status: int | None, expected: str) -> None:
    assert status_class(status) == expected


@pytest.mark.parametrize(
    "name",
    [
        "gpt-4o-mini-2024-07-18",
        "claude-3-5-sonnet-20241022",
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "accounts/fireworks/models/llama-v3p1-405b-instruct",
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "gemini-2.0-flash",
        "Qwen/Qwen2.5-Coder-32B-Instruct",
        "deepseek-reasoner",
        "azure_openai",
    ],
)
def test_model_and_provider_names_are_kept(name: str) -> None:
    assert not looks_like_secret(name)
    assert label_value(name) == name


def test_label_values_are_never_empty_or_long() -> None:
    assert label_value("  ") == "unknown"
    assert len(label_value("m" * 1000)) == 128
