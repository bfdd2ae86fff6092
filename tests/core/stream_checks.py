"""Test-side helpers for stream translation: fixture loading, a Bedrock frame encoder, and
client-stream validators that parse a translated stream back with the official SDK models and
enforce each dialect's envelope rules."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anthropic.types import RawMessageStreamEvent
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import ResponseStreamEvent
from pydantic import TypeAdapter

from plano._core import encode_event_stream_frame

FIXTURES = Path(__file__).parents[1] / "fixtures" / "streams"
UPSTREAMS = ["openai-chat", "anthropic-messages", "openai-responses", "bedrock-converse", "gemini"]
CLIENTS = ["openai-chat", "anthropic-messages", "openai-responses", "gemini"]
NOW_S = 1_750_000_000.0

TEXT = 'Hello! How can I help you today?\nAsk me "anything" — é😀.'
REASONING = "The user greets me. I should greet back."
TOOLS = [("get_weather", {"city": "Paris"}), ("get_time", {"tz": "Europe/Paris"})]

_REASONING_FILE = {
    "anthropic-messages": "thinking",
    "gemini": "thinking",
    "openai-chat": "reasoning",
    "openai-responses": "reasoning",
    "bedrock-converse": "reasoning",
}


def bedrock_stream(frames: list[dict[str, Any]]) -> bytes:
    out = b""
    for f in frames:
        payload = json.dumps({**f["payload"], "p": "abcdefgh"}).encode()
        if "exception_type" in f:
            headers = {
                ":exception-type": f["exception_type"],
                ":content-type": "application/json",
                ":message-type": "exception",
            }
        else:
            headers = {
                ":event-type": f["event_type"],
                ":content-type": "application/json",
                ":message-type": "event",
            }
        out += encode_event_stream_frame(headers, payload)
    return out


def load(upstream: str, scenario: str) -> bytes:
    """A recorded upstream stream: text, tools, reasoning, error or truncated."""
    name = _REASONING_FILE[upstream] if scenario == "reasoning" else scenario
    if upstream == "bedrock-converse":
        frames = json.loads((FIXTURES / upstream / f"{name}.json").read_text())
        return bedrock_stream(frames)
    return (FIXTURES / upstream / f"{name}.sse").read_bytes()


def expected(upstream: str, scenario: str) -> Result:
    if scenario == "text":
        return Result(text=TEXT)
    if scenario == "reasoning":
        return Result(text="Hi there!", reasoning=REASONING)
    lead = "Let me check." if upstream in ("anthropic-messages", "bedrock-converse") else ""
    return Result(text=lead, tools=list(TOOLS))


@dataclass
class Result:
    """What a client stream says, API-neutrally."""

    text: str = ""
    reasoning: str = ""
    tools: list[tuple[str, Any]] = field(default_factory=list)
    stop: str | None = None
    error: str | None = None
    ids: list[str] = field(default_factory=list)

    def content(self) -> tuple[str, str, list[tuple[str, Any]]]:
        return (self.text, self.reasoning, self.tools)


def sse_events(raw: bytes) -> list[tuple[str | None, str]]:
    """(event, data) per SSE event block; a stream must end with a complete event."""
    text = raw.decode().replace("\r\n", "\n")
    assert text == "" or text.endswith("\n\n"), "stream does not end with a complete event"
    events = []
    for block in text.split("\n\n"):
        if not block:
            continue
        name = None
        data = []
        for line in block.split("\n"):
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])
            else:
                raise AssertionError(f"unexpected line {line!r}")
        events.append((name, "\n".join(data)))
    return events


_CHUNK = ChatCompletionChunk.model_validate
_ANTHROPIC = TypeAdapter(RawMessageStreamEvent).validate_python
_RESPONSES = TypeAdapter(ResponseStreamEvent).validate_python


def check_chat(raw: bytes) -> Result:
    res = Result()
    events = sse_events(raw)
    tools: dict[int, list[Any]] = {}
    done = [i for i, (_, d) in enumerate(events) if d == "[DONE]"]
    finishes = 0
    for i, (name, data) in enumerate(events):
        assert name is None
        if data == "[DONE]":
            continue
        obj = json.loads(data)
        if "error" in obj:
            assert i == len(events) - 1, "error must be the last event"
            assert {"message", "type", "code"} <= obj["error"].keys()
            res.error = obj["error"]["message"]
            continue
        chunk = _CHUNK(obj)
        assert chunk.object == "chat.completion.chunk"
        assert chunk.id.startswith("chatcmpl-")
        assert chunk.model not in ("", "unknown")
        res.ids.append(chunk.id)
        if i == 0:
            assert chunk.choices[0].delta.role == "assistant"
        if not chunk.choices:
            assert chunk.usage is not None
            continue
        choice = chunk.choices[0]
        res.text += choice.delta.content or ""
        res.reasoning += obj["choices"][0]["delta"].get("reasoning_content") or ""
        for tc in choice.delta.tool_calls or []:
            if tc.id is not None:
                assert tc.index not in tools
                assert tc.index == len(tools)
                assert tc.function is not None
                tools[tc.index] = [tc.id, tc.function.name, ""]
            if tc.function and tc.function.arguments:
                tools[tc.index][2] += tc.function.arguments
        if choice.finish_reason:
            finishes += 1
            res.stop = choice.finish_reason
    if res.error is None:
        assert done == [len(events) - 1], "exactly one [DONE], at the end"
        assert finishes == 1
    else:
        assert not done
    assert len(set(res.ids)) <= 1
    res.tools = [(name, json.loads(args)) for _, name, args in tools.values()]
    return res


def check_anthropic(raw: bytes) -> Result:
    res = Result()
    events = sse_events(raw)
    types = [json.loads(d)["type"] for _, d in events]
    for (name, data), t in zip(events, types, strict=True):
        assert name == t, "event: line must match the data type"
        if t not in ("error", "ping"):
            _ANTHROPIC(json.loads(data))
    if "error" in types:
        assert types.index("error") == len(types) - 1
        assert "message_stop" not in types
        res.error = json.loads(events[-1][1])["error"]["message"]
    else:
        assert types[-2:] == ["message_delta", "message_stop"]
    if types and types[0] != "error":
        assert types[0] == "message_start"
    assert types.count("message_start") <= 1
    assert types.count("message_stop") <= 1
    assert types.count("message_delta") <= 1
    open_index = None
    next_index = 0
    blocks: list[dict[str, Any]] = []
    for _, data in events:
        ev = json.loads(data)
        t = ev["type"]
        if t == "message_start":
            msg = ev["message"]
            assert msg["id"].startswith("msg_")
            assert msg["model"] not in ("", "unknown")
            res.ids.append(msg["id"])
        elif t == "content_block_start":
            assert open_index is None
            assert ev["index"] == next_index
            open_index = next_index
            next_index += 1
            blocks.append({**ev["content_block"], "args": ""})
        elif t == "content_block_delta":
            assert ev["index"] == open_index
            d = ev["delta"]
            b = blocks[-1]
            if d["type"] == "text_delta":
                assert b["type"] == "text"
                res.text += d["text"]
            elif d["type"] == "thinking_delta":
                assert b["type"] == "thinking"
                res.reasoning += d["thinking"]
            elif d["type"] == "input_json_delta":
                assert b["type"] == "tool_use"
                b["args"] += d["partial_json"]
        elif t == "content_block_stop":
            assert ev["index"] == open_index
            open_index = None
        elif t == "message_delta":
            assert open_index is None
            res.stop = ev["delta"]["stop_reason"]
    for b in blocks:
        if b["type"] == "tool_use":
            assert b["id"]
            res.tools.append((b["name"], json.loads(b["args"] or "{}")))
    return res


def check_responses(raw: bytes) -> Result:
    res = Result()
    events = sse_events(raw)
    objs = [json.loads(d) for _, d in events]
    for (name, _), obj in zip(events, objs, strict=True):
        assert name == obj["type"]
        _RESPONSES(obj)
    assert [o["sequence_number"] for o in objs] == list(range(len(objs)))
    types = [o["type"] for o in objs]
    assert types[0] == "response.created"
    assert "response.in_progress" not in types[2:]
    terminal = {"response.completed", "response.incomplete", "response.failed"}
    assert types[-1] in terminal
    assert sum(t in terminal for t in types) == 1
    open_items: dict[int, dict[str, Any]] = {}
    items: list[dict[str, Any]] = []
    for o in objs:
        t = o["type"]
        if t in ("response.created", *terminal):
            r = o["response"]
            assert r["id"].startswith("resp_")
            assert r["model"] not in ("", "unknown")
            res.ids.append(r["id"])
        if t == "response.output_item.added":
            assert o["output_index"] == len(items) + len(open_items)
            assert not open_items, "one item streams at a time"
            open_items[o["output_index"]] = {**o["item"], "acc": ""}
        elif t in ("response.output_text.delta", "response.reasoning_text.delta"):
            item = open_items[o["output_index"]]
            assert item["id"] == o["item_id"]
            item["acc"] += o["delta"]
        elif t == "response.function_call_arguments.delta":
            open_items[o["output_index"]]["acc"] += o["delta"]
        elif t == "response.output_item.done":
            item = open_items.pop(o["output_index"])
            done = o["item"]
            if done["type"] == "message":
                assert done["content"][0]["text"] == item["acc"]
                res.text += item["acc"]
            elif done["type"] == "reasoning":
                res.reasoning += item["acc"]
            elif done["type"] == "function_call":
                assert done["arguments"] == item["acc"]
                assert done["call_id"]
                res.tools.append((done["name"], json.loads(item["acc"])))
            items.append(done)
    final = objs[-1]
    if final["type"] == "response.failed":
        res.error = final["response"]["error"]["message"]
    else:
        assert not open_items
        assert final["response"]["output"] == items
        res.stop = final["response"]["status"]
    return res


def check_gemini(raw: bytes) -> Result:
    res = Result()
    events = sse_events(raw)
    assert raw.endswith(b"\r\n\r\n")
    for i, (name, data) in enumerate(events):
        assert name is None
        obj = json.loads(data)
        if "error" in obj:
            assert i == len(events) - 1
            res.error = obj["error"]["message"]
            continue
        assert obj["modelVersion"] not in ("", "unknown")
        assert obj["responseId"]
        res.ids.append(obj["responseId"])
        cand = obj["candidates"][0]
        for part in cand["content"]["parts"]:
            if "functionCall" in part:
                res.tools.append((part["functionCall"]["name"], part["functionCall"]["args"]))
            elif part.get("thought"):
                res.reasoning += part["text"]
            else:
                res.text += part.get("text", "")
        if "finishReason" in cand:
            assert i == len(events) - 1, "finishReason only on the last chunk"
            res.stop = cand["finishReason"]
    if res.error is None:
        assert res.stop is not None
    return res


CHECKERS = {
    "openai-chat": check_chat,
    "anthropic-messages": check_anthropic,
    "openai-responses": check_responses,
    "gemini": check_gemini,
}
