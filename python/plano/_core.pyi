"""Type stubs for the native extension `plano._core` (crate `rust_core/`).

Only a concern's wrapper module imports `plano._core`; the rest of the app imports that wrapper.
"""

from typing import final

__all__ = [
    "CoreError",
    "EventStreamError",
    "Http1Error",
    "RateLimitError",
    "ResponseHead",
    "ResponseParser",
    "SseError",
    "TranslationError",
    "__version__",
    "encode_request",
]

__version__: str

class CoreError(ValueError):
    """Base class of every error raised by plano._core."""

class SseError(CoreError):
    """Malformed or oversized server-sent-event input."""

class EventStreamError(CoreError):
    """Malformed AWS event-stream input or an exception frame."""

class TranslationError(CoreError):
    """A body or chunk that cannot be translated between APIs."""

class RateLimitError(CoreError):
    """Invalid rate-limit configuration or arguments."""

# --- http1: upstream HTTP/1.1 client bytes (rust_core/src/http1/) ---

class Http1Error(CoreError):
    """A malformed or oversized HTTP/1.1 response, or a request that cannot be encoded safely."""

@final
class ResponseHead:
    """A parsed response head; header strings are made only when asked for."""

    @property
    def status(self) -> int:
        """The status code."""
    def get(self, name: str) -> str | None:
        """The first value of header `name` (give it lower-case), or None."""
    def items(self) -> list[tuple[str, str]]:
        """Every header as (lower-case name, value), in order; values decoded as ISO-8859-1."""
    def __len__(self) -> int: ...

@final
class ResponseParser:
    """One connection's incremental HTTP/1.1 response parser (RFC 9112 framing).

    Bounds: the head (status line and header fields, at most 128) may not exceed
    ``max_head_bytes``; a chunk-size line 4 KiB; the trailer section 16 KiB. Past them, or on
    malformed input, ``feed`` raises ``Http1Error``; any split of the input gives the same parse.
    """

    def __new__(cls, *, max_head_bytes: int = ...) -> ResponseParser: ...
    def start(self, is_head_request: bool) -> None:
        """Prepares for the response to the next request on this connection."""
    def feed(self, data: bytes) -> tuple[ResponseHead | None, bytes, bool]:
        """Feeds one network chunk; returns `(head, body, done)`; `head` is the final head
        when this chunk completed it (interim 1xx heads are skipped)."""
    def eof(self) -> bool:
        """The peer closed the connection; returns whether that completes the response."""
    @property
    def has_head(self) -> bool:
        """Whether the final head has been parsed."""
    @property
    def is_done(self) -> bool:
        """Whether the response is complete."""
    @property
    def keep_alive(self) -> bool:
        """Whether the connection can carry another request (only once the response is done)."""

def encode_request(
    method: str, target: str, host: str, headers: list[tuple[str, str]], body: bytes
) -> bytes:
    """The whole request as one buffer: request line, `host`, `headers`, `content-length`, body.

    Raises `Http1Error` on a header name that is not a token or a value holding CR, LF or NUL."""
