"""The upstream client against real scripted servers on 127.0.0.1 (exact bytes on the wire)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import subprocess
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvloop

from plano.errors import UpstreamError
from plano.providers.client import (
    UpstreamClient,
    UpstreamClosed,
    UpstreamConnectError,
    UpstreamProtocolError,
    UpstreamTimeout,
)

T = TypeVar("T")
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]

JSON_OK = (
    b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}'
)


def run(coro: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


async def read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One request (head and content-length body), or None at EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + await reader.readexactly(length)


class Upstream:
    """A server running `handler(reader, writer, connection_index)` per connection."""

    def __init__(self, handler: Handler, ssl_context: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.ssl_context = ssl_context
        self.connections = 0
        self.requests: list[bytes] = []
        self.closed = asyncio.Event()

    async def __aenter__(self) -> Upstream:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.ssl_context)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        await self.server.wait_closed()

    def url(self, path: str = "/v1/chat", scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = self.connections
        self.connections += 1
        try:
            await self.handler(reader, writer, index)
        except ConnectionError:
            pass
        finally:
            writer.close()
            self.closed.set()


def replies(*responses: bytes) -> Handler:
    """Answers each request on a connection with the next of `responses`, then keeps reading."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        for response in responses:
            if await read_request(reader) is None:
                return
            writer.write(response)
            await writer.drain()
        await reader.read()

    return handler


def client(**overrides: Any) -> UpstreamClient:
    options: dict[str, Any] = {"connect_timeout_s": 2.0, "read_timeout_s": 2.0, "ca_file": None}
    options.update(overrides)
    return UpstreamClient(**options)


async def post(c: UpstreamClient, url: str, body: bytes = b"{}", **kw: Any) -> tuple[int, bytes]:
    response = await c.request("POST", url, [("content-type", "application/json")], body, **kw)
    return response.status, await response.read(1 << 20)


def test_content_length_response_and_headers() -> None:
    async def main() -> None:
        async with Upstream(replies(JSON_OK)) as up:
            c = client()
            response = await c.request("POST", up.url(), [("x-a", "b")], b"{}")
            assert response.status == 200
            assert response.headers == [
                ("content-type", "application/json"),
                ("content-length", "11"),
            ]
            assert response.header("content-type") == "application/json"
            assert response.header("missing") is None
            assert await response.read(100) == b'{"ok":true}'
            await c.aclose()

    run(main())


def test_request_bytes_are_written_once_with_host_and_length() -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        request = await read_request(reader)
        assert request is not None
        seen.append(request)
        writer.write(JSON_OK)
        await reader.read()

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client()
            url = up.url("/v1/chat?x=1")
            await post(c, url, b"hello", host_header="api.example")
            await c.aclose()
            assert seen == [
                b"POST /v1/chat?x=1 HTTP/1.1\r\nhost: api.example\r\n"
                b"content-type: application/json\r\ncontent-length: 5\r\n\r\nhello"
            ]

    run(main())


def test_chunked_body_with_extensions_and_trailers() -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: t\r\n\r\n"
    )

    async def main() -> None:
        async with Upstream(replies(raw, raw)) as up:
            c = client()
            assert await post(c, up.url()) == (200, b"hello world")
            assert await post(c, up.url()) == (200, b"hello world")
            assert up.connections == 1
            await c.aclose()

    run(main())


def test_close_delimited_body_and_no_reuse() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n\r\nuntil close")
        await writer.drain()

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client()
            assert await post(c, up.url()) == (200, b"until close")
            assert await post(c, up.url()) == (200, b"until close")
            assert up.connections == 2
            await c.aclose()

    run(main())


def test_response_split_at_every_byte_boundary() -> None:
    raw = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;a\r\nabc\r\n0\r\n\r\n"

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)
        for i in range(len(raw)):
            writer.write(raw[i : i + 1])
            await writer.drain()
            await asyncio.sleep(0.001)
        await reader.read()

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client()
            assert await post(c, up.url()) == (200, b"abc")
            await c.aclose()

    run(main())


def test_keep_alive_connection_is_reused() -> None:
    async def main() -> None:
        async with Upstream(replies(JSON_OK, JSON_OK, JSON_OK)) as up:
            c = client()
            for _ in range(3):
                assert await post(c, up.url()) == (200, b'{"ok":true}')
            assert up.connections == 1
            await c.aclose()

    run(main())


def test_stale_keep_alive_connection_is_retried_on_a_fresh_one() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, i: int) -> None:
        await read_request(reader)
        if i == 0:
            writer.write(JSON_OK)
            await writer.drain()
            await read_request(reader)  # the second request: close without a byte
            return
        writer.write(JSON_OK)
        await reader.read()

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client()
            assert await post(c, up.url()) == (200, b'{"ok":true}')
            assert await post(c, up.url()) == (200, b'{"ok":true}')
            assert up.connections == 2
            await c.aclose()

    run(main())


def test_fresh_connection_closed_before_response_is_not_retried() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client()
            with pytest.raises(UpstreamClosed):
                await post(c, up.url())
            assert up.connections == 1
            await c.aclose()

    run(main())


def test_server_closing_mid_body_raises_upstream_closed() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial")
        await writer.drain()

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client()
            response = await c.request("POST", up.url(), [], b"{}")
            with pytest.raises(UpstreamClosed):
                await response.read(1000)
            await c.aclose()

    run(main())


def test_slow_headers_time_out() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        await reader.read()

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client(read_timeout_s=0.2)
            with pytest.raises(UpstreamTimeout):
                await post(c, up.url())
            await c.aclose()

    run(main())


def test_total_timeout_bounds_a_trickling_body() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
        for _ in range(100):
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.05)

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client(read_timeout_s=1.0)
            response = await c.request("POST", up.url(), [], b"", total_timeout_s=0.3)
            with pytest.raises(UpstreamTimeout):
                await response.read(10_000)
            await c.aclose()

    run(main())


def test_a_failed_body_never_keeps_the_callers_frames_alive() -> None:
    """The sticky error is re-raised as a fresh copy: the stored one carries no traceback, so a
    caller's frame (and what it holds, like a downstream stream transport) is freed on return."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial")
        await writer.drain()

    class Held:
        pass

    async def consume(response: Any, held: Held) -> None:
        try:
            async for _ in response:
                pass
        except UpstreamClosed:
            pass
        del held

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client()
            response = await c.request("POST", up.url(), [], b"{}")
            held = Held()
            alive = weakref.ref(held)
            await consume(response, held)
            del held
            assert alive() is None, "a stored traceback kept the caller's frame alive"
            with pytest.raises(UpstreamClosed) as first:
                await response.read(1000)
            with pytest.raises(UpstreamClosed) as second:
                await response.read(1000)
            assert first.value is not second.value
            await c.aclose()

    run(main())


def test_connect_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def main() -> None:
        c = client()
        with pytest.raises(UpstreamConnectError):
            await post(c, f"http://127.0.0.1:{port}/x")
        await c.aclose()

    run(main())


def test_oversized_headers_are_a_protocol_error() -> None:
    big = b"HTTP/1.1 200 OK\r\nx-big: " + b"a" * 70_000 + b"\r\ncontent-length: 0\r\n\r\n"

    async def main() -> None:
        async with Upstream(replies(big)) as up:
            c = client()
            with pytest.raises(UpstreamProtocolError):
                await post(c, up.url())
            await c.aclose()

    run(main())


def test_header_injection_is_refused_before_sending() -> None:
    async def main() -> None:
        async with Upstream(replies(JSON_OK)) as up:
            c = client()
            with pytest.raises(UpstreamProtocolError):
                await c.request("POST", up.url(), [("x", "a\r\nevil: 1")], b"")
            assert up.connections == 0
            await c.aclose()

    run(main())


def test_body_larger_than_max_bytes_is_refused() -> None:
    async def main() -> None:
        async with Upstream(replies(JSON_OK)) as up:
            c = client()
            response = await c.request("POST", up.url(), [], b"")
            with pytest.raises(UpstreamProtocolError):
                await response.read(5)
            await c.aclose()

    run(main())


def test_stream_yields_first_chunk_before_the_rest_is_sent() -> None:
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\ndata 1\r\n")
        await writer.drain()
        await release.wait()
        writer.write(b"6\r\ndata 2\r\n0\r\n\r\n")
        await reader.read()

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client()
            response = await c.request("POST", up.url(), [], b"")
            chunks = aiter(response)
            assert await anext(chunks) == b"data 1"
            release.set()
            assert [chunk async for chunk in chunks] == [b"data 2"]
            await c.aclose()

    run(main())


def test_slow_consumer_pauses_reading() -> None:
    total = 8 * 1024 * 1024
    sent = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        nonlocal sent
        await read_request(reader)
        writer.write(f"HTTP/1.1 200 OK\r\ncontent-length: {total}\r\n\r\n".encode())
        block = b"x" * 65536
        for _ in range(total // len(block)):
            writer.write(block)
            await writer.drain()
            sent += len(block)

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client()
            response = await c.request("POST", up.url(), [], b"")
            await asyncio.sleep(0.3)
            assert response._buffered < 1024 * 1024
            assert sent < total
            received = 0
            async for chunk in response:
                received += len(chunk)
            assert received == total
            await c.aclose()

    run(main())


def test_close_mid_body_closes_the_socket() -> None:
    saw_eof = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n")
        await writer.drain()
        with contextlib.suppress(ConnectionError):
            await reader.read()
        saw_eof.set()

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client()
            response = await c.request("POST", up.url(), [], b"")
            assert await anext(aiter(response)) == b"a"
            response.close()
            await asyncio.wait_for(saw_eof.wait(), 2)
            with pytest.raises(UpstreamClosed):
                await anext(aiter(response))
            await c.aclose()

    run(main())


def make_cert(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls_verifies_with_ca_file_and_fails_without(tmp_path: Path) -> None:
    cert, key = make_cert(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)

    async def main() -> None:
        async with Upstream(replies(JSON_OK), server_ctx) as up:
            url = up.url(scheme="https", host="localhost")
            trusted = client(ca_file=str(cert))
            # SNI and verification use the URL host even when the Host header is overridden.
            assert await post(trusted, url, host_header="api.example") == (200, b'{"ok":true}')
            await trusted.aclose()
            untrusted = client()
            with pytest.raises(UpstreamConnectError):
                await post(untrusted, url)
            await untrusted.aclose()

    run(main())


def test_errors_are_upstream_errors() -> None:
    for cls in (UpstreamConnectError, UpstreamTimeout, UpstreamProtocolError, UpstreamClosed):
        assert issubclass(cls, UpstreamError)


def test_connection_close_response_is_not_reused() -> None:
    closing = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"

    async def main() -> None:
        async with Upstream(replies(closing)) as up:
            c = client()
            assert await post(c, up.url()) == (200, b"ok")
            assert await post(c, up.url()) == (200, b"ok")
            assert up.connections == 2
            await c.aclose()

    run(main())


def test_idle_connections_expire_and_the_pool_is_bounded() -> None:
    async def main() -> None:
        async with Upstream(replies(JSON_OK, JSON_OK)) as up:
            c = client(max_idle_per_origin=1, idle_timeout_s=0.1)
            first, second = await asyncio.gather(post(c, up.url()), post(c, up.url()))
            assert first == second == (200, b'{"ok":true}')
            assert up.connections == 2
            await asyncio.sleep(0.3)  # the one idle connection expires
            assert await post(c, up.url()) == (200, b'{"ok":true}')
            assert up.connections == 3
            await c.aclose()

    run(main())


def test_head_request_and_204_have_no_body() -> None:
    head_reply = b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n"
    no_content = b"HTTP/1.1 204 No Content\r\n\r\n"

    async def main() -> None:
        async with Upstream(replies(head_reply, no_content, JSON_OK)) as up:
            c = client()
            response = await c.request("HEAD", up.url(), [], b"")
            assert (response.status, await response.read(10)) == (200, b"")
            assert await post(c, up.url()) == (204, b"")
            assert await post(c, up.url()) == (200, b'{"ok":true}')
            assert up.connections == 1
            await c.aclose()

    run(main())


def test_cancelling_a_waiting_request_closes_its_connection() -> None:
    saw_eof = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)
        with contextlib.suppress(ConnectionError):
            await reader.read()
        saw_eof.set()

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client()
            task = asyncio.create_task(post(c, up.url()))
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.wait_for(saw_eof.wait(), 2)
            await c.aclose()

    run(main())


def test_response_as_context_manager_closes_an_unread_body() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")
        await reader.read()

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client()
            async with await c.request("POST", up.url(), [], b"") as response:
                assert response.status == 200
            assert not c._inflight
            await asyncio.wait_for(up.closed.wait(), 2)
            await c.aclose()

    run(main())


def test_read_collects_a_body_larger_than_the_backpressure_threshold() -> None:
    size = 3 * 1024 * 1024
    reply = f"HTTP/1.1 200 OK\r\ncontent-length: {size}\r\n\r\n".encode() + b"y" * size

    async def main() -> None:
        async with Upstream(replies(reply)) as up:
            c = client()
            response = await c.request("POST", up.url(), [], b"")
            await asyncio.sleep(0.2)  # let the socket pause before read() starts
            assert len(await response.read(4 * 1024 * 1024)) == size
            await c.aclose()

    run(main())


def test_mixed_server_behaviour_never_hangs_or_leaks() -> None:
    """Many concurrent requests against a server that answers each in a random way: every
    request ends in the right body or an UpstreamError, and nothing stays in flight."""
    import random

    rng = random.Random(7)
    body = b"z" * 3000
    chunked = b"".join(b"%x;e\r\n%s\r\n" % (len(part), part) for part in (body[:1000], body[1000:]))
    good = [
        b"HTTP/1.1 200 OK\r\ncontent-length: 3000\r\n\r\n" + body,
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + chunked + b"0\r\n\r\n",
    ]

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        while await read_request(reader) is not None:
            action = rng.randrange(6)
            reply = good[rng.randrange(2)]
            if action == 0:
                return  # close before responding
            if action == 1:
                writer.write(reply[: rng.randrange(1, len(reply))])
                await writer.drain()
                return  # close mid-response
            if action == 2:
                for i in range(0, len(reply), 700):
                    writer.write(reply[i : i + 700])
                    await writer.drain()
                    await asyncio.sleep(0)
                continue
            if action == 3:
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n")
                await writer.drain()
                continue
            writer.write(reply)
            await writer.drain()

    async def one(c: UpstreamClient, url: str) -> str:
        try:
            status, data = await post(c, url)
        except UpstreamError:
            return "error"
        assert (status, data) == (200, body)
        return "ok"

    async def main() -> None:
        async with Upstream(handler) as up:
            c = client(read_timeout_s=1.0)
            outcomes: list[str] = []

            async def worker() -> None:  # 50 at a time: within the listen backlog
                for _ in range(6):
                    outcomes.append(await one(c, up.url()))

            await asyncio.wait_for(asyncio.gather(*[worker() for _ in range(50)]), 20)
            assert outcomes.count("ok") > 50
            assert not c._inflight
            await c.aclose()

    run(main())
