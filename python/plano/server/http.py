"""A thin request object over Granian's RSGI protocol, for the data path.

Starlette stays off the hot path (measured: ~7 µs per request over raw RSGI); this wrapper costs
one small object per request and gives handlers what they need: bounded body reads, one-shot
responses, streams, and the access-log record they annotate with model and provider.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from plano.errors import BadRequest, PayloadTooLarge, PlanoError
from plano.observability.logs import AccessRecord
from plano.server.errors import Dialect, dialect_for_path, render

if TYPE_CHECKING:
    from granian._granian import RSGIHTTPProtocol as HTTPProtocol
    from granian._granian import RSGIHTTPStreamTransport as StreamTransport
    from granian.rsgi import Scope

Headers = list[tuple[str, str]]
Handler = Callable[["Request"], Awaitable[None]]


class Request:
    """One inbound HTTP request and the means to answer it exactly once."""

    __slots__ = ("access", "dialect", "headers", "method", "path", "protocol", "query", "responded")

    def __init__(self, scope: Scope, protocol: HTTPProtocol, access: AccessRecord) -> None:
        self.protocol = protocol
        self.method = scope.method
        self.path = scope.path
        self.query = scope.query_string
        self.headers = scope.headers
        self.access = access
        self.dialect: Dialect = dialect_for_path(scope.path)
        self.responded = False

    @property
    def request_id(self) -> str:
        return self.access.request_id

    async def body(self, max_bytes: int) -> bytes:
        """The whole request body; `PayloadTooLarge` past `max_bytes` without buffering more."""
        declared = self.headers.get("content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                raise BadRequest(f"invalid content-length header {declared!r}") from None
            if size > max_bytes:
                raise PayloadTooLarge(
                    f"request body of {size} bytes exceeds this listener's limit of {max_bytes}"
                )
            return await self.protocol()
        parts: list[bytes] = []
        received = 0
        async for chunk in self.protocol:
            received += len(chunk)
            if received > max_bytes:
                raise PayloadTooLarge(
                    f"request body exceeds this listener's limit of {max_bytes} bytes"
                )
            parts.append(chunk)
        return b"".join(parts)

    def respond(self, status: int, headers: Headers, body: bytes) -> None:
        """Sends a complete response."""
        self.responded = True
        self.access.status = status
        headers.append(("x-request-id", self.access.request_id))
        self.protocol.response_bytes(status, headers, body)

    def respond_json(self, status: int, body: bytes, extra: Headers | None = None) -> None:
        headers = [("content-type", "application/json")]
        if extra:
            headers.extend(extra)
        self.respond(status, headers, body)

    def respond_error(self, error: PlanoError) -> None:
        """Sends `error` in the caller's dialect."""
        status, headers, body = render(error, self.dialect)
        self.respond(status, headers, body)

    def start_stream(self, status: int, headers: Headers) -> StreamTransport:
        """Starts a streamed response; after this, failures must be reported in-stream."""
        self.responded = True
        self.access.status = status
        headers.append(("x-request-id", self.access.request_id))
        return self.protocol.response_stream(status, headers)
