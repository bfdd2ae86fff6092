"""Type stubs for the native extension `plano._core` (crate `rust_core/`).

Only a concern's wrapper module imports `plano._core`; the rest of the app imports that wrapper.
"""

from collections.abc import Callable, Sequence
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

    Same-API pairs pass the body through unchanged except `model` (and, for OpenAI Chat
    reasoning models, `max_tokens` → `max_completion_tokens` without sampling parameters); an
    unchanged body is returned as the same object. Bedrock and Gemini bodies carry no model.
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
