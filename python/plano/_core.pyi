"""Type stubs for the native extension `plano._core` (crate `rust_core/`).

Only a concern's wrapper module imports `plano._core`; the rest of the app imports that wrapper.
"""

from collections.abc import Callable, Sequence
from typing import Literal, Self, TypeAlias, TypedDict, final

__all__ = [
    "CoreError",
    "EventStreamDecoder",
    "EventStreamError",
    "Http1Error",
    "LatencyHistogram",
    "LoadProgress",
    "LoadResult",
    "RateLimitError",
    "RateLimiter",
    "RequestInfo",
    "RequestTranslator",
    "ResponseHead",
    "ResponseParser",
    "ResponseTranslator",
    "SseError",
    "SseEvent",
    "SseParser",
    "StreamTranslator",
    "TokenUsage",
    "TokenizeError",
    "TranslationError",
    "__version__",
    "count_request_tokens",
    "count_tokens",
    "encode_event_stream_frame",
    "encode_request",
    "encode_sse",
    "encoding_for_model",
    "error_envelope",
    "extract_usage",
    "inspect_request",
    "run_load",
    "translate_error",
]

__version__: str

class CoreError(ValueError):
    """Base class of every error raised by plano._core."""

class SseError(CoreError):
    """Malformed or oversized server-sent-event input."""

class EventStreamError(CoreError):
    """Malformed AWS event-stream input or an exception frame.

    For an upstream exception frame, ``exception_type`` (e.g. "throttlingException", or the
    ``:error-code`` of an error frame) and ``upstream_message`` are set; otherwise both are None.
    """

    exception_type: str | None
    upstream_message: str | None

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
    `wants_usage` says whether the client's stream should end with usage: for OpenAI Chat only
    when it set `stream_options.include_usage: true` (the gateway asks the upstream for usage
    anyway); always for the other APIs, whose streams report usage by protocol. Pass it to
    `StreamTranslator(include_usage=...)`.
    """

    @property
    def model(self) -> str | None: ...
    @property
    def is_streaming(self) -> bool: ...
    @property
    def has_tools(self) -> bool: ...
    @property
    def wants_usage(self) -> bool: ...
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

class TokenizeError(CoreError):
    """An unknown encoding or API, or a request body that cannot be counted."""

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
        """Parse one chunk; return the events it completes (possibly none).

        If an error follows some events within this chunk, those events are returned and the
        error is raised by the next ``feed``.
        """

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

# --- eventstream (rust_core/src/eventstream): AWS event-stream binary frames --------------------

_EventStreamHeaders: TypeAlias = dict[str, bool | int | str | bytes]

@final
class EventStreamDecoder:
    """Incremental AWS event-stream decoder for one stream (Bedrock ``ConverseStream``).

    Feed network chunks of any size; partial frames stay buffered. Both CRCs are verified and a
    frame must be 16..``max_frame_bytes`` bytes (default 16 MiB). Header values decode to bool,
    int (byte/short/int/long, and timestamps as epoch milliseconds), str, or bytes (bytes and
    uuid values). Exception frames raise ``EventStreamError`` with ``exception_type`` set.
    Errors are sticky: once raised, every later call raises again.
    """

    def __new__(cls, *, max_frame_bytes: int = ...) -> EventStreamDecoder: ...
    def feed(self, chunk: bytes) -> list[tuple[_EventStreamHeaders, bytes]]:
        """Decode one chunk; return the complete frames as ``(headers, payload)``.

        If an error follows some frames within this chunk, those frames are returned and the
        error is raised by the next ``feed`` or ``finish``, so no frame before it is lost.
        """

    def finish(self) -> None:
        """End the stream and reset; raise ``EventStreamError`` if a partial frame (or a pending
        error) remains."""

def encode_event_stream_frame(headers: _EventStreamHeaders, payload: bytes) -> bytes:
    """Encode one frame. Header values: bool, int (int32 if it fits, else int64), str or bytes."""

# --- ratelimit (rust_core/src/ratelimit): keyed GCRA token buckets ------------------------------

_RateUnit: TypeAlias = Literal["second", "minute", "hour", "day"]

@final
class RateLimiter:
    """Keyed token buckets (GCRA) with exact units and a caller-supplied clock; thread-safe.

    Each ``(key, limit_tokens, unit)`` is its own bucket holding up to ``limit_tokens`` tokens
    and refilling one every ``unit / limit_tokens`` exactly (a day is 86400 s, not hours/24). A
    new bucket starts full. ``now_s`` is any monotonic clock in seconds (e.g. ``time.monotonic()``),
    quantized to nanoseconds. Memory is bounded: full buckets hold no information and are
    dropped (when touched, by a sweep amortized over calls, and all at once by ``sweep``); past
    ``max_keys`` buckets the least recently used are evicted, ``max_keys // 16`` at a time.
    Invalid units, ``limit_tokens == 0`` or a non-finite clock raise ``RateLimitError``; a
    negative count raises ``OverflowError``.
    """

    def __new__(cls, *, max_keys: int = ...) -> RateLimiter: ...
    def try_acquire(
        self, key: str, *, limit_tokens: int, unit: _RateUnit, cost: int, now_s: float
    ) -> float | None:
        """Take ``cost`` tokens. None = allowed; else the exact seconds until ``cost`` tokens are
        available (rounded up to 1 ns), or ``math.inf`` if ``cost > limit_tokens`` (never).
        A cost of 0 is allowed unless the bucket is in debt."""

    def charge(
        self, key: str, *, limit_tokens: int, unit: _RateUnit, cost: int, now_s: float
    ) -> None:
        """Take ``cost`` tokens unconditionally (e.g. output tokens after a response); the bucket
        may go into debt, so later requests wait until it has refilled."""

    def refund(
        self, key: str, *, limit_tokens: int, unit: _RateUnit, tokens: int, now_s: float
    ) -> None:
        """Give ``tokens`` back, never above the bucket's capacity."""

    def remaining(self, key: str, *, limit_tokens: int, unit: _RateUnit, now_s: float) -> int:
        """Whole tokens available now (negative while in debt)."""

    def sweep(self, now_s: float) -> int:
        """Drop every bucket that is full at ``now_s``; return how many were dropped."""

    def __len__(self) -> int:
        """Live (not full) buckets."""

# --- tokenize (rust_core/src/tokenize): offline BPE token counting -----------------------------

_Encoding: TypeAlias = Literal["o200k_base", "cl100k_base"]
_ApiKind: TypeAlias = Literal[
    "openai-chat", "openai-responses", "anthropic-messages", "bedrock-converse", "gemini"
]

def count_tokens(text: str, encoding: _Encoding = "o200k_base") -> int:
    """Tokens in ``text`` (encoded as ordinary text: special-token strings count as text).

    The BPE ranks are embedded in the extension; nothing is downloaded. The first call per
    encoding builds its table (~0.1-0.3 s). Releases the GIL for long texts.
    """

def count_request_tokens(api: _ApiKind, body: bytes, model: str | None = None) -> int:
    """Estimated prompt tokens of a whole request body in ``api``'s format.

    Cookbook-style: 3 tokens per message plus its role and text, 1 more per ``name``, 3 to prime
    the reply; tool calls count name and JSON arguments, tool definitions their compact JSON;
    images, audio and files count nothing. Counted: OpenAI chat ``messages``/``tools``,
    Anthropic ``system``/``messages``/``tools``, Responses ``instructions``/``input``/``tools``,
    Gemini ``systemInstruction``/``contents``/``tools``, Bedrock ``system``/``messages``/
    ``toolConfig``. Close to exact for GPT chat models; an estimate for every other model. The
    encoding follows ``model`` (else the body's ``model``, see ``encoding_for_model``). Invalid
    JSON or a malformed body raises ``TokenizeError``. Releases the GIL for large bodies.
    """

def encoding_for_model(model: str | None) -> _Encoding:
    """``gpt-4o*``/``gpt-4.1*`` → o200k_base; other ``gpt-4*`` and ``gpt-3.5*`` → cl100k_base;
    anything else (or None) → o200k_base. A provider prefix (``openai/``) is ignored."""

# --- streaming response translation (rust_core/src/translate/stream/) ---

_StreamApi = Literal[
    "openai-chat", "openai-responses", "anthropic-messages", "bedrock-converse", "gemini"
]
_ClientApi = Literal["openai-chat", "openai-responses", "anthropic-messages", "gemini"]

class _StreamUsage(TypedDict):
    """Token usage as reported upstream; `input_tokens` includes cached and cache-write tokens."""

    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_creation_tokens: int
    reasoning_tokens: int

@final
class StreamTranslator:
    """Translates one upstream response stream for one client, chunk by chunk.

    Same-API pairs pass bytes through unchanged (up to the last complete event) while observing
    usage, stop reason and completion. `now_s` dates the response and makes minted ids
    reproducible; it defaults to the current time. Raises `TranslationError` for an unknown API
    or a non-client API (`bedrock-converse`) as `client`.

    With `include_usage=False` an `openai-chat` client gets no usage-only chunk
    (`"choices": []`), as the OpenAI API does without `stream_options.include_usage`: passthrough
    drops exactly that event's bytes (and nulls a non-null `usage` on any other chunk), a
    translated stream does not emit it. `usage()` still reports what the upstream sent. Other
    clients ignore it: usage is part of their stream protocol.
    """

    def __new__(
        cls,
        *,
        upstream: _StreamApi,
        client: _ClientApi,
        model: str | None = None,
        now_s: float | None = None,
        include_usage: bool = True,
    ) -> Self: ...
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

# --- Load generator (rust_core/src/loadgen, py/loadgen.rs): used by `plano bench` ---

@final
class LatencyHistogram:
    """A distribution of durations in log buckets, reported in milliseconds."""

    @property
    def count(self) -> int:
        """Number of recorded values."""
    @property
    def min_ms(self) -> float:
        """Smallest recorded value (exact), 0 when empty."""
    @property
    def max_ms(self) -> float:
        """Largest recorded value (exact), 0 when empty."""
    @property
    def mean_ms(self) -> float:
        """Mean of recorded values (exact), 0 when empty."""
    def quantile_ms(self, q: float) -> float:
        """Value at quantile `q` in [0, 1], within 0.1 % of the exact nearest-rank value."""
    def buckets_ms(self) -> list[tuple[float, float, int]]:
        """Non-empty buckets as `(low_ms, high_ms, count)`, in increasing order."""

@final
class LoadProgress:
    """A snapshot handed to `run_load`'s progress callback."""

    @property
    def phase(self) -> str:
        """`"warmup"`, `"measure"` or `"drain"` (in-flight requests after the window)."""
    @property
    def elapsed_s(self) -> float: ...
    @property
    def sent(self) -> int: ...
    @property
    def ok(self) -> int: ...
    @property
    def errors(self) -> int: ...

@final
class LoadResult:
    """The outcome of one `run_load` call. Histograms hold measured successes only."""

    @property
    def ok(self) -> int:
        """2xx responses completed, warm-up included."""
    @property
    def measured_ok(self) -> int:
        """2xx responses whose send was due inside the measured window."""
    @property
    def sent(self) -> int: ...
    @property
    def unfinished(self) -> int:
        """Requests still in flight when the run was cut off."""
    @property
    def errors(self) -> dict[str, int]:
        """Failures by kind: `status_<code>`, `connect`, `io`, `timeout`."""
    @property
    def error_samples(self) -> dict[str, str]:
        """First body excerpt or error text per failure kind."""
    @property
    def window_s(self) -> float:
        """Length of the measured window."""
    @property
    def requests_per_s(self) -> float:
        """Measured successes per second of the window."""
    @property
    def chunks(self) -> int:
        """Body chunks received by measured successes."""
    @property
    def body_bytes(self) -> int: ...
    @property
    def latency(self) -> LatencyHistogram:
        """From the (intended) send time to the last body byte."""
    @property
    def ttft(self) -> LatencyHistogram:
        """From the (intended) send time to the first body chunk (streams only)."""
    @property
    def inter_chunk(self) -> LatencyHistogram:
        """Gaps between consecutive body chunks (streams only)."""

def run_load(
    url: str,
    *,
    duration_s: float,
    method: str = "POST",
    headers: Sequence[tuple[str, str]] = ...,
    body: bytes = ...,
    warmup_s: float = 0.0,
    max_requests: int = 100_000_000,
    concurrency: int = 1,
    rate_per_s: float | None = None,
    is_streaming: bool = False,
    threads: int = 1,
    timeout_s: float = 30.0,
    progress: Callable[[LoadProgress], object] | None = None,
    progress_interval_s: float = 0.5,
) -> LoadResult:
    """Send load to one http:// URL over HTTP/1.1 keep-alive connections and measure it.

    Closed loop (`concurrency` connections back to back) unless `rate_per_s` is given: then an
    open loop on a fixed schedule over up to `concurrency` connections, latency measured from
    each request's due time. Runs `warmup_s` unmeasured, then `duration_s` measured, stopping
    early after `max_requests` sends. Blocks with the GIL released; `progress` is called every
    `progress_interval_s` and exactly when a phase starts. Raises `CoreError` on bad arguments;
    per-request failures are counted in `LoadResult.errors`, never raised.
    """
