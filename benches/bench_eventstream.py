"""AWS event-stream decoding: plano._core.EventStreamDecoder against a pure-Python decoder.

Inputs are the recorded Bedrock ConverseStream captures in tests/fixtures/streams, repeated to
~0.5 MB, fed as one chunk and cut into 64-byte chunks.
"""

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from plano._core import EventStreamDecoder

STREAMS = Path(__file__).parent.parent / "tests" / "fixtures" / "streams"
TEXT = (STREAMS / "bedrock_converse_text.eventstream").read_bytes() * 64
TOOLS = (STREAMS / "bedrock_converse_tool_use.eventstream").read_bytes() * 200

Headers = dict[str, bool | int | str | bytes]
Frame = tuple[Headers, bytes]
FIXED = {2: ">b", 3: ">h", 4: ">i", 5: ">q", 8: ">q"}


class PyDecoder:
    """Buffer, check both CRCs, parse headers: the same wire rules as EventStreamDecoder."""

    def __init__(self) -> None:
        self.buf = b""

    def feed(self, chunk: bytes) -> list[Frame]:
        self.buf += chunk
        frames, pos = [], 0
        while len(self.buf) - pos >= 12:
            total, head_len, crc = struct.unpack_from(">III", self.buf, pos)
            if zlib.crc32(self.buf[pos : pos + 8]) != crc:
                raise ValueError("prelude CRC mismatch")
            if len(self.buf) - pos < total:
                break
            frame = self.buf[pos : pos + total]
            if zlib.crc32(frame[:-4]) != struct.unpack(">I", frame[-4:])[0]:
                raise ValueError("message CRC mismatch")
            frames.append((self.headers(frame[12 : 12 + head_len]), frame[12 + head_len : -4]))
            pos += total
        self.buf = self.buf[pos:]
        return frames

    @staticmethod
    def headers(raw: bytes) -> Headers:
        out: Headers = {}
        i = 0
        while i < len(raw):
            name = raw[i + 1 : i + 1 + raw[i]].decode()
            i += 1 + raw[i]
            kind = raw[i]
            i += 1
            if kind in (0, 1):
                out[name] = kind == 0
            elif kind in FIXED:
                (out[name],) = struct.unpack_from(FIXED[kind], raw, i)
                i += struct.calcsize(FIXED[kind])
            elif kind in (6, 7):
                (n,) = struct.unpack_from(">H", raw, i)
                value = raw[i + 2 : i + 2 + n]
                out[name] = value.decode() if kind == 7 else value
                i += 2 + n
            else:
                out[name] = raw[i : i + 16]
                i += 16
        return out


def chunks_of(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def run_core(chunks: list[bytes]) -> list[Frame]:
    decoder = EventStreamDecoder()
    return [f for c in chunks for f in decoder.feed(c)]


def run_python(chunks: list[bytes]) -> list[Frame]:
    decoder = PyDecoder()
    return [f for c in chunks for f in decoder.feed(c)]


INPUTS = {
    "text-1chunk": [TEXT],
    "text-64B": chunks_of(TEXT, 64),
    "tools-1chunk": [TOOLS],
    "tools-64B": chunks_of(TOOLS, 64),
}
IMPLS: dict[str, Callable[[list[bytes]], list[Frame]]] = {"core": run_core, "python": run_python}


@pytest.mark.parametrize("name", INPUTS)
def test_reference_agrees(name: str) -> None:
    chunks = INPUTS[name]
    assert run_core(chunks) == run_python(chunks) == run_core([b"".join(chunks)])


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", INPUTS)
def test_decode(benchmark: BenchmarkFixture, name: str, impl: str) -> None:
    chunks = INPUTS[name]
    benchmark.extra_info["bytes"] = sum(map(len, chunks))
    benchmark.group = f"eventstream {name}"
    frames = benchmark(IMPLS[impl], chunks)
    assert frames
