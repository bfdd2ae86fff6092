"""Amazon Bedrock Converse (`POST /model/{modelId}/converse`) and ConverseStream
(`POST /model/{modelId}/converse-stream`).

ConverseStream answers with AWS event-stream frames: `messageStart`, `contentBlockStart` (tool use
only, as Bedrock does), `contentBlockDelta` (text, `reasoningContent`, `toolUse.input` pieces),
`contentBlockStop`, `messageStop`, `metadata` with usage and metrics. Like the real service every
event payload carries a `p` padding field. Errors are `{"message"}` with `x-amzn-errortype`.
"""

from __future__ import annotations

from typing import Any

import orjson

from plano.mock.content import Reply, ToolSpec, Turn, estimate_prompt_tokens, positive_int
from plano.mock.formats import (
    JSON_HEADERS,
    BadRequestBody,
    Event,
    Headers,
    RouteInfo,
    as_dict,
    as_list,
    require_object,
)
from plano.mock.formats.anthropic_messages import signature_of
from plano.mock.formats.eventstream import (
    break_message_crc,
    encode_headers,
    encode_message,
    event_headers,
)

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_EVENT_HEADERS = {
    name: event_headers(name)
    for name in (
        "messageStart",
        "contentBlockStart",
        "contentBlockDelta",
        "contentBlockStop",
        "messageStop",
        "metadata",
    )
}
STREAM_ERROR_MESSAGE = "mock injected stream error"
_EXCEPTION_HEADERS = encode_headers(
    [
        (":exception-type", "modelStreamErrorException"),
        (":content-type", "application/json"),
        (":message-type", "exception"),
    ]
)
_ERROR_TYPES = {
    400: "ValidationException",
    401: "UnrecognizedClientException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    409: "ConflictException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}


def bedrock_error(status: int, message: str) -> tuple[Headers, bytes]:
    """`{"message"}` plus the `x-amzn-errortype` header naming the exception."""
    kind = _ERROR_TYPES.get(
        status, "InternalServerException" if status >= 500 else "ValidationException"
    )
    headers = [
        *JSON_HEADERS,
        ("x-amzn-errortype", f"{kind}:http://internal.amazon.com/coral/com.amazon.bedrock/"),
    ]
    return headers, orjson.dumps({"message": message})


def tool_use_id(call_id: str) -> str:
    """Bedrock tool-use ids start with `tooluse_`."""
    return "tooluse_" + call_id.removeprefix("call_")


def _stop_reason(reply: Reply) -> str:
    if reply.tool_call is not None:
        return "tool_use"
    return "max_tokens" if reply.is_truncated else "end_turn"


def _frame(event_type: str, payload: dict[str, Any], *, is_token: bool = False) -> Event:
    # The real service pads payloads with a `p` field so lengths do not leak content.
    padded = {**payload, "p": _PADDING[: 8 + len(event_type)]}
    return Event(encode_message(_EVENT_HEADERS[event_type], orjson.dumps(padded)), is_token)


class BedrockConverse:
    """The Converse / ConverseStream wire format."""

    name = "bedrock-converse"
    # Frames carry CRCs over the payload: ids cannot be patched in after rendering.
    is_templatable = False
    request_id_header = "x-amzn-requestid"
    id_prefix = "bedrock-"

    def parse(self, body: Any, route: RouteInfo, body_len: int, query: str) -> Turn:
        request = require_object(body)
        messages = request.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequestBody("The model returned the following errors: messages is required")
        last_user = ""
        for message in reversed(messages):
            message = as_dict(message)
            if message.get("role") == "user":
                texts = [
                    block["text"]
                    for block in map(as_dict, as_list(message.get("content")))
                    if isinstance(block.get("text"), str)
                ]
                last_user = "\n".join(texts)
                break
        tools = []
        for tool in as_list(as_dict(request.get("toolConfig")).get("tools")):
            spec = as_dict(as_dict(tool).get("toolSpec"))
            name = spec.get("name")
            if isinstance(name, str):
                schema = as_dict(as_dict(spec.get("inputSchema")).get("json"))
                tools.append(ToolSpec(name=name, parameters=schema))
        return Turn(
            model=route.path_model,
            last_user_text=last_user,
            tools=tuple(tools),
            is_streaming=route.path_streaming,
            prompt_tokens=estimate_prompt_tokens(body_len),
            max_output_tokens=positive_int(
                as_dict(request.get("inferenceConfig")).get("maxTokens")
            ),
        )

    def _usage(self, reply: Reply) -> dict[str, int]:
        return {
            "inputTokens": reply.prompt_tokens,
            "outputTokens": reply.completion_tokens,
            "totalTokens": reply.prompt_tokens + reply.completion_tokens,
        }

    def render(self, reply: Reply, turn: Turn) -> bytes:
        content: list[dict[str, Any]] = []
        if reply.reasoning:
            reasoning = {"text": reply.reasoning, "signature": signature_of(reply.reasoning)}
            content.append({"reasoningContent": {"reasoningText": reasoning}})
        call = reply.tool_call
        if call is None:
            content.append({"text": reply.text})
        else:
            content.append(
                {
                    "toolUse": {
                        "toolUseId": tool_use_id(call.call_id),
                        "name": call.name,
                        "input": call.arguments,
                    }
                }
            )
        return orjson.dumps(
            {
                "output": {"message": {"role": "assistant", "content": content}},
                "stopReason": _stop_reason(reply),
                "usage": self._usage(reply),
                "metrics": {"latencyMs": 1},
            }
        )

    def stream(self, reply: Reply, turn: Turn) -> list[Event]:
        events = [_frame("messageStart", {"role": "assistant"})]
        index = 0
        if reply.reasoning:
            events.extend(
                _frame(
                    "contentBlockDelta",
                    {"contentBlockIndex": index, "delta": {"reasoningContent": {"text": piece}}},
                    is_token=True,
                )
                for piece in reply.reasoning_pieces
            )
            signature = {"reasoningContent": {"signature": signature_of(reply.reasoning)}}
            events.append(
                _frame("contentBlockDelta", {"contentBlockIndex": index, "delta": signature})
            )
            events.append(_frame("contentBlockStop", {"contentBlockIndex": index}))
            index += 1
        call = reply.tool_call
        if call is None:
            events.extend(
                _frame(
                    "contentBlockDelta",
                    {"contentBlockIndex": index, "delta": {"text": piece}},
                    is_token=True,
                )
                for piece in reply.text_pieces
            )
        else:
            start = {"toolUse": {"toolUseId": tool_use_id(call.call_id), "name": call.name}}
            events.append(_frame("contentBlockStart", {"contentBlockIndex": index, "start": start}))
            events.extend(
                _frame(
                    "contentBlockDelta",
                    {"contentBlockIndex": index, "delta": {"toolUse": {"input": piece}}},
                    is_token=True,
                )
                for piece in call.argument_pieces
            )
        events.append(_frame("contentBlockStop", {"contentBlockIndex": index}))
        stop_reason = _stop_reason(reply)
        events.append(_frame("messageStop", {"stopReason": stop_reason}))
        metadata = {"usage": self._usage(reply), "metrics": {"latencyMs": 1}}
        events.append(_frame("metadata", metadata))
        return events

    def stream_headers(self, turn: Turn) -> Headers:
        return [("content-type", CONTENT_TYPE)]

    def stream_error(self, sequence_number: int, turn: Turn) -> bytes:
        return encode_message(_EXCEPTION_HEADERS, orjson.dumps({"message": STREAM_ERROR_MESSAGE}))

    def corrupt(self, event: bytes) -> bytes:
        return break_message_crc(event)

    def error(self, status: int, message: str) -> tuple[Headers, bytes]:
        return bedrock_error(status, message)
