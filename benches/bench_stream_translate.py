"""Streaming translation cost per network chunk (one upstream event per chunk, as providers send).

Each pair is first checked against a short, straightforward pure-Python translator (same text,
tool calls and stop reason), then both are timed on the same long recorded-shape stream.
`benchmark.extra_info["us_per_chunk"]` holds the per-chunk figure (`make bench`); for a quick
table of µs/chunk and ratios run `PYTHONPATH=. python benches/bench_stream_translate.py`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from tests.core.stream_checks import check_anthropic, check_chat, check_responses

from plano._core import StreamTranslator, encode_event_stream_frame

WORDS = ["Hello", " there", ",", " how", " can", " I", " help", " you", " today", "?\n"]
N_DELTAS = 300
NOW_S = 1_750_000_000.0


def anthropic_stream() -> list[bytes]:
    def ev(o: dict[str, Any]) -> bytes:
        return f"event: {o['type']}\ndata: {json.dumps(o)}\n\n".encode()

    msg = {"id": "msg_01Bench", "type": "message", "role": "assistant", "content": [],
           "model": "claude-sonnet-4-5", "stop_reason": None, "stop_sequence": None,
           "usage": {"input_tokens": 100, "output_tokens": 1}}  # fmt: skip
    chunks = [ev({"type": "message_start", "message": msg})]
    chunks.append(ev({"type": "content_block_start", "index": 0,
                      "content_block": {"type": "text", "text": ""}}))  # fmt: skip
    for i in range(N_DELTAS):
        delta = {"type": "text_delta", "text": WORDS[i % len(WORDS)]}
        chunks.append(ev({"type": "content_block_delta", "index": 0, "delta": delta}))
    chunks.append(ev({"type": "content_block_stop", "index": 0}))
    chunks.append(ev({"type": "message_delta", "delta": {"stop_reason": "end_turn",
                      "stop_sequence": None}, "usage": {"output_tokens": N_DELTAS}}))  # fmt: skip
    chunks.append(ev({"type": "message_stop"}))
    return chunks


def chat_stream() -> list[bytes]:
    def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> bytes:
        choices = [] if delta is None else [
            {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]  # fmt: skip
        o = {"id": "chatcmpl-Bench", "object": "chat.completion.chunk", "created": 1,
             "model": "gpt-4o", "system_fingerprint": "fp_x", "choices": choices, "usage": None,
             **extra}  # fmt: skip
        return f"data: {json.dumps(o)}\n\n".encode()

    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": WORDS[i % len(WORDS)]}) for i in range(N_DELTAS)]
    chunks.append(chunk({}, "stop"))
    usage = {"prompt_tokens": 100, "completion_tokens": N_DELTAS, "total_tokens": 100 + N_DELTAS}
    chunks.append(chunk(None, usage=usage))
    chunks.append(b"data: [DONE]\n\n")
    return chunks


def bedrock_stream() -> list[bytes]:
    def frame(event_type: str, payload: dict[str, Any]) -> bytes:
        headers = {":event-type": event_type, ":content-type": "application/json",
                   ":message-type": "event"}  # fmt: skip
        return encode_event_stream_frame(headers, json.dumps({**payload, "p": "abcd"}).encode())

    chunks = [frame("messageStart", {"role": "assistant"})]
    chunks += [
        frame(
            "contentBlockDelta", {"delta": {"text": WORDS[i % len(WORDS)]}, "contentBlockIndex": 0}
        )
        for i in range(N_DELTAS)
    ]
    chunks.append(frame("contentBlockStop", {"contentBlockIndex": 0}))
    chunks.append(frame("messageStop", {"stopReason": "end_turn"}))
    chunks.append(frame("metadata", {"usage": {"inputTokens": 100, "outputTokens": N_DELTAS}}))
    return chunks


def sse_data(chunk: bytes) -> list[str]:
    return [ln[6:] for ln in chunk.decode().split("\n") if ln.startswith("data: ")]


class PyAnthropicToChat:
    """Straightforward pure-Python anthropic→chat translator the native one is checked against."""

    def __init__(self) -> None:
        self.id = self.model = ""
        self.tools: list[int] = []

    def chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        o = {"id": self.id, "object": "chat.completion.chunk", "created": int(NOW_S),
             "model": self.model, "choices": [{"index": 0, "delta": delta, "logprobs": None,
             "finish_reason": finish}]}  # fmt: skip
        return b"data: " + json.dumps(o, separators=(",", ":")).encode() + b"\n\n"

    def feed(self, chunk: bytes) -> bytes:
        out = b""
        for data in sse_data(chunk):
            ev = json.loads(data)
            t = ev["type"]
            if t == "message_start":
                self.id = "chatcmpl-" + ev["message"]["id"].removeprefix("msg_")
                self.model = ev["message"]["model"]
                out += self.chunk({"role": "assistant", "content": ""})
            elif t == "content_block_delta" and ev["delta"]["type"] == "text_delta":
                out += self.chunk({"content": ev["delta"]["text"]})
            elif t == "message_delta":
                stop = ev["delta"]["stop_reason"]
                out += self.chunk({}, {"tool_use": "tool_calls", "max_tokens": "length"}.get(
                    stop, "stop"))  # fmt: skip
            elif t == "message_stop":
                out += b"data: [DONE]\n\n"
        return out

    def finish(self) -> bytes:
        return b""


class PyChatToAnthropic:
    """The straightforward pure-Python chat→anthropic translator (text only)."""

    def __init__(self) -> None:
        self.started = self.block = False
        self.stop = "end_turn"

    @staticmethod
    def ev(o: dict[str, Any]) -> bytes:
        return f"event: {o['type']}\ndata: {json.dumps(o, separators=(',', ':'))}\n\n".encode()

    def feed(self, chunk: bytes) -> bytes:
        out = b""
        for data in sse_data(chunk):
            if data == "[DONE]":
                if self.block:
                    out += self.ev({"type": "content_block_stop", "index": 0})
                out += self.ev({"type": "message_delta", "delta": {"stop_reason": self.stop,
                                "stop_sequence": None}, "usage": {"output_tokens": 0}})  # fmt: skip
                out += self.ev({"type": "message_stop"})
                continue
            c = json.loads(data)
            if not self.started:
                self.started = True
                msg = {"id": "msg_" + c["id"].removeprefix("chatcmpl-"), "type": "message",
                       "role": "assistant", "model": c["model"], "content": [],
                       "stop_reason": None, "stop_sequence": None,
                       "usage": {"input_tokens": 0, "output_tokens": 0}}  # fmt: skip
                out += self.ev({"type": "message_start", "message": msg})
            for ch in c["choices"]:
                text = ch["delta"].get("content")
                if text:
                    if not self.block:
                        self.block = True
                        out += self.ev({"type": "content_block_start", "index": 0,
                                        "content_block": {"type": "text", "text": ""}})  # fmt: skip
                    out += self.ev({"type": "content_block_delta", "index": 0,
                                    "delta": {"type": "text_delta", "text": text}})  # fmt: skip
                if ch["finish_reason"] == "length":
                    self.stop = "max_tokens"
        return out

    def finish(self) -> bytes:
        return b""


class PyPassthroughChat:
    """Pure-Python passthrough observer: forwards bytes, parses only usage/finish lines."""

    def __init__(self) -> None:
        self.usage: Any = None
        self.stop: Any = None

    def feed(self, chunk: bytes) -> bytes:
        for data in sse_data(chunk):
            if '"usage":{' in data or '"finish_reason":"' in data:
                c = json.loads(data)
                self.usage = c.get("usage") or self.usage
                for ch in c["choices"]:
                    self.stop = ch["finish_reason"] or self.stop
        return chunk

    def finish(self) -> bytes:
        return b""


def run(translator: Any, chunks: list[bytes]) -> bytes:
    return b"".join(translator.feed(c) for c in chunks) + translator.finish()


def native(upstream: str, client: str) -> Callable[[], StreamTranslator]:
    return lambda: StreamTranslator(upstream=upstream, client=client, model="m", now_s=NOW_S)


Case = tuple[Callable[[], Any], Callable[[], list[bytes]], Callable[[bytes], Any] | None, Any]
CASES: dict[str, Case] = {
    "anthropic->chat": (native("anthropic-messages", "openai-chat"), anthropic_stream, check_chat,
                        PyAnthropicToChat),
    "chat->anthropic": (native("openai-chat", "anthropic-messages"), chat_stream, check_anthropic,
                        PyChatToAnthropic),
    "bedrock->chat": (native("bedrock-converse", "openai-chat"), bedrock_stream, check_chat, None),
    "chat->responses": (native("openai-chat", "openai-responses"), chat_stream, check_responses,
                        None),
    "passthrough chat": (native("openai-chat", "openai-chat"), chat_stream, None,
                         PyPassthroughChat),
    "passthrough anthropic": (native("anthropic-messages", "anthropic-messages"),
                              anthropic_stream, None, None),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_native_matches_reference(case: str) -> None:
    make, stream, check, reference = CASES[case]
    chunks = stream()
    out = run(make(), chunks)
    if check is None:
        assert out == b"".join(chunks)
        return
    got = check(out)
    assert got.text == "".join(WORDS[i % len(WORDS)] for i in range(N_DELTAS))
    if reference is not None:
        want = check(run(reference(), chunks))
        assert got.content() == want.content()
        assert (got.stop or "stop") == (want.stop or "stop")


@pytest.mark.parametrize("case", list(CASES))
def test_bench_native(benchmark: Any, case: str) -> None:
    make, stream, _, _ = CASES[case]
    chunks = stream()
    benchmark(lambda: run(make(), chunks))
    if benchmark.stats is not None:
        benchmark.extra_info["us_per_chunk"] = benchmark.stats.stats.mean / len(chunks) * 1e6


@pytest.mark.parametrize("case", [c for c, v in CASES.items() if v[3] is not None])
def test_bench_python_reference(benchmark: Any, case: str) -> None:
    _, stream, _, reference = CASES[case]
    chunks = stream()
    benchmark(lambda: run(reference(), chunks))
    if benchmark.stats is not None:
        benchmark.extra_info["us_per_chunk"] = benchmark.stats.stats.mean / len(chunks) * 1e6


def per_chunk_us(make: Callable[[], Any], chunks: list[bytes], rounds: int = 30) -> float:
    """Best-of-`rounds` microseconds per chunk (for the README table; not a test)."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        run(make(), chunks)
        best = min(best, time.perf_counter() - t0)
    return best / len(chunks) * 1e6


if __name__ == "__main__":
    for name, (make, stream, _, reference) in CASES.items():
        chunks = stream()
        us = per_chunk_us(make, chunks)
        line = f"{name:24s} native {us:6.2f} us/chunk"
        if reference is not None:
            py = per_chunk_us(reference, chunks)
            line += f"   python {py:6.2f} us/chunk   ratio {py / us:5.1f}x"
        print(line)
