"""Type stubs for the native extension `plano._core` (crate `rust_core/`).

Only a concern's wrapper module imports `plano._core`; the rest of the app imports that wrapper.
"""

from typing import final

__all__ = [
    "CoreError",
    "EventStreamError",
    "RateLimitError",
    "SseError",
    "SseEvent",
    "SseParser",
    "TranslationError",
    "__version__",
    "encode_sse",
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

# --- sse (rust_core/src/sse): WHATWG server-sent events -----------------------------------------

@final
class SseEvent:
    """One dispatched server-sent event (immutable).

    ``event`` is None when the stream gave no (or an empty) ``event`` field, i.e. type "message".
    ``data`` is the ``data`` lines joined with ``\\n``. ``id`` is the stream's last event ID at
    dispatch (it persists across events, per the spec). ``retry`` is the last valid ``retry``
    value in milliseconds seen since the previous event.
    """

    @property
    def event(self) -> str | None: ...
    @property
    def data(self) -> str: ...
    @property
    def id(self) -> str | None: ...
    @property
    def retry(self) -> int | None: ...
    def __new__(
        cls, data: str, *, event: str | None = None, id: str | None = None, retry: int | None = None
    ) -> SseEvent: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class SseParser:
    """Incremental ``text/event-stream`` parser for one stream; call ``feed`` once per chunk.

    Any split of the input into chunks gives the same events. LF, CRLF and CR end lines; a
    leading UTF-8 BOM is stripped; comments and unknown fields are ignored. One event block
    (its raw lines, comments included) may not exceed ``max_event_bytes`` (default 1 MiB):
    past it ``feed`` raises ``SseError`` and keeps raising it (the stream is broken).
    """

    def __new__(cls, *, max_event_bytes: int = ...) -> SseParser: ...
    def feed(self, chunk: bytes) -> list[SseEvent]:
        """Parse one chunk; return the events it completes (possibly none)."""

    def finish(self) -> tuple[int, SseEvent | None]:
        """End the stream and reset the parser.

        Returns ``(leftover_bytes, unterminated)``: the raw bytes received after the last
        complete event (0 means the stream ended cleanly) and the event those bytes would have
        produced had the stream ended with a blank line. Per the spec that event is NOT dispatched;
        it is returned so the caller can detect a truncated stream (or accept e.g. a final
        ``data: [DONE]`` sent without a blank line).
        """

def encode_sse(data: str, *, event: str | None = None, id: str | None = None) -> bytes:
    """Render one event: ``event:``/``id:`` lines, one ``data:`` line per line of ``data``
    (split at LF, CRLF or CR), then a blank line. CR/LF inside ``event``/``id`` are dropped."""
