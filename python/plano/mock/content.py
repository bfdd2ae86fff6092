"""What the mock says, independent of any wire format.

A format module parses a request into a `Turn`; `plan_reply` turns it plus the `Knobs` into a
`Reply` (text split into token pieces, optional reasoning, optional tool call, usage numbers) that
every format renders in its own envelope. Same turn and knobs, same reply text: the text starts with
`mock reply to: <first 64 characters of the last user message>` so tests can detect cross-talk, then
deterministic filler words chosen by a CRC of that message.
"""

from __future__ import annotations

import itertools
import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson

from plano.mock.knobs import Knobs

ECHO_CHARS = 64
REASONING_WORDS = 8
ARGUMENT_PIECES = 4

_FILLER = (
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
    "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray",
    "yankee", "zulu", "amber", "basil", "cedar", "dune", "ember", "fjord",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One tool the request offers: its name and JSON schema of the arguments."""

    name: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Turn:
    """What a request asks for, in format-neutral terms.

    `max_output_tokens` is the request's output cap (0: none): a longer reply is cut to it and
    ends for length. `request_fields` holds request parameters a format echoes back (Responses);
    `is_sse` is False only for Gemini streams sent as a JSON array.
    """

    model: str
    last_user_text: str
    tools: tuple[ToolSpec, ...]
    is_streaming: bool
    prompt_tokens: int
    include_usage: bool = False
    max_output_tokens: int = 0
    is_sse: bool = True
    request_fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool call the reply makes; `argument_pieces` join to `arguments_json`."""

    call_id: str
    name: str
    arguments: Mapping[str, Any]
    arguments_json: str
    argument_pieces: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """One planned answer. `text_pieces` join to `text`; each piece is one output token."""

    response_id: str
    created_s: int
    model: str
    text: str
    text_pieces: tuple[str, ...]
    reasoning: str
    reasoning_pieces: tuple[str, ...]
    tool_call: ToolCall | None
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    is_truncated: bool = False


SERIAL_CHARS = 20
# Stand-ins rendered into cached templates and swapped for real values per response; each has
# the length of the value it stands for so precomputed lengths stay right.
SERIAL_PLACEHOLDER = "~mock~serial~~~~~~~~"
CREATED_PLACEHOLDER_S = 9999999999
assert len(SERIAL_PLACEHOLDER) == SERIAL_CHARS


class Serials:
    """Unique per-response serials: a random process tag plus a counter, 20 hex characters."""

    def __init__(self) -> None:
        self._tag = os.urandom(4).hex()
        self._counter = itertools.count(1)

    def new(self) -> str:
        return f"{self._tag}{next(self._counter):012x}"


def plan_reply(turn: Turn, knobs: Knobs, serial: str, id_prefix: str, now_s: int) -> Reply:
    """Decide the reply to `turn`.

    Every id in the reply embeds `serial` (`<id_prefix>mock<serial>`, `call_mock<serial>`), so a
    reply rendered with `SERIAL_PLACEHOLDER` becomes a template for any later serial.
    """
    model = knobs.model or turn.model
    tool = _requested_tool(turn, knobs)
    reasoning, reasoning_pieces = _reasoning(turn.last_user_text) if knobs.reasoning else ("", ())
    pieces: tuple[str, ...]
    if tool is not None:
        arguments = _arguments_for(tool.parameters)
        arguments_json = orjson.dumps(arguments).decode()
        call = ToolCall(
            call_id=f"call_mock{serial}",
            name=tool.name,
            arguments=arguments,
            arguments_json=arguments_json,
            argument_pieces=split_evenly(arguments_json, ARGUMENT_PIECES),
        )
        text, pieces = "", ()
        is_truncated = False
        completion = max(1, len(arguments_json) // 4)
    else:
        call = None
        pieces = text_pieces(turn.last_user_text, knobs.tokens, knobs.size_bytes)
        is_truncated = 0 < turn.max_output_tokens < len(pieces)
        if is_truncated:
            pieces = pieces[: turn.max_output_tokens]
        text = "".join(pieces)
        completion = len(pieces)
    return Reply(
        response_id=f"{id_prefix}mock{serial}",
        created_s=now_s,
        model=model,
        text=text,
        text_pieces=pieces,
        reasoning=reasoning,
        reasoning_pieces=reasoning_pieces,
        tool_call=call,
        prompt_tokens=turn.prompt_tokens,
        completion_tokens=completion + len(reasoning_pieces),
        reasoning_tokens=len(reasoning_pieces),
        is_truncated=is_truncated,
    )


def echo_prefix(last_user_text: str) -> str:
    """The reply's first piece: names the request so cross-talk between requests is visible."""
    return "mock reply to: " + last_user_text[:ECHO_CHARS]


@lru_cache(maxsize=4096)
def text_pieces(last_user_text: str, tokens: int, size_bytes: int) -> tuple[str, ...]:
    """The reply text as `tokens` pieces; with `size_bytes`, the UTF-8 text is exactly that long."""
    prefix = echo_prefix(last_user_text)
    start = zlib.crc32(last_user_text.encode())
    if size_bytes <= 0:
        words = (" " + _FILLER[(start + i) % len(_FILLER)] for i in range(tokens - 1))
        return (prefix, *words)
    encoded = prefix.encode()
    if len(encoded) >= size_bytes:
        # Cut on a character boundary, then pad with spaces to the exact size.
        cut = encoded[:size_bytes].decode(errors="ignore").encode()
        return split_evenly((cut + b" " * (size_bytes - len(cut))).decode(), tokens)
    filler = bytearray(encoded)
    i = 0
    while len(filler) < size_bytes:
        filler += b" " + _FILLER[(start + i) % len(_FILLER)].encode()
        i += 1
    text = bytes(filler[:size_bytes]).decode()
    return split_evenly(text, tokens)


def split_evenly(text: str, parts: int) -> tuple[str, ...]:
    """Cut `text` into `parts` contiguous pieces of near-equal length (fewer if it is short)."""
    parts = max(1, min(parts, len(text)))
    size, extra = divmod(len(text), parts)
    pieces = []
    at = 0
    for i in range(parts):
        end = at + size + (1 if i < extra else 0)
        pieces.append(text[at:end])
        at = end
    return tuple(pieces)


@lru_cache(maxsize=1024)
def _reasoning(last_user_text: str) -> tuple[str, tuple[str, ...]]:
    start = zlib.crc32(last_user_text.encode()) + 7
    head = "mock reasoning about: " + last_user_text[:32]
    words = (" " + _FILLER[(start + i) % len(_FILLER)] for i in range(REASONING_WORDS - 1))
    pieces = (head, *words)
    return "".join(pieces), pieces


def _requested_tool(turn: Turn, knobs: Knobs) -> ToolSpec | None:
    """The tool to call: named by `x-mock-tool-call` (`*` = the first tool) or `call <name>`."""
    if not turn.tools:
        return None
    if knobs.tool_call:
        if knobs.tool_call == "*":
            return turn.tools[0]
        for tool in turn.tools:
            if tool.name == knobs.tool_call:
                return tool
        return ToolSpec(name=knobs.tool_call, parameters={})
    text = turn.last_user_text
    if "call " not in text:
        return None
    for tool in turn.tools:
        if f"call {tool.name}" in text:
            return tool
    return None


def _arguments_for(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Deterministic arguments that satisfy a simple JSON schema: one value per property."""
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return {}
    return {str(name): _value_for(str(name), spec) for name, spec in properties.items()}


def _value_for(name: str, spec: Any) -> Any:
    if not isinstance(spec, Mapping):
        return f"mock-{name}"
    enum = spec.get("enum")
    if isinstance(enum, Sequence) and not isinstance(enum, str) and enum:
        return enum[0]
    kind = spec.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind in {"integer", "INTEGER"}:
        return 1
    if kind in {"number", "NUMBER"}:
        return 1.5
    if kind in {"boolean", "BOOLEAN"}:
        return True
    if kind in {"array", "ARRAY"}:
        return []
    if kind in {"object", "OBJECT"}:
        return _arguments_for(spec)
    return f"mock-{name}"


def positive_int(value: Any) -> int:
    """`value` if it is a positive JSON integer, else 0 (used for optional token caps)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def estimate_prompt_tokens(body_len: int) -> int:
    """A deterministic stand-in for a tokenizer: about four bytes of request per token."""
    return max(1, body_len // 4)
