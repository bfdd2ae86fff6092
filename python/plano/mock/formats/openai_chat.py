"""OpenAI Chat Completions (`POST /v1/chat/completions` and Azure/Groq/Gemini-compat variants).

Non-streaming: one `chat.completion` object. Streaming: `chat.completion.chunk` SSE events (role
chunk, content or tool-call argument deltas, a finish chunk, an optional usage chunk when
`stream_options.include_usage` is set), then `data: [DONE]`. Reasoning goes in the
`reasoning_content` field that OpenAI-compatible reasoning providers use.
"""

from __future__ import annotations

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
    text_of,
)

SYSTEM_FINGERPRINT = "fp_plano_mock"
STREAM_ERROR_MESSAGE = "mock injected stream error"
_TEXT_PARTS = frozenset({"text", "input_text"})
_DONE = b"data: [DONE]\n\n"

_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    408: ("server_error", "timeout"),
    409: ("invalid_request_error", "conflict"),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", None),
    429: ("requests", "rate_limit_exceeded"),
}


def openai_error(status: int, message: str) -> tuple[Headers, bytes]:
    """`{"error": {"message", "type", "param", "code"}}` as OpenAI returns it."""
    kind, code = _ERROR_TYPES.get(status, ("server_error", None))
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return list(JSON_HEADERS), orjson.dumps(body)


def usage_of(reply: Reply) -> dict[str, Any]:
    """The Chat Completions usage block."""
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reply.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _finish_reason(reply: Reply) -> str:
    if reply.tool_call is not None:
        return "tool_calls"
    return "length" if reply.is_truncated else "stop"


class OpenAIChat:
    """The Chat Completions wire format."""

    name = "openai-chat"
    is_templatable = True
    request_id_header = "x-request-id"
    id_prefix = "chatcmpl-"

    def parse(self, body: Any, route: RouteInfo, body_len: int, query: str) -> Turn:
        request = require_object(body)
        messages = request.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequestBody("'messages' must be a non-empty array")
        last_user = ""
        for message in reversed(messages):
            message = as_dict(message)
            if message.get("role") == "user":
                last_user = text_of(message.get("content"), _TEXT_PARTS)
                break
        tools = []
        for tool in as_list(request.get("tools")):
            function = as_dict(as_dict(tool).get("function"))
            name = function.get("name")
            if isinstance(name, str):
                tools.append(ToolSpec(name=name, parameters=as_dict(function.get("parameters"))))
        model = request.get("model")
        return Turn(
            model=model if isinstance(model, str) and model else route.path_model,
            last_user_text=last_user,
            tools=tuple(tools),
            is_streaming=request.get("stream") is True,
            prompt_tokens=estimate_prompt_tokens(body_len),
            include_usage=as_dict(request.get("stream_options")).get("include_usage") is True,
            max_output_tokens=positive_int(
                request.get("max_completion_tokens", request.get("max_tokens"))
            ),
        )

    def render(self, reply: Reply, turn: Turn) -> bytes:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": reply.text if reply.tool_call is None else None,
            "refusal": None,
            "annotations": [],
        }
        if reply.reasoning:
            message["reasoning_content"] = reply.reasoning
        call = reply.tool_call
        if call is not None:
            message["tool_calls"] = [
                {
                    "id": call.call_id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments_json},
                }
            ]
        return orjson.dumps(
            {
                "id": reply.response_id,
                "object": "chat.completion",
                "created": reply.created_s,
                "model": reply.model,
                "choices": [
                    {
                        "index": 0,
                        "message": message,
                        "logprobs": None,
                        "finish_reason": _finish_reason(reply),
                    }
                ],
                "usage": usage_of(reply),
                "service_tier": "default",
                "system_fingerprint": SYSTEM_FINGERPRINT,
            }
        )

    def stream(self, reply: Reply, turn: Turn) -> list[Event]:
        head = (
            b'{"id":"%s","object":"chat.completion.chunk","created":%d,"model":%s,'
            b'"system_fingerprint":"%s",'
            % (
                reply.response_id.encode(),
                reply.created_s,
                orjson.dumps(reply.model),
                SYSTEM_FINGERPRINT.encode(),
            )
        )
        tail = b',"usage":null}\n\n' if turn.include_usage else b"}\n\n"

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return b"data: " + head + b'"choices":' + orjson.dumps([choice]) + tail

        events = [Event(chunk({"role": "assistant", "content": "", "refusal": None}))]
        events.extend(
            Event(chunk({"reasoning_content": piece}), is_token=True)
            for piece in reply.reasoning_pieces
        )
        call = reply.tool_call
        if call is None:
            events.extend(
                Event(chunk({"content": piece}), is_token=True) for piece in reply.text_pieces
            )
            events.append(Event(chunk({}, _finish_reason(reply))))
        else:
            opening = {
                "index": 0,
                "id": call.call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            events.append(Event(chunk({"tool_calls": [opening]}), is_token=True))
            events.extend(
                Event(
                    chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}),
                    is_token=True,
                )
                for piece in call.argument_pieces
            )
            events.append(Event(chunk({}, "tool_calls")))
        if turn.include_usage:
            usage = b',"usage":' + orjson.dumps(usage_of(reply)) + b"}\n\n"
            events.append(Event(b"data: " + head + b'"choices":[]' + usage))
        events.append(Event(_DONE))
        return events

    def stream_headers(self, turn: Turn) -> Headers:
        return list(SSE_HEADERS)

    def stream_error(self, sequence_number: int, turn: Turn) -> bytes:
        error = {
            "message": STREAM_ERROR_MESSAGE,
            "type": "server_error",
            "param": None,
            "code": None,
        }
        return b"data: " + orjson.dumps({"error": error}) + b"\n\n"

    def corrupt(self, event: bytes) -> bytes:
        return corrupt_sse(event)

    def error(self, status: int, message: str) -> tuple[Headers, bytes]:
        return openai_error(status, message)
