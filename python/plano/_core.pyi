"""Type stubs for the native extension `plano._core` (crate `rust_core/`).

Only a concern's wrapper module imports `plano._core`; the rest of the app imports that wrapper.
"""

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
