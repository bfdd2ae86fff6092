"""Google Gemini (`POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent`).

`streamGenerateContent?alt=sse` sends SSE `data:` events (CRLF-terminated, as Google does);
without `alt=sse` the stream is one JSON array whose elements arrive one by one. Every chunk is a
`GenerateContentResponse`; the last one carries `finishReason` and `usageMetadata`. Reasoning is a
`thought: true` text part; a tool call is one whole `functionCall` part (Gemini does not stream
arguments). Errors are `{"error": {"code", "message", "status"}}`.
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
)

_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_ARRAY_HEADERS: Headers = [("content-type", "application/json; charset=UTF-8")]


def gemini_error(status: int, message: str) -> tuple[Headers, bytes]:
    """`{"error": {"code", "message", "status"}}` as Google returns it."""
    name = _STATUSES.get(status, "INTERNAL" if status >= 500 else "FAILED_PRECONDITION")
    body = {"error": {"code": status, "message": message, "status": name}}
    return [("content-type", "application/json; charset=UTF-8")], orjson.dumps(body)


class Gemini:
    """The generateContent / streamGenerateContent wire format."""

    name = "gemini"
    is_templatable = True
    request_id_header = ""  # Google sends no request-id header
    id_prefix = ""

    def parse(self, body: Any, route: RouteInfo, body_len: int, query: str) -> Turn:
        if not isinstance(body, dict):
            raise BadRequestBody("Invalid JSON payload received.")
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            raise BadRequestBody("* GenerateContentRequest.contents: contents is not specified")
        last_user = ""
        for content in reversed(contents):
            content = as_dict(content)
            if content.get("role", "user") == "user":
                texts = [
                    part["text"]
                    for part in map(as_dict, as_list(content.get("parts")))
                    if isinstance(part.get("text"), str)
                ]
                last_user = "\n".join(texts)
                break
        tools = []
        for tool in as_list(body.get("tools")):
            tool = as_dict(tool)
            declarations = tool.get("functionDeclarations", tool.get("function_declarations"))
            for declaration in map(as_dict, as_list(declarations)):
                name = declaration.get("name")
                if isinstance(name, str):
                    schema = declaration.get("parameters", declaration.get("parametersJsonSchema"))
                    tools.append(ToolSpec(name=name, parameters=as_dict(schema)))
        return Turn(
            model=route.path_model,
            last_user_text=last_user,
            tools=tuple(tools),
            is_streaming=route.path_streaming,
            prompt_tokens=estimate_prompt_tokens(body_len),
            max_output_tokens=positive_int(
                as_dict(body.get("generationConfig")).get("maxOutputTokens")
            ),
            is_sse="alt=sse" in query,
        )

    def _usage(self, reply: Reply) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "promptTokenCount": reply.prompt_tokens,
            "candidatesTokenCount": reply.completion_tokens - reply.reasoning_tokens,
            "totalTokenCount": reply.prompt_tokens + reply.completion_tokens,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": reply.prompt_tokens}],
        }
        if reply.reasoning_tokens:
            usage["thoughtsTokenCount"] = reply.reasoning_tokens
        return usage

    def _chunk(self, reply: Reply, parts: list[dict[str, Any]], *, is_last: bool) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        chunk: dict[str, Any] = {"candidates": [candidate]}
        if is_last:
            candidate["finishReason"] = "MAX_TOKENS" if reply.is_truncated else "STOP"
            chunk["usageMetadata"] = self._usage(reply)
        chunk["modelVersion"] = reply.model
        chunk["responseId"] = reply.response_id
        return chunk

    def _parts(self, reply: Reply) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = []
        if reply.reasoning:
            parts.append({"text": reply.reasoning, "thought": True})
        call = reply.tool_call
        if call is None:
            parts.append({"text": reply.text})
        else:
            parts.append({"functionCall": {"name": call.name, "args": call.arguments}})
        return parts

    def render(self, reply: Reply, turn: Turn) -> bytes:
        return orjson.dumps(self._chunk(reply, self._parts(reply), is_last=True))

    def stream(self, reply: Reply, turn: Turn) -> list[Event]:
        part_lists = [[{"text": piece, "thought": True}] for piece in reply.reasoning_pieces]
        call = reply.tool_call
        if call is None:
            part_lists.extend([{"text": piece}] for piece in reply.text_pieces)
        else:
            part_lists.append([{"functionCall": {"name": call.name, "args": call.arguments}}])
        last = len(part_lists) - 1
        chunks = [
            orjson.dumps(self._chunk(reply, parts, is_last=i == last))
            for i, parts in enumerate(part_lists)
        ]
        if turn.is_sse:
            return [Event(b"data: " + chunk + b"\r\n\r\n", is_token=True) for chunk in chunks]
        events = [
            Event((b"[" if i == 0 else b",\r\n") + chunk, is_token=True)
            for i, chunk in enumerate(chunks)
        ]
        events.append(Event(b"]"))
        return events

    def stream_headers(self, turn: Turn) -> Headers:
        return list(SSE_HEADERS) if turn.is_sse else list(_ARRAY_HEADERS)

    def stream_error(self, sequence_number: int, turn: Turn) -> bytes:
        error = orjson.dumps(
            {
                "error": {
                    "code": 503,
                    "message": "mock injected stream error",
                    "status": "UNAVAILABLE",
                }
            }
        )
        if turn.is_sse:
            return b"data: " + error + b"\r\n\r\n"
        return b",\r\n" + error + b"]"

    def corrupt(self, event: bytes) -> bytes:
        at = event.find(b"{")
        head = event[:at] if at >= 0 else event
        tail = b"\r\n\r\n" if event.startswith(b"data: ") else b""
        return head + b'{"mock_malformed": tru' + tail

    def error(self, status: int, message: str) -> tuple[Headers, bytes]:
        return gemini_error(status, message)
