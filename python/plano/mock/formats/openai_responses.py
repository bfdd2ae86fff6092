"""OpenAI Responses (`POST /v1/responses`).

Non-streaming: one `response` object with `output` items (`reasoning`, `message`,
`function_call`). Streaming: named SSE events `response.created`, `response.in_progress`, per item
`response.output_item.added` … `response.output_item.done` (text, reasoning-summary and
function-call-argument deltas in between), then `response.completed`; every event carries
`type` and a `sequence_number` starting at 0. Request parameters are echoed in the response object.
"""

from __future__ import annotations

from typing import Any

import orjson

from plano.mock.content import Reply, ToolSpec, Turn, estimate_prompt_tokens, positive_int
from plano.mock.formats import (
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
from plano.mock.formats.openai_chat import STREAM_ERROR_MESSAGE, openai_error

_TEXT_PARTS = frozenset({"input_text", "text", "output_text"})
_ECHOED: dict[str, Any] = {
    "instructions": None,
    "max_output_tokens": None,
    "metadata": {},
    "parallel_tool_calls": True,
    "previous_response_id": None,
    "reasoning": {"effort": None, "summary": None},
    "store": True,
    "temperature": 1.0,
    "text": {"format": {"type": "text"}, "verbosity": "medium"},
    "tool_choice": "auto",
    "tools": [],
    "top_p": 1.0,
    "truncation": "disabled",
    "user": None,
}


class OpenAIResponses:
    """The Responses wire format."""

    name = "openai-responses"
    is_templatable = True
    request_id_header = "x-request-id"
    id_prefix = "resp_"

    def parse(self, body: Any, route: RouteInfo, body_len: int, query: str) -> Turn:
        request = require_object(body)
        items = request.get("input")
        if isinstance(items, str):
            last_user = items
        elif isinstance(items, list) and items:
            last_user = ""
            for item in reversed(items):
                item = as_dict(item)
                if item.get("role") == "user" and item.get("type", "message") == "message":
                    last_user = text_of(item.get("content"), _TEXT_PARTS)
                    break
        else:
            raise BadRequestBody("'input' must be a string or a non-empty array")
        tools = []
        for tool in as_list(request.get("tools")):
            tool = as_dict(tool)
            name = tool.get("name")
            if tool.get("type") == "function" and isinstance(name, str):
                tools.append(ToolSpec(name=name, parameters=as_dict(tool.get("parameters"))))
        model = request.get("model")
        echoed = {key: request[key] for key in _ECHOED if key in request}
        return Turn(
            model=model if isinstance(model, str) else route.path_model,
            last_user_text=last_user,
            tools=tuple(tools),
            is_streaming=request.get("stream") is True,
            prompt_tokens=estimate_prompt_tokens(body_len),
            max_output_tokens=positive_int(request.get("max_output_tokens")),
            request_fields=echoed,
        )

    def render(self, reply: Reply, turn: Turn) -> bytes:
        return orjson.dumps(_response(reply, turn, _final_status(reply), _output_items(reply)))

    def stream(self, reply: Reply, turn: Turn) -> list[Event]:
        builder = _StreamBuilder()
        in_progress = _response(reply, turn, "in_progress", [])
        builder.add("response.created", {"response": in_progress})
        builder.add("response.in_progress", {"response": in_progress})
        items = _output_items(reply)
        for index, item in enumerate(items):
            kind = item["type"]
            if kind == "reasoning":
                _stream_reasoning(builder, index, item, reply)
            elif kind == "message":
                _stream_message(builder, index, item, reply)
            else:
                _stream_function_call(builder, index, item, reply)
        status = _final_status(reply)
        builder.add(f"response.{status}", {"response": _response(reply, turn, status, items)})
        return builder.events

    def stream_headers(self, turn: Turn) -> Headers:
        return list(SSE_HEADERS)

    def stream_error(self, sequence_number: int, turn: Turn) -> bytes:
        payload = {
            "type": "error",
            "sequence_number": sequence_number,
            "code": "server_error",
            "message": STREAM_ERROR_MESSAGE,
            "param": None,
        }
        return sse_named(b"error", payload)

    def corrupt(self, event: bytes) -> bytes:
        return corrupt_sse(event)

    def error(self, status: int, message: str) -> tuple[Headers, bytes]:
        return openai_error(status, message)


class _StreamBuilder:
    """Numbers events in order and frames them as named SSE events."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, kind: str, fields: dict[str, Any], *, is_token: bool = False) -> None:
        payload = {"type": kind, "sequence_number": len(self.events), **fields}
        self.events.append(Event(sse_named(kind.encode(), payload), is_token=is_token))


def _suffix(reply: Reply) -> str:
    return reply.response_id.removeprefix("resp_")


def _usage(reply: Reply) -> dict[str, Any]:
    return {
        "input_tokens": reply.prompt_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": reply.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": reply.reasoning_tokens},
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }


def _response(reply: Reply, turn: Turn, status: str, output: list[Any]) -> dict[str, Any]:
    response: dict[str, Any] = {
        "id": reply.response_id,
        "object": "response",
        "created_at": reply.created_s,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": ({"reason": "max_output_tokens"} if status == "incomplete" else None),
        "model": reply.model,
        "output": output,
        "service_tier": "default",
        "usage": None if status == "in_progress" else _usage(reply),
    }
    for key, default in _ECHOED.items():
        response[key] = turn.request_fields.get(key, default)
    return response


def _final_status(reply: Reply) -> str:
    """`completed`, or `incomplete` when the reply was cut at `max_output_tokens`."""
    return "incomplete" if reply.is_truncated else "completed"


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


def _output_items(reply: Reply) -> list[dict[str, Any]]:
    suffix = _suffix(reply)
    items: list[dict[str, Any]] = []
    if reply.reasoning:
        items.append(
            {
                "id": "rs_" + suffix,
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": reply.reasoning}],
            }
        )
    call = reply.tool_call
    if call is None:
        items.append(
            {
                "id": "msg_" + suffix,
                "type": "message",
                "status": _final_status(reply),
                "role": "assistant",
                "content": [_text_part(reply.text)],
            }
        )
    else:
        items.append(
            {
                "id": "fc_" + suffix,
                "type": "function_call",
                "status": "completed",
                "arguments": call.arguments_json,
                "call_id": call.call_id,
                "name": call.name,
            }
        )
    return items


def _stream_reasoning(
    builder: _StreamBuilder, index: int, item: dict[str, Any], reply: Reply
) -> None:
    item_id = item["id"]
    where = {"item_id": item_id, "output_index": index, "summary_index": 0}
    builder.add(
        "response.output_item.added",
        {"output_index": index, "item": {"id": item_id, "type": "reasoning", "summary": []}},
    )
    builder.add(
        "response.reasoning_summary_part.added",
        {**where, "part": {"type": "summary_text", "text": ""}},
    )
    for piece in reply.reasoning_pieces:
        builder.add(
            "response.reasoning_summary_text.delta", {**where, "delta": piece}, is_token=True
        )
    builder.add("response.reasoning_summary_text.done", {**where, "text": reply.reasoning})
    builder.add(
        "response.reasoning_summary_part.done",
        {**where, "part": {"type": "summary_text", "text": reply.reasoning}},
    )
    builder.add("response.output_item.done", {"output_index": index, "item": item})


def _stream_message(
    builder: _StreamBuilder, index: int, item: dict[str, Any], reply: Reply
) -> None:
    item_id = item["id"]
    opening = {**item, "status": "in_progress", "content": []}
    builder.add("response.output_item.added", {"output_index": index, "item": opening})
    where = {"item_id": item_id, "output_index": index, "content_index": 0}
    builder.add("response.content_part.added", {**where, "part": _text_part("")})
    for piece in reply.text_pieces:
        builder.add(
            "response.output_text.delta", {**where, "delta": piece, "logprobs": []}, is_token=True
        )
    builder.add("response.output_text.done", {**where, "text": reply.text, "logprobs": []})
    builder.add("response.content_part.done", {**where, "part": _text_part(reply.text)})
    builder.add("response.output_item.done", {"output_index": index, "item": item})


def _stream_function_call(
    builder: _StreamBuilder, index: int, item: dict[str, Any], reply: Reply
) -> None:
    call = reply.tool_call
    assert call is not None
    item_id = item["id"]
    opening = {**item, "status": "in_progress", "arguments": ""}
    builder.add("response.output_item.added", {"output_index": index, "item": opening})
    where = {"item_id": item_id, "output_index": index}
    for piece in call.argument_pieces:
        builder.add(
            "response.function_call_arguments.delta", {**where, "delta": piece}, is_token=True
        )
    builder.add(
        "response.function_call_arguments.done",
        {**where, "name": call.name, "arguments": call.arguments_json},
    )
    builder.add("response.output_item.done", {"output_index": index, "item": item})
