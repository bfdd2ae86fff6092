"""The upstream HTTP/1.1 client: how the gateway calls LLM providers.

Chosen by benchmark of the real proxy path (`benches/bench_upstream_client.py`, results in
`benches/README.md`): connections are `asyncio.Protocol`s on the running (uv)loop, each request
is written with one `transport.write` (assembled and checked for header injection by
`plano._core.encode_request`), and responses are parsed by `plano._core.ResponseParser`, one
native call per network chunk (RFC 9112 framing: content-length, chunked, read-until-close).

- One `UpstreamClient` per worker process: construct it in `__rsgi_init__` (it binds to the
  running loop on first use), `close()` it in `__rsgi_del__`. Response header names come back
  lower-case; hop-by-hop and framing request headers (`host`, `content-length`, `connection`,
  `transfer-encoding`, ...) given by the caller are dropped: this client owns them.
- A handler that stops reading a response early (downstream client gone, error) must `close()`
  it, or use `async with await client.request(...) as response:`; an unread response keeps its
  connection until the body ends.
- Per-origin pool of keep-alive connections: LIFO idle stack (the warmest socket first), at most
  `max_idle_per_origin` idle, closed after `idle_timeout_s`; a connection whose response was not
  fully read, or that the server marked `connection: close`, is never reused.
- A request on a reused connection that the server closed before any response byte arrived (a
  stale keep-alive) is retried once on a fresh connection.
- Timeouts: `connect_timeout_s` per connection attempt (TCP + TLS), `read_timeout_s` between
  bytes while the caller waits for them, and an optional per-request `total_timeout_s`. Read and
  total timeouts are checked by one sweeper every 50 ms: they fire up to ~0.1 s late, never
  early (a timer per request cost more than the rest of the request's client-side work).
- TLS verifies certificates against `ca_file` when given, else the system store; SNI is the URL
  host even when `host_header` overrides the `Host` header.
- No `accept-encoding` is sent unless the caller passes one: bodies arrive as identity, and a
  caller that asks for gzip/br gets the encoded bytes untouched.
- Bodies stream: `async for chunk in response` yields bytes as they arrive (what has piled up,
  joined); past `_HIGH_WATER_BYTES` unconsumed, the socket stops reading until the consumer
  catches up. `close()` mid-body aborts the connection (the downstream client went away).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator
from typing import Final, cast
from urllib.parse import urlsplit

from plano._core import Http1Error, ResponseHead, ResponseParser, encode_request
from plano.errors import UpstreamError

Headers = list[tuple[str, str]]

_HIGH_WATER_BYTES: Final = 256 * 1024
_MAX_CACHED_URLS: Final = 4096
_SWEEP_S: Final = 0.05
"""Timeout resolution: a timeout fires at most two sweeps late, never early."""


class UpstreamConnectError(UpstreamError):
    """The upstream could not be reached (refused, unresolvable, TLS handshake failed)."""

    code = "upstream_connect_error"


class UpstreamTimeout(UpstreamError):
    """The upstream was too slow: connect, idle read, or total deadline."""

    status_code = 504
    code = "upstream_timeout"


class UpstreamConnectTimeout(UpstreamConnectError, UpstreamTimeout):
    """Connecting (TCP and TLS) took longer than `connect_timeout_s`."""

    status_code = 504
    code = "upstream_connect_timeout"


class UpstreamProtocolError(UpstreamError):
    """The upstream's response is not valid HTTP/1.1, or is larger than allowed."""

    code = "upstream_protocol_error"


class UpstreamClosed(UpstreamError):
    """The upstream closed the connection before the response was complete."""

    code = "upstream_closed"


class _StaleConnection(UpstreamClosed):
    """Closed before any response byte: safe to retry once when the connection was reused."""


class UpstreamResponse:
    """One response whose head has arrived; the body follows through `read` or iteration."""

    __slots__ = (
        "_buffered",
        "_chunks",
        "_client",
        "_conn",
        "_deadline",
        "_done",
        "_error",
        "_head",
        "_head_waiter",
        "_headers",
        "_high_water",
        "_idle_since",
        "_rx",
        "_rx_mark",
        "_waiter",
        "status",
    )

    def __init__(self, client: UpstreamClient, conn: _Connection, deadline: float | None) -> None:
        self._client = client
        self._conn: _Connection | None = conn
        self._head_waiter: asyncio.Future[None] | None = client._running_loop().create_future()
        self._waiter: asyncio.Future[None] | None = None
        self._chunks: list[bytes] = []
        self._buffered = 0
        self._high_water = _HIGH_WATER_BYTES
        self._done = False
        self._error: UpstreamError | None = None
        self._rx = 0  # network chunks received; the sweeper notices progress by this count
        self._rx_mark = 0
        self._idle_since = client._now
        self._deadline = deadline
        self.status = 0
        self._head: ResponseHead | None = None
        self._headers: Headers | None = None
        client._inflight.add(self)

    @property
    def headers(self) -> Headers:
        """Every header as (lower-case name, value), in order (built on first use)."""
        headers = self._headers
        if headers is None:
            headers = self._headers = [] if self._head is None else self._head.items()
        return headers

    def header(self, name: str) -> str | None:
        """The first value of header `name` (give it lower-case), or None."""
        head = self._head
        return None if head is None else head.get(name)

    async def read(self, max_bytes: int) -> bytes:
        """The whole body; `UpstreamProtocolError` (and the connection dropped) past `max_bytes`."""
        self._high_water = max_bytes  # collecting the whole body: backpressure would deadlock
        conn = self._conn
        if conn is not None and conn.is_paused:
            conn.is_paused = False
            conn.transport.resume_reading()
        while not self._done:
            if self._error is not None:
                raise self._raised_error()
            if self._buffered > max_bytes:
                break
            await self._wait()
        if self._error is not None:
            raise self._raised_error()
        if self._buffered > max_bytes:
            self.close()
            raise UpstreamProtocolError(f"upstream response body exceeds {max_bytes} bytes")
        chunks = self._chunks
        self._chunks = []
        self._buffered = 0
        if len(chunks) == 1:
            return chunks[0]
        return b"".join(chunks)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        while not self._chunks:
            if self._error is not None:
                raise self._raised_error()
            if self._done:
                raise StopAsyncIteration
            await self._wait()
        chunks = self._chunks
        self._chunks = []
        self._buffered = 0
        conn = self._conn
        if conn is not None and conn.is_paused:
            conn.is_paused = False
            conn.transport.resume_reading()
        if len(chunks) == 1:
            return chunks[0]
        return b"".join(chunks)

    async def __aenter__(self) -> UpstreamResponse:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stops the response: an unfinished body aborts its connection (never reused)."""
        self._client._inflight.discard(self)
        conn = self._conn
        if conn is not None:
            self._conn = None
            conn.response = None
            conn.abort()
        if not self._done and self._error is None:
            self._error = UpstreamClosed("upstream response was closed by the gateway")
        self._chunks = []
        self._buffered = 0

    def _raised_error(self) -> UpstreamError:
        """A fresh copy of the sticky error to raise.

        Raising the stored object itself would attach the caller's traceback to it and keep
        every frame of the request alive (its stream transport included) for as long as this
        response lives: the downstream response would then never be finalised.
        """
        error = self._error
        assert error is not None
        fresh = type(error)(*error.args)
        fresh.__cause__ = None
        return fresh

    async def _wait(self) -> None:
        waiter = self._waiter = self._client._running_loop().create_future()
        try:
            await waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _finish(self) -> None:
        """The body is complete (the connection is already detached)."""
        self._done = True
        self._conn = None
        self._client._inflight.discard(self)
        self._wake()

    def _fail(self, error: UpstreamError) -> None:
        """The connection failed; it is already closed and detached from this response."""
        self._conn = None
        self._client._inflight.discard(self)
        if self._error is None and not self._done:
            self._error = error
        head_waiter = self._head_waiter
        if head_waiter is not None:
            self._head_waiter = None
            if not head_waiter.done():
                head_waiter.set_exception(error)
        self._wake()

    def _check_time(self, now: float, read_timeout_s: float) -> None:
        """Called by the client's sweeper: times out a stalled read or a passed deadline."""
        if self._rx != self._rx_mark or (self._head_waiter is None and self._waiter is None):
            # Progress, or nobody waiting (bytes buffered or reading paused): not idle.
            self._rx_mark = self._rx
            self._idle_since = now
        elif now - self._idle_since >= read_timeout_s:
            self._time_out(f"upstream sent nothing for {read_timeout_s:g} s")
            return
        if self._deadline is not None and now >= self._deadline:
            self._time_out("upstream response exceeded its total timeout")

    def _time_out(self, message: str) -> None:
        conn = self._conn
        if conn is not None:
            conn.response = None
            conn.abort()
        self._fail(UpstreamTimeout(message))


class _Connection(asyncio.Protocol):
    """One upstream socket; carries one request at a time (`response`)."""

    __slots__ = ("idle_since", "is_closed", "is_paused", "parser", "pool", "response", "transport")

    transport: asyncio.Transport

    def __init__(self, pool: _Pool) -> None:
        self.pool = pool
        self.parser = ResponseParser()
        self.response: UpstreamResponse | None = None
        self.is_closed = False
        self.is_paused = False
        self.idle_since = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, response: UpstreamResponse, data: bytes, is_head_request: bool) -> None:
        self.response = response
        self.parser.start(is_head_request)
        self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        response = self.response
        if response is None:
            self.abort()  # bytes nobody asked for: the connection is out of step
            return
        response._rx += 1
        try:
            head, body, done = self.parser.feed(data)
        except Http1Error as exc:
            self.response = None
            self.abort()
            response._fail(UpstreamProtocolError(f"invalid upstream response: {exc}"))
            return
        if head is not None:
            response._head = head
            response.status = head.status
            head_waiter = response._head_waiter
            if head_waiter is not None:
                response._head_waiter = None
                if not head_waiter.done():
                    head_waiter.set_result(None)
        if body:
            response._chunks.append(body)
            response._buffered += len(body)
            if response._buffered > response._high_water and not done and not self.is_paused:
                self.is_paused = True
                self.transport.pause_reading()
        if done:
            self.response = None
            response._finish()
            if self.parser.keep_alive and not self.is_closed:
                self.pool.release(self)
            else:
                self.abort()
        elif body:
            response._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self.is_closed = True
        response = self.response
        if response is None:
            self.pool.forget(self)
            return
        self.response = None
        if self.parser.eof():
            response._finish()
        elif not response._rx:
            response._fail(_StaleConnection("upstream closed the connection before responding"))
        else:
            response._fail(UpstreamClosed("upstream closed the connection mid-response"))

    def abort(self) -> None:
        if not self.is_closed:
            self.is_closed = True
            self.transport.abort()


class _Pool:
    """Idle keep-alive connections to one origin (scheme, host, port): a LIFO stack."""

    __slots__ = ("client", "host", "idle", "port", "server_hostname", "ssl")

    def __init__(
        self, client: UpstreamClient, host: str, port: int, ssl_context: ssl.SSLContext | None
    ) -> None:
        self.client = client
        self.host = host
        self.port = port
        self.ssl = ssl_context
        self.server_hostname = host if ssl_context is not None else None
        self.idle: list[_Connection] = []

    def take(self, now: float) -> _Connection | None:
        idle = self.idle
        expiry = now - self.client.idle_timeout_s
        while idle:
            conn = idle.pop()
            if conn.is_closed or conn.idle_since < expiry or conn.transport.is_closing():
                conn.abort()
                continue
            while idle and idle[0].idle_since < expiry:
                idle.pop(0).abort()
            return conn
        return None

    def release(self, conn: _Connection) -> None:
        if self.client.is_closed or len(self.idle) >= self.client.max_idle_per_origin:
            conn.abort()
            return
        conn.idle_since = self.client._now
        self.idle.append(conn)

    def forget(self, conn: _Connection) -> None:
        with contextlib.suppress(ValueError):
            self.idle.remove(conn)

    async def connect(self, loop: asyncio.AbstractEventLoop, timeout_s: float) -> _Connection:
        conn = _Connection(self)
        try:
            async with asyncio.timeout(timeout_s):
                await loop.create_connection(
                    lambda: conn,
                    self.host,
                    self.port,
                    ssl=self.ssl,
                    server_hostname=self.server_hostname,
                )
        except TimeoutError:
            raise UpstreamConnectTimeout(
                f"connecting to {self.host}:{self.port} took longer than {timeout_s:g} s"
            ) from None
        except OSError as exc:
            raise UpstreamConnectError(
                f"cannot connect to {self.host}:{self.port}: {exc.strerror or exc}"
            ) from None
        return conn


class UpstreamClient:
    """Pooled HTTP/1.1 client for one worker process (one event loop)."""

    def __init__(
        self,
        *,
        connect_timeout_s: float,
        read_timeout_s: float,
        ca_file: str | None,
        max_idle_per_origin: int = 64,
        idle_timeout_s: float = 30.0,
    ) -> None:
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.max_idle_per_origin = max_idle_per_origin
        self.idle_timeout_s = idle_timeout_s
        self.is_closed = False
        self._ca_file = ca_file
        self._ssl: ssl.SSLContext | None = None
        self._pools: dict[tuple[str, str, int], _Pool] = {}
        self._routes: dict[str, tuple[_Pool, str, str]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inflight: set[UpstreamResponse] = set()
        self._sweeper: asyncio.TimerHandle | None = None
        self._now = 0.0  # loop time at the last sweep; exact whenever a sweep is not pending

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        return loop

    def _sweep(self) -> None:
        """Every `_SWEEP_S` while requests are in flight: enforces read and total timeouts.

        One repeating timer per client instead of one per request (measured: a uvloop
        `call_at` + `cancel` costs more than the rest of a request's client-side Python work).
        """
        loop = self._running_loop()
        now = self._now = loop.time()
        inflight = self._inflight
        if not inflight:
            self._sweeper = None
            return
        read_timeout_s = self.read_timeout_s
        for response in list(inflight):
            response._check_time(now, read_timeout_s)
        self._sweeper = loop.call_at(now + _SWEEP_S, self._sweep)

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            context = ssl.create_default_context(cafile=self._ca_file)
            context.set_alpn_protocols(["http/1.1"])
            self._ssl = context
        return self._ssl

    def _route(self, url: str) -> tuple[_Pool, str, str]:
        """(pool, request target, default Host header) for `url`, parsed once per distinct URL."""
        route = self._routes.get(url)
        if route is not None:
            return route
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise UpstreamConnectError(f"unsupported upstream URL {url!r}")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise UpstreamConnectError(f"invalid port in upstream URL {url!r}") from None
        host = parts.hostname
        key = (scheme, host, port)
        pool = self._pools.get(key)
        if pool is None:
            pool = _Pool(self, host, port, self._ssl_context() if scheme == "https" else None)
            self._pools[key] = pool
        target = parts.path or "/"
        if parts.query:
            target = f"{target}?{parts.query}"
        bracketed = f"[{host}]" if ":" in host else host
        default_port = 443 if scheme == "https" else 80
        host_header = bracketed if port == default_port else f"{bracketed}:{port}"
        if len(self._routes) >= _MAX_CACHED_URLS:
            self._routes.clear()
        route = self._routes[url] = (pool, target, host_header)
        return route

    async def request(
        self,
        method: str,
        url: str,
        headers: Headers,
        body: bytes,
        *,
        host_header: str | None = None,
        total_timeout_s: float | None = None,
    ) -> UpstreamResponse:
        """Sends one request and returns once the response head has arrived."""
        if self.is_closed:
            raise UpstreamConnectError("upstream client is closed")
        loop = self._running_loop()
        if self._sweeper is None:
            self._now = loop.time()
            self._sweeper = loop.call_at(self._now + _SWEEP_S, self._sweep)
        pool, target, default_host = self._route(url)
        try:
            data = encode_request(method, target, host_header or default_host, headers, body)
        except Http1Error as exc:
            raise UpstreamProtocolError(f"cannot send upstream request: {exc}") from None
        deadline = None if total_timeout_s is None else self._now + total_timeout_s
        is_head_request = method == "HEAD"
        conn = pool.take(self._now)
        reused = conn is not None
        while True:
            if conn is None:
                conn = await pool.connect(loop, self.connect_timeout_s)
            response = UpstreamResponse(self, conn, deadline)
            conn.send(response, data, is_head_request)
            head_waiter = response._head_waiter
            if head_waiter is None:
                return response
            try:
                await head_waiter
            except _StaleConnection as exc:
                if not reused:
                    raise UpstreamClosed(str(exc)) from None
                reused = False
                conn = None
                continue
            except asyncio.CancelledError:
                response.close()
                raise
            return response

    def close(self) -> None:
        """Closes every idle connection and refuses new requests; responses still being read
        keep their connections until done. Synchronous, for Granian's `__rsgi_del__`."""
        self.is_closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for pool in self._pools.values():
            idle, pool.idle = pool.idle, []
            for conn in idle:
                conn.abort()
        self._pools.clear()
        self._routes.clear()

    async def aclose(self) -> None:
        """`close`, then one loop turn so the aborted transports finish closing."""
        self.close()
        await asyncio.sleep(0)
