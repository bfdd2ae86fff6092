"""plano._core AWS event-stream decoder and encoder, driven over Bedrock ConverseStream fixtures."""

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plano._core import EventStreamDecoder, EventStreamError, encode_event_stream_frame

STREAMS = Path(__file__).parent.parent / "fixtures" / "streams"
TEXT = (STREAMS / "bedrock_converse_text.eventstream").read_bytes()
TOOLS = (STREAMS / "bedrock_converse_tool_use.eventstream").read_bytes()
EXCEPTION = (STREAMS / "bedrock_converse_exception.eventstream").read_bytes()

Frames = list[tuple[dict[str, bool | int | str | bytes], bytes]]


def run(chunks: list[bytes]) -> Frames:
    decoder = EventStreamDecoder()
    frames = [f for c in chunks for f in decoder.feed(c)]
    decoder.finish()
    return frames


def cut(stream: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds)]


@given(st.lists(st.integers(0, len(TEXT)), max_size=30))
def test_text_stream_chunking_never_changes_frames(cuts: list[int]) -> None:
    assert run(cut(TEXT, cuts)) == run([TEXT])


@given(st.lists(st.integers(0, len(TOOLS)), max_size=30))
def test_tool_stream_chunking_never_changes_frames(cuts: list[int]) -> None:
    assert run(cut(TOOLS, cuts)) == run([TOOLS])


def test_byte_at_a_time_matches_one_chunk() -> None:
    assert run([bytes([b]) for b in TOOLS]) == run([TOOLS])


def test_text_stream_frames() -> None:
    frames = run([TEXT])
    types = [h[":event-type"] for h, _ in frames]
    assert types[0] == "messageStart"
    assert types[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    assert all(h[":message-type"] == "event" for h, _ in frames)
    assert all(h[":content-type"] == "application/json" for h, _ in frames)
    text = "".join(
        json.loads(p)["delta"]["text"] for h, p in frames if h[":event-type"] == "contentBlockDelta"
    )
    assert text.startswith("Hello! Bedrock streams binary frames: café ☕ 🚀.")
    assert json.loads(frames[-1][1])["usage"]["totalTokens"] == 61


def test_tool_stream_reassembles_tool_input() -> None:
    frames = run([TOOLS])
    start = next(json.loads(p) for h, p in frames if h[":event-type"] == "contentBlockStart")
    assert start["start"]["toolUse"]["name"] == "get_weather"
    deltas = [json.loads(p)["delta"] for h, p in frames if h[":event-type"] == "contentBlockDelta"]
    tool_input = "".join(d["toolUse"]["input"] for d in deltas if "toolUse" in d)
    assert json.loads(tool_input) == {"location": "San Francisco, CA", "unit": "celsius"}


def test_exception_frame_raises_after_earlier_frames() -> None:
    decoder = EventStreamDecoder()
    frames = decoder.feed(EXCEPTION)
    assert [h[":event-type"] for h, _ in frames] == ["messageStart"]
    with pytest.raises(EventStreamError, match="throttlingException") as info:
        decoder.finish()
    assert info.value.exception_type == "throttlingException"
    assert info.value.upstream_message == "Too many requests, please wait before trying again."


def test_bad_prelude_crc_is_named() -> None:
    broken = bytearray(TEXT)
    broken[9] ^= 0xFF
    with pytest.raises(EventStreamError, match="prelude CRC") as info:
        EventStreamDecoder().feed(bytes(broken))
    assert info.value.exception_type is None


def test_bad_message_crc_is_named() -> None:
    broken = bytearray(TEXT)
    broken[-1] ^= 0xFF
    decoder = EventStreamDecoder()
    decoder.feed(bytes(broken))
    with pytest.raises(EventStreamError, match="message CRC"):
        decoder.finish()


def test_truncated_stream_raises_on_finish() -> None:
    decoder = EventStreamDecoder()
    decoder.feed(TEXT[:-5])
    with pytest.raises(EventStreamError, match="truncated"):
        decoder.finish()


def test_oversized_frame_is_refused_at_the_prelude() -> None:
    with pytest.raises(EventStreamError, match="max_frame_bytes=64"):
        EventStreamDecoder(max_frame_bytes=64).feed(TEXT[:12])


def test_encoder_round_trips_every_python_type() -> None:
    headers: dict[str, bool | int | str | bytes] = {
        "t": True,
        "f": False,
        "small": -7,
        "big": 2**40,
        "s": "héllo",
        "b": b"\x00\xff",
    }
    frame = encode_event_stream_frame(headers, b"payload")
    assert run([frame]) == [(headers, b"payload")]


def test_encoder_rejects_unsupported_values() -> None:
    with pytest.raises(TypeError):
        encode_event_stream_frame({"x": 1.5}, b"")  # type: ignore[dict-item]
    with pytest.raises(EventStreamError, match="255"):
        encode_event_stream_frame({"n" * 256: "v"}, b"")


def test_fixture_matches_core_encoder() -> None:
    headers, payload = run([TEXT])[0]
    assert TEXT.startswith(encode_event_stream_frame(headers, payload))
