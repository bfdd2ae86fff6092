"""Properties of `plano mock` replies over arbitrary user text, checked on the wire."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from tests.http.conftest import MockProvider

USER_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=120)


def chat(mock: MockProvider, text: str, headers: dict[str, str], stream: bool = False) -> Any:
    body = {"model": "p", "stream": stream, "messages": [{"role": "user", "content": text}]}
    response = httpx.post(
        f"{mock.base_url}/v1/chat/completions", json=body, headers=headers, timeout=10.0
    )
    assert response.status_code == 200
    return response


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=USER_TEXT, size=st.integers(1, 3000), tokens=st.integers(1, 40))
@example(text="\x85", size=17, tokens=1)  # NEL: a line break for str.splitlines, not for SSE
def test_size_is_exact_and_the_stream_matches(
    mock_provider: MockProvider, text: str, size: int, tokens: int
) -> None:
    headers = {"x-mock-size-bytes": str(size), "x-mock-tokens": str(tokens)}
    content = chat(mock_provider, text, headers).json()["choices"][0]["message"]["content"]
    assert len(content.encode()) == size
    echo = "mock reply to: " + text[:64]
    assert content.startswith(echo) or echo.startswith(content.rstrip(" "))
    streamed = chat(mock_provider, text, headers, stream=True).text
    pieces = [
        httpx.Response(200, content=line[6:]).json()["choices"][0]["delta"].get("content") or ""
        # SSE lines end at CR, LF or CRLF only: str.splitlines() would also break on U+0085,
        # U+2028 … which JSON strings may carry raw.
        for line in streamed.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if line.startswith("data: {") and '"choices":[{' in line
    ]
    assert "".join(pieces) == content


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=USER_TEXT, tokens=st.integers(1, 64))
def test_reply_is_deterministic_and_echoes(
    mock_provider: MockProvider, text: str, tokens: int
) -> None:
    headers = {"x-mock-tokens": str(tokens)}
    first = chat(mock_provider, text, headers).json()
    second = chat(mock_provider, text, headers).json()
    content = first["choices"][0]["message"]["content"]
    assert content == second["choices"][0]["message"]["content"]
    assert first["id"] != second["id"]
    assert content.startswith("mock reply to: " + text[:64])
    assert first["usage"]["completion_tokens"] == tokens
