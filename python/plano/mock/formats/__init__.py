"""Wire formats: one module per provider API, each implementing `WireFormat`.

A format parses a request body into a `Turn`, renders a `Reply` as a full body or as a list of
stream `Event`s, corrupts one event on demand, and renders errors in the provider's real error
shape. The app applies timing, cuts and faults; formats only produce bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from plano.mock.content import Reply, Turn

Headers = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Event:
    """One stream event (an SSE event or an event-stream frame).

    `is_token` marks events that carry generated output; the app waits the time-to-first-token
    before the first of them and the inter-token delay before each later one.
    """

    data: bytes
    is_token: bool = False


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """What the request path says: a model (Bedrock, Gemini, Azure) and stream mode."""

    path_model: str = ""
    path_streaming: bool = False
    is_sse: bool = False


class BadRequestBody(ValueError):
    """The request body is not a valid request for this API."""


class WireFormat(Protocol):
    """A provider API the mock speaks."""

    name: str
    id_prefix: str
    # The response header carrying the provider's request id (`x-request-id`, `request-id`, …);
    # empty when the provider sends none.
    request_id_header: str
    # False when rendered bytes cannot be patched afterwards (checksummed frames).
    is_templatable: bool

    def parse(self, body: Any, route: RouteInfo, body_len: int, query: str) -> Turn: ...

    def stream_headers(self, turn: Turn) -> Headers: ...

    def render(self, reply: Reply, turn: Turn) -> bytes: ...

    def stream(self, reply: Reply, turn: Turn) -> list[Event]: ...

    def corrupt(self, event: bytes) -> bytes: ...

    def stream_error(self, sequence_number: int, turn: Turn) -> bytes:
        """The provider's own in-stream error event (sent after `sequence_number` events)."""
        ...

    def error(self, status: int, message: str) -> tuple[Headers, bytes]: ...


JSON_HEADERS: Headers = [("content-type", "application/json")]
SSE_HEADERS: Headers = [
    ("content-type", "text/event-stream; charset=utf-8"),
    ("cache-control", "no-cache"),
]


def sse_data(payload: Any) -> bytes:
    """One `data:`-only SSE event (OpenAI Chat, Gemini)."""
    return b"data: " + orjson.dumps(payload) + b"\n\n"


def sse_named(name: bytes, payload: Any) -> bytes:
    """One SSE event with an `event:` line (Anthropic, OpenAI Responses)."""
    return b"event: " + name + b"\ndata: " + orjson.dumps(payload) + b"\n\n"


def corrupt_sse(event: bytes) -> bytes:
    """Keep the event's framing but make its `data:` payload invalid JSON."""
    at = event.find(b"data: ")
    head = event[: at + 6] if at >= 0 else b"data: "
    return head + b'{"mock_malformed": tru\n\n'


def as_dict(value: Any) -> Mapping[str, Any]:
    """`value` if it is a JSON object, else an empty mapping."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` if it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def text_of(content: Any, text_types: frozenset[str]) -> str:
    """The text of a message content: a string, or the joined text of its typed text parts."""
    if isinstance(content, str):
        return content
    parts = []
    for part in as_list(content):
        part = as_dict(part)
        if part.get("type") in text_types and isinstance(part.get("text"), str):
            parts.append(part["text"])
    return "\n".join(parts)


def require_object(body: Any) -> Mapping[str, Any]:
    """The request body as a JSON object, or `BadRequestBody`."""
    if not isinstance(body, dict):
        raise BadRequestBody("request body must be a JSON object")
    return body
