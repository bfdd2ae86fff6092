"""plano._core SSE parser and writer, driven over recorded provider streams."""

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plano._core import SseError, SseEvent, SseParser, encode_sse

STREAMS = Path(__file__).parent.parent / "fixtures" / "streams"
OPENAI = (STREAMS / "openai_chat.sse").read_bytes()
ANTHROPIC = (STREAMS / "anthropic_messages.sse").read_bytes()


def run(chunks: list[bytes]) -> tuple[list[SseEvent], tuple[int, SseEvent | None]]:
    parser = SseParser()
    events = [e for c in chunks for e in parser.feed(c)]
    return events, parser.finish()


def cut(stream: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds)]


@given(st.lists(st.integers(0, len(OPENAI)), max_size=20))
def test_openai_chunking_never_changes_events(cuts: list[int]) -> None:
    assert run(cut(OPENAI, cuts)) == run([OPENAI])


@given(st.lists(st.integers(0, len(ANTHROPIC)), max_size=20))
def test_anthropic_chunking_never_changes_events(cuts: list[int]) -> None:
    assert run(cut(ANTHROPIC, cuts)) == run([ANTHROPIC])


def test_byte_at_a_time_matches_one_chunk() -> None:
    assert run([bytes([b]) for b in ANTHROPIC]) == run([ANTHROPIC])


def test_openai_stream_decodes_to_json_chunks_then_done() -> None:
    events, (leftover, unterminated) = run([OPENAI])
    assert events[-1].data == "[DONE]"
    text = "".join(
        c["delta"].get("content") or "" for e in events[:-1] for c in json.loads(e.data)["choices"]
    )
    assert "café ☕" in text
    assert "🚀" in text
    assert (leftover, unterminated) == (0, None)


def test_anthropic_event_names_match_payload_types() -> None:
    events, _ = run([ANTHROPIC])
    assert events[0].event == "message_start"
    assert all(e.event == json.loads(e.data)["type"] for e in events)
    assert events[-1].event == "message_stop"


def test_crlf_and_cr_streams_parse_like_lf() -> None:
    for newline in (b"\r\n", b"\r"):
        assert run([ANTHROPIC.replace(b"\n", newline)]) == run([ANTHROPIC])


def test_leading_bom_is_stripped() -> None:
    assert run([b"\xef\xbb", b"\xbf" + OPENAI]) == run([OPENAI])


def test_truncated_stream_is_reported_not_dispatched() -> None:
    parser = SseParser()
    assert parser.feed(b"data: a\n\ndata: [DONE]") == [SseEvent("a")]
    leftover, unterminated = parser.finish()
    assert leftover == len(b"data: [DONE]")
    assert unterminated == SseEvent("[DONE]")


def test_oversized_event_raises() -> None:
    parser = SseParser(max_event_bytes=64)
    with pytest.raises(SseError, match="max_event_bytes=64"):
        parser.feed(b"data: " + b"x" * 100)
    with pytest.raises(SseError):
        parser.feed(b"\n\n")


def test_fields_ids_and_retry() -> None:
    events, _ = run([b"id: 1\nretry: 250\nevent: e\ndata: a\ndata\n\n: c\ndata:  b\n\n"])
    assert events == [
        SseEvent("a\n", event="e", id="1", retry=250),
        SseEvent(" b", id="1"),
    ]
    assert repr(events[1]) == "SseEvent(data=' b', event=None, id='1', retry=None)"


@given(st.text(), st.none() | st.text(st.characters(codec="utf-8"), min_size=1))
def test_encode_then_parse_round_trips(data: str, event: str | None) -> None:
    events, tail = run([encode_sse(data, event=event)])
    expected_event = event.replace("\r", "").replace("\n", "") if event else None
    assert events == [
        SseEvent(data.replace("\r\n", "\n").replace("\r", "\n"), event=expected_event or None)
    ]
    assert tail == (0, None)


def test_events_before_an_error_are_returned_first() -> None:
    parser = SseParser(max_event_bytes=64)
    assert parser.feed(b"data: a\n\ndata: " + b"x" * 100) == [SseEvent("a")]
    with pytest.raises(SseError):
        parser.feed(b"")
