"""Injected failures: "status N for the first K requests of a key", plus stream corruption.

Counters are keyed by `x-mock-fail-key` so parallel tests do not consume each other's failures;
they live in the worker process and are cleared by `DELETE /__mock/faults`.
"""

from __future__ import annotations

from collections.abc import Sequence

from plano.mock.content import Turn
from plano.mock.formats import Event, WireFormat
from plano.mock.knobs import Knobs


class FailCounter:
    """How many injected failures each fail key has served."""

    def __init__(self) -> None:
        self._served: dict[tuple[str, int], int] = {}

    def should_fail(self, knobs: Knobs) -> bool:
        """Whether this request gets the injected status; counts it if so.

        `fail_count` -1 (the default) fails every request; 0 never fails.
        """
        if knobs.fail_status == 0 or knobs.fail_count == 0:
            return False
        key = (knobs.fail_key, knobs.fail_status)
        served = self._served.get(key, 0)
        if knobs.fail_count > 0 and served >= knobs.fail_count:
            return False
        self._served[key] = served + 1
        return True

    def clear(self) -> None:
        self._served.clear()


def apply_stream_faults(
    events: Sequence[Event], knobs: Knobs, fmt: WireFormat, turn: Turn
) -> tuple[list[Event], int]:
    """Apply the stream faults: error event, malformed event, cut.

    In that order: after `stream_error_after` events end with the provider's error event,
    corrupt event `malformed_chunk` (1-based), keep only the first `cut_after` events.

    Returns the events to send and, when cutting, the byte length of the whole uncut stream
    (declared as `content-length` so the early close is a protocol-level truncation the client
    notices); 0 when not cutting.
    """
    out = list(events)
    if 0 < knobs.stream_error_after < len(out):
        error = fmt.stream_error(knobs.stream_error_after, turn)
        out = [*out[: knobs.stream_error_after], Event(error)]
    if 0 < knobs.malformed_chunk <= len(out):
        victim = out[knobs.malformed_chunk - 1]
        out[knobs.malformed_chunk - 1] = Event(fmt.corrupt(victim.data), victim.is_token)
    if 0 < knobs.cut_after < len(out):
        declared = sum(len(event.data) for event in out)
        return out[: knobs.cut_after], declared
    return out, 0
