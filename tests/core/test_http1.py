"""`plano._core.ResponseParser` and `encode_request` driven from Python."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plano._core import Http1Error, ResponseParser, encode_request

CHUNKED = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    b'f;ext="q"\r\ndata: {"a":1}\n\n\r\n'
    b'F\r\ndata: {"b":2}\n\n\r\n'
    b"0\r\nx-trailer: done\r\n\r\n"
)
LENGTH = b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-Multi: a\r\nx-multi: b\r\n\r\nhello"

Result = tuple[tuple[int, list[tuple[str, str]]] | None, bytes, bool, bool]


def run(chunks: list[bytes]) -> Result:
    parser = ResponseParser()
    parser.start(False)
    head = None
    body = b""
    done = False
    for chunk in chunks:
        got, part, done = parser.feed(chunk)
        if got is not None:
            head = (got.status, got.items())
        body += part
    return head, body, done, parser.keep_alive


def test_head_arrives_in_one_call_with_all_headers_lower_cased() -> None:
    head, body, done, keep_alive = run([LENGTH])
    assert head == (201, [("content-length", "5"), ("x-multi", "a"), ("x-multi", "b")])
    assert (body, done, keep_alive) == (b"hello", True, True)


def test_head_lookup_by_name() -> None:
    parser = ResponseParser()
    parser.start(False)
    head, _, _ = parser.feed(LENGTH)
    assert head is not None
    assert head.get("x-multi") == "a"
    assert head.get("missing") is None


def test_chunked_with_extensions_and_trailers() -> None:
    head, body, done, keep_alive = run([CHUNKED])
    assert head is not None
    assert head[0] == 200
    assert body == b'data: {"a":1}\n\ndata: {"b":2}\n\n'
    assert done
    assert keep_alive


def test_non_ascii_header_values_decode_as_latin1() -> None:
    head, *_ = run([b"HTTP/1.1 200 OK\r\nx-name: caf\xe9\r\ncontent-length: 0\r\n\r\n"])
    assert head == (200, [("x-name", "café"), ("content-length", "0")])


def test_close_delimited_body_ends_at_eof() -> None:
    parser = ResponseParser()
    parser.start(False)
    head, body, done = parser.feed(b"HTTP/1.1 200 OK\r\n\r\nabc")
    assert head is not None
    assert (head.status, head.items(), len(head), body, done) == (200, [], 0, b"abc", False)
    assert parser.eof()
    assert parser.is_done
    assert not parser.keep_alive


def test_parser_is_reusable_across_responses() -> None:
    parser = ResponseParser()
    for _ in range(3):
        parser.start(False)
        assert parser.feed(LENGTH)[1:] == (b"hello", True)
        assert parser.keep_alive


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\ncontent-length: nope\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nxyz\r\n",
        b"NOT HTTP\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nx: " + b"a" * 70_000,
    ],
)
def test_malformed_responses_raise(raw: bytes) -> None:
    parser = ResponseParser()
    parser.start(False)
    with pytest.raises(Http1Error):
        parser.feed(raw)


@pytest.mark.parametrize("raw", [CHUNKED, LENGTH])
def test_every_split_point_gives_the_same_parse(raw: bytes) -> None:
    expected = run([raw])
    for i in range(len(raw) + 1):
        assert run([raw[:i], raw[i:]]) == expected
    assert run([raw[i : i + 1] for i in range(len(raw))]) == expected


@settings(deadline=None)  # a shared CI machine stalls; the property is what matters
@given(st.lists(st.integers(0, len(CHUNKED)), max_size=20))
def test_chunking_never_changes_output(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(CHUNKED)]
    assert run([CHUNKED[a:b] for a, b in itertools.pairwise(bounds)]) == run([CHUNKED])


@settings(deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=10))
def test_arbitrary_bytes_raise_or_parse_but_never_crash(chunks: list[bytes]) -> None:
    parser = ResponseParser(max_head_bytes=1024)
    parser.start(False)
    try:
        for chunk in chunks:
            parser.feed(chunk)
    except Http1Error:
        pass
    parser.eof()


def test_head_trickled_byte_by_byte_is_linear() -> None:
    head = b"HTTP/1.1 200 OK\r\nx-big: " + b"a" * 60_000 + b"\r\ncontent-length: 0\r\n\r\n"
    parser = ResponseParser()
    parser.start(False)
    results = [parser.feed(head[i : i + 1]) for i in range(len(head))]
    assert results[-1][2]
    assert all(r[0] is None for r in results[:-1])


def test_encode_request_assembles_one_buffer() -> None:
    data = encode_request("POST", "/v1/x", "h:8080", [("a", "1"), ("Content-Length", "9")], b"{}")
    assert data == b"POST /v1/x HTTP/1.1\r\nhost: h:8080\r\na: 1\r\ncontent-length: 2\r\n\r\n{}"


@pytest.mark.parametrize(
    "headers", [[("a", "1\r\nb: 2")], [("a b", "1")], [("a", "\x00")], [("", "x")]]
)
def test_encode_request_refuses_header_injection(headers: list[tuple[str, str]]) -> None:
    with pytest.raises(Http1Error):
        encode_request("POST", "/", "h", headers, b"")
