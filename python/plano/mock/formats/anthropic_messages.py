"""Anthropic Messages (`POST /v1/messages`).

Non-streaming: one `message` object. Streaming: named SSE events `message_start`,
`content_block_start`, `ping`, `content_block_delta` (`text_delta`, `thinking_delta`,
`signature_delta`, `input_json_delta`), `content_block_stop`, `message_delta`, `message_stop`.
Reasoning is a `thinking` block with a signature, placed before the answer as Claude does.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from plano.mock.content import Reply, ToolSpec, Turn, estimate_prompt_tokens, positive_int
from plano.mock.formats import (
    JSON_HEADERS,
    SSE_HEADERS,
    BadRequestBody,
    Event,
    Headers,
    RouteInfo,
    as_dict,
    as_list,
    corrupt_sse,
    require_object,
    sse_named,
    text_of,
)

_TEXT_PARTS = frozenset({"text"})
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def anthropic_error(status: int, message: str) -> tuple[Headers, bytes]:
    """`{"type": "error", "error": {"type", "message"}}` as Anthropic returns it."""
    kind = _ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return list(JSON_HEADERS), orjson.dumps(body)


def signature_of(text: str) -> str:
    """A stable stand-in for the opaque thinking signature."""
    return "mocksig_" + hashlib.sha256(text.encode()).hexdigest()[:32]


def tool_use_id(call_id: str) -> str:
    """Anthropic tool-use ids start with `toolu_`."""
    return "toolu_" + call_id.removeprefix("call_")


class AnthropicMessages:
    """The Messages wire format."""

    name = "anthropic-messages"
    is_templatable = True
    request_id_header = "request-id"
    id_prefix = "msg_"

    def parse(self, body: Any, route: RouteInfo, body_len: int, query: str) -> Turn:
        request = require_object(body)
        messages = request.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequestBody("messages: field required (a non-empty array)")
        if not isinstance(request.get("max_tokens"), int):
            raise BadRequestBody("max_tokens: field required")
        last_user = ""
        for message in reversed(messages):
            message = as_dict(message)
            if message.get("role") == "user":
                last_user = text_of(message.get("content"), _TEXT_PARTS)
                break
        tools = []
        for tool in as_list(request.get("tools")):
            tool = as_dict(tool)
            name = tool.get("name")
            if isinstance(name, str):
                tools.append(ToolSpec(name=name, parameters=as_dict(tool.get("input_schema"))))
        model = request.get("model")
        return Turn(
            model=model if isinstance(model, str) else route.path_model,
            last_user_text=last_user,
            tools=tuple(tools),
            is_streaming=request.get("stream") is True,
            prompt_tokens=estimate_prompt_tokens(body_len),
            max_output_tokens=positive_int(request.get("max_tokens")),
        )

    def _usage(self, reply: Reply, output_tokens: int) -> dict[str, Any]:
        return {
            "input_tokens": reply.prompt_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": output_tokens,
        }

    def render(self, reply: Reply, turn: Turn) -> bytes:
        content: list[dict[str, Any]] = []
        if reply.reasoning:
            content.append(
                {
                    "type": "thinking",
                    "thinking": reply.reasoning,
                    "signature": signature_of(reply.reasoning),
                }
            )
        call = reply.tool_call
        if call is None:
            content.append({"type": "text", "text": reply.text})
        else:
            content.append(
                {
                    "type": "tool_use",
                    "id": tool_use_id(call.call_id),
                    "name": call.name,
                    "input": call.arguments,
                }
            )
        return orjson.dumps(
            {
                "id": reply.response_id,
                "type": "message",
                "role": "assistant",
                "model": reply.model,
                "content": content,
                "stop_reason": _stop_reason(reply),
                "stop_sequence": None,
                "usage": self._usage(reply, reply.completion_tokens),
            }
        )

    def stream(self, reply: Reply, turn: Turn) -> list[Event]:
        message: dict[str, Any] = {
            "id": reply.response_id,
            "type": "message",
            "role": "assistant",
            "model": reply.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": self._usage(reply, 1),
        }
        events = [Event(sse_named(b"message_start", {"type": "message_start", "message": message}))]
        index = 0
        if reply.reasoning:
            events.append(_block_start(index, {"type": "thinking", "thinking": ""}))
            events.append(Event(sse_named(b"ping", {"type": "ping"})))
            events.extend(
                _delta(index, {"type": "thinking_delta", "thinking": piece})
                for piece in reply.reasoning_pieces
            )
            signature = {"type": "signature_delta", "signature": signature_of(reply.reasoning)}
            events.append(_delta(index, signature, is_token=False))
            events.append(_block_stop(index))
            index += 1
        call = reply.tool_call
        if call is None:
            events.append(_block_start(index, {"type": "text", "text": ""}))
            if index == 0:
                events.append(Event(sse_named(b"ping", {"type": "ping"})))
            events.extend(
                _delta(index, {"type": "text_delta", "text": piece}) for piece in reply.text_pieces
            )
        else:
            opening = {
                "type": "tool_use",
                "id": tool_use_id(call.call_id),
                "name": call.name,
                "input": {},
            }
            events.append(_block_start(index, opening))
            if index == 0:
                events.append(Event(sse_named(b"ping", {"type": "ping"})))
            events.extend(
                _delta(index, {"type": "input_json_delta", "partial_json": piece})
                for piece in ("", *call.argument_pieces)
            )
        events.append(_block_stop(index))
        final = {
            "type": "message_delta",
            "delta": {
                "stop_reason": _stop_reason(reply),
                "stop_sequence": None,
            },
            "usage": {"output_tokens": reply.completion_tokens},
        }
        events.append(Event(sse_named(b"message_delta", final)))
        events.append(Event(sse_named(b"message_stop", {"type": "message_stop"})))
        return events

    def stream_headers(self, turn: Turn) -> Headers:
        return list(SSE_HEADERS)

    def stream_error(self, sequence_number: int, turn: Turn) -> bytes:
        error = {"type": "overloaded_error", "message": "Overloaded (mock injected stream error)"}
        return sse_named(b"error", {"type": "error", "error": error})

    def corrupt(self, event: bytes) -> bytes:
        return corrupt_sse(event)

    def error(self, status: int, message: str) -> tuple[Headers, bytes]:
        return anthropic_error(status, message)


def _stop_reason(reply: Reply) -> str:
    if reply.tool_call is not None:
        return "tool_use"
    return "max_tokens" if reply.is_truncated else "end_turn"


def _block_start(index: int, block: dict[str, Any]) -> Event:
    payload = {"type": "content_block_start", "index": index, "content_block": block}
    return Event(sse_named(b"content_block_start", payload))


def _delta(index: int, delta: dict[str, Any], *, is_token: bool = True) -> Event:
    payload = {"type": "content_block_delta", "index": index, "delta": delta}
    return Event(sse_named(b"content_block_delta", payload), is_token=is_token)


def _block_stop(index: int) -> Event:
    payload = {"type": "content_block_stop", "index": index}
    return Event(sse_named(b"content_block_stop", payload))
