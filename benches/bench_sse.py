"""SSE parsing: plano._core.SseParser against a straightforward pure-Python parser.

Inputs are the recorded streams in tests/fixtures/streams, repeated to ~0.5 MB, fed as one chunk
and cut into 64-byte chunks (a typical network read is far larger; 64 B stresses the buffering).
"""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from plano._core import SseEvent, SseParser

STREAMS = Path(__file__).parent.parent / "tests" / "fixtures" / "streams"
OPENAI = (STREAMS / "openai_chat.sse").read_bytes() * 100
ANTHROPIC = (STREAMS / "anthropic_messages.sse").read_bytes() * 200
LINE_END = re.compile(rb"\r\n|\r|\n")

Event = tuple[str | None, str, str | None, int | None]


class PyParser:
    """The WHATWG algorithm, line by line, with the same semantics as SseParser."""

    def __init__(self) -> None:
        self.buf = b""
        self.started = False
        self.event, self.data = "", ""
        self.last_id: str | None = None
        self.retry: int | None = None
        self.has_data = False
        self.skip_lf = False

    def feed(self, chunk: bytes) -> list[Event]:
        if self.skip_lf and chunk:
            chunk = chunk.removeprefix(b"\n")  # the LF of a CRLF split across chunks
            self.skip_lf = False
        self.buf += chunk
        if not self.started:
            if len(self.buf) < 3 and b"\xef\xbb\xbf".startswith(self.buf):
                return []
            self.started = True
            self.buf = self.buf.removeprefix(b"\xef\xbb\xbf")
        events: list[Event] = []
        pos = 0
        for m in LINE_END.finditer(self.buf):
            self.skip_lf = m.group() == b"\r" and m.end() == len(self.buf)
            self.line(self.buf[pos : m.start()].decode("utf-8", "replace"), events)
            pos = m.end()
        self.buf = self.buf[pos:]
        return events

    def line(self, line: str, events: list[Event]) -> None:
        if not line:
            if self.has_data:
                events.append((self.event or None, self.data[:-1], self.last_id, self.retry))
                self.retry = None
            self.event, self.data, self.has_data = "", "", False
            return
        if line.startswith(":"):
            return
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self.data += value + "\n"
            self.has_data = True
        elif name == "event":
            self.event = value
        elif name == "id" and "\0" not in value:
            self.last_id = value or None
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry = int(value)


def chunks_of(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def parse_core(chunks: list[bytes]) -> list[SseEvent]:
    parser = SseParser()
    return [e for c in chunks for e in parser.feed(c)]


def parse_python(chunks: list[bytes]) -> list[Event]:
    parser = PyParser()
    return [e for c in chunks for e in parser.feed(c)]


def run_core(chunks: list[bytes]) -> list[Event]:
    return [(e.event, e.data, e.id, e.retry) for e in parse_core(chunks)]


INPUTS = {
    "openai-1chunk": [OPENAI],
    "openai-64B": chunks_of(OPENAI, 64),
    "anthropic-1chunk": [ANTHROPIC],
    "anthropic-64B": chunks_of(ANTHROPIC, 64),
}
IMPLS: dict[str, Callable[[list[bytes]], list[SseEvent] | list[Event]]] = {
    "core": parse_core,
    "python": parse_python,
}


@pytest.mark.parametrize("name", INPUTS)
def test_reference_agrees(name: str) -> None:
    chunks = INPUTS[name]
    assert run_core(chunks) == parse_python(chunks) == run_core([b"".join(chunks)])
    assert run_core([OPENAI.replace(b"\n", b"\r\n")]) == parse_python(
        [OPENAI.replace(b"\n", b"\r")]
    )


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", INPUTS)
def test_parse(benchmark: BenchmarkFixture, name: str, impl: str) -> None:
    chunks = INPUTS[name]
    benchmark.extra_info["bytes"] = sum(map(len, chunks))
    benchmark.group = f"sse {name}"
    # Both sides produce event objects (SseEvent vs tuples) and nothing more is timed.
    events = benchmark(IMPLS[impl], chunks)
    assert events
