"""Per-request behaviour knobs: CLI defaults overridden by `x-mock-*` request headers.

Every knob has one header (`HEADER_PREFIX` + name) and one `plano mock` flag of the same name.
Parsing happens once per request and only when the request carries an `x-mock-` header.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

HEADER_PREFIX = "x-mock-"


class KnobError(ValueError):
    """A `x-mock-*` header carries a value the mock cannot use."""


@dataclass(frozen=True, slots=True)
class Knobs:
    """How one reply is produced. Zero means "off" for the delays and the faults.

    `fail_status` alone fails every request; with `fail_count` K only the first K requests of
    each `fail_key` fail (0: none).
    """

    ttft_ms: float = 0.0
    tokens: int = 16
    itl_ms: float = 0.0
    size_bytes: int = 0
    model: str = ""
    headers_delay_ms: float = 0.0
    fail_status: int = 0
    fail_count: int = -1
    fail_key: str = ""
    retry_after: str = ""
    cut_after: int = 0
    malformed_chunk: int = 0
    stream_error_after: int = 0
    reasoning: bool = False
    tool_call: str = ""

    def with_headers(self, headers: Iterable[tuple[str, str]]) -> Knobs:
        """Return these knobs overridden by the request's `x-mock-*` headers (names lowercase)."""
        changes: dict[str, Any] = {}
        for name, value in headers:
            if not name.startswith(HEADER_PREFIX):
                continue
            field = name[len(HEADER_PREFIX) :].replace("-", "_")
            parse = _PARSERS.get(field)
            if parse is None:
                continue
            try:
                changes[field] = parse(value.strip())
            except ValueError as exc:
                raise KnobError(f"invalid header {name}: {value!r} ({exc})") from None
        return dataclasses.replace(self, **changes) if changes else self


def _non_negative_float(value: str) -> float:
    number = float(value)
    if not number >= 0.0 or number == float("inf"):
        raise ValueError("expected a finite number >= 0")
    return number


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("expected an integer >= 0")
    return number


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("expected an integer >= 1")
    return number


def _fail_count(value: str) -> int:
    number = int(value)
    if number < -1:
        raise ValueError("expected an integer >= 0, or -1 for always")
    return number


def _status(value: str) -> int:
    number = int(value)
    if number != 0 and not 400 <= number <= 599:
        raise ValueError("expected an HTTP error status 400..599 (0 disables)")
    return number


def _flag(value: str) -> bool:
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected 1/0, true/false")


def _text(value: str) -> str:
    return value


_PARSERS = {
    "ttft_ms": _non_negative_float,
    "tokens": _positive_int,
    "itl_ms": _non_negative_float,
    "size_bytes": _non_negative_int,
    "model": _text,
    "headers_delay_ms": _non_negative_float,
    "fail_status": _status,
    "fail_count": _fail_count,
    "fail_key": _text,
    "retry_after": _text,
    "cut_after": _non_negative_int,
    "malformed_chunk": _non_negative_int,
    "stream_error_after": _non_negative_int,
    "reasoning": _flag,
    "tool_call": _text,
}

KNOB_NAMES: tuple[str, ...] = tuple(_PARSERS)


def parse_knob(field: str, value: str) -> object:
    """Parse one knob value the way its header is parsed (used for CLI flags)."""
    return _PARSERS[field](value)
