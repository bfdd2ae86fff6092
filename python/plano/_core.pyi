"""Type stubs for the native extension `plano._core` (crate `rust_core/`).

Only a concern's wrapper module imports `plano._core`; the rest of the app imports that wrapper.
"""

from typing import Literal, TypedDict

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
