"""Type stubs for the native extension `plano._core` (crate `rust_core/`).

Only a concern's wrapper module imports `plano._core`; the rest of the app imports that wrapper.
"""

from typing import Self, final

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

# --- translate: requests, non-streaming responses, error bodies (rust_core/src/translate)

@final
class RequestInfo:
    """Routing facts of a validated client request; also a pre-parsed body.

    Pass it to `RequestTranslator.translate` instead of the bytes to skip a second parse.
    For Gemini, `model` is None and `is_streaming` False: both live in the URL.
    """

    @property
    def model(self) -> str | None: ...
    @property
    def is_streaming(self) -> bool: ...
    @property
    def has_tools(self) -> bool: ...
    @property
    def client(self) -> str: ...

def inspect_request(client: str, body: bytes) -> RequestInfo:
    """Validate a client request body and read its routing facts.

    Raises TranslationError naming the field path (`messages[2].content: expected ...`), the
    missing required field, or the JSON syntax error's line and column.
    """

@final
class RequestTranslator:
    """Translates request bodies from one client API to one upstream API.

    Same-API pairs pass the body through unchanged except `model` and, for OpenAI Chat,
    reasoning-model quirks (`max_tokens` → `max_completion_tokens`, no sampling parameters) and
    `stream_options.include_usage: true` on streaming requests; an unchanged body is returned as
    the same object. Bedrock and Gemini bodies carry no model (it is in the URL).
    """

    def __new__(cls, *, client: str, upstream: str) -> Self: ...
    @property
    def client(self) -> str: ...
    @property
    def upstream(self) -> str: ...
    def translate(self, body: bytes | RequestInfo, *, model: str | None = None) -> bytes:
        """Translate one body; `model` is the upstream model id to write into it."""

@final
class ResponseTranslator:
    """Translates non-streaming response bodies from one upstream API to one client API."""

    def __new__(cls, *, upstream: str, client: str) -> Self: ...
    @property
    def client(self) -> str: ...
    @property
    def upstream(self) -> str: ...
    def translate(self, body: bytes, *, model: str) -> bytes:
        """Translate one body; `model` is used only when the upstream reports none (Bedrock)."""

@final
class TokenUsage:
    """Token counts of one response; `input_tokens` includes cached prompt tokens."""

    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def cache_read_tokens(self) -> int: ...
    @property
    def cache_creation_tokens(self) -> int: ...
    @property
    def reasoning_tokens(self) -> int: ...
    @property
    def total_tokens(self) -> int: ...

def extract_usage(api: str, body: bytes) -> TokenUsage:
    """Token usage of a non-streaming response body of `api`."""

def translate_error(
    *,
    client: str,
    status: int,
    body: bytes,
    upstream: str | None = None,
    error_type: str | None = None,
) -> bytes:
    """An error body in the client API's envelope, type mapped from `status`.

    `upstream` None means plano's own error. `error_type` is Bedrock's `x-amzn-errortype`.
    A body that already is the client's envelope (same API) is returned unchanged.
    """

def error_envelope(*, client: str, status: int, message: str, code: str | None = None) -> bytes:
    """Plano's own error as the client API's error envelope."""
