"""Type stubs for the native extension `plano._core` (crate `rust_core/`).

Only a concern's wrapper module imports `plano._core`; the rest of the app imports that wrapper.
"""

from typing import Literal, TypedDict, final

__all__ = [
    "CoreError",
    "EventStreamError",
    "RateLimitError",
    "SseError",
    "SseEvent",
    "SseParser",
    "StreamTranslator",
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

# --- streaming response translation (rust_core/src/translate/stream/) ---

_StreamApi = Literal["openai-chat", "openai-responses", "anthropic-messages", "bedrock-converse", "gemini"]
_ClientApi = Literal["openai-chat", "openai-responses", "anthropic-messages", "gemini"]

class _StreamUsage(TypedDict):
    """Token usage as reported upstream; `input_tokens` includes cached and cache-write tokens."""

    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_creation_tokens: int
    reasoning_tokens: int

class StreamTranslator:
    """Translates one upstream response stream for one client, chunk by chunk.

    Same-API pairs pass bytes through unchanged (up to the last complete event) while observing
    usage, stop reason and completion. `now_s` dates the response and makes minted ids
    reproducible; it defaults to the current time. Raises `TranslationError` for an unknown API
    or a non-client API (`bedrock-converse`) as `client`.
    """

    def __init__(
        self,
        *,
        upstream: _StreamApi,
        client: _ClientApi,
        model: str | None = None,
        now_s: float | None = None,
    ) -> None: ...
    def feed(self, chunk: bytes) -> bytes:
        """Feed one upstream chunk; returns client-ready bytes (possibly empty)."""
    def finish(self) -> bytes:
        """Upstream EOF: closes the envelope, or emits a client error if the stream was cut."""
    def abort(self, message: str) -> bytes:
        """Ends the stream with a client-dialect error event; empty once the stream has ended."""
    def usage(self) -> _StreamUsage | None:
        """Token usage reported by the upstream so far, or None."""
    def stop_reason(self) -> str | None:
        """end_turn, max_tokens, stop_sequence, tool_use, content_filter, pause_turn or None."""
    def output_chars(self) -> int:
        """Characters of text, reasoning and tool arguments seen (for a token estimate)."""
    def is_complete(self) -> bool:
        """Whether the stream ended normally (not cut, not failed)."""
    def response_id(self) -> str | None:
        """The upstream's response id, when it reported one."""
    def model(self) -> str:
        """The upstream-reported model, else the configured one."""
