"""Request and non-streaming response translation: `plano._core` against short pure-Python
versions of the same mappings, for the main client -> upstream pairs.

Each case first checks that both produce the same JSON (ids and timestamps the native side mints
are left out of the comparison), then times both. `make bench` turns timing on.
"""

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from plano._core import RequestTranslator, ResponseTranslator

FIXTURES = Path(__file__).parent.parent / "tests" / "fixtures" / "translate"
MODEL = "upstream-model"
Json = dict[str, Any]


def fixture(kind: str, name: str) -> bytes:
    return (FIXTURES / kind / name).read_bytes()


def responses_request() -> bytes:
    body = json.loads(fixture("requests", "openai_responses_tools.json"))
    body["tools"] = [t for t in body["tools"] if t["type"] == "function"]
    return json.dumps(body).encode()


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(p["text"] for p in content or [] if p.get("type") in ("text", "input_text"))


# --- pure-Python requests


def py_chat_to_anthropic(body: bytes) -> bytes:
    req = orjson.loads(body)
    system: list[str] = []
    msgs: list[Json] = []

    def push(role: str, blocks: list[Json]) -> None:
        if msgs and msgs[-1]["role"] == role:
            msgs[-1]["content"].extend(blocks)
        else:
            msgs.append({"role": role, "content": blocks})

    for m in req["messages"]:
        role, content = m["role"], m.get("content")
        if role in ("system", "developer"):
            system.append(text_of(content))
        elif role == "tool":
            block = {"type": "tool_result", "tool_use_id": m["tool_call_id"], "content": content}
            push("user", [block])
        else:
            blocks = [{"type": "text", "text": content}] if content else []
            for c in m.get("tool_calls") or []:
                f = c["function"]
                args = orjson.loads(f["arguments"] or "{}")
                blocks.append({"type": "tool_use", "id": c["id"], "name": f["name"], "input": args})
            push(role, blocks)
    for m in msgs:
        if len(m["content"]) == 1 and m["content"][0]["type"] == "text":
            m["content"] = m["content"][0]["text"]
    out: Json = {"model": MODEL, "messages": msgs, "system": "\n\n".join(system)}
    out["max_tokens"] = req.get("max_completion_tokens") or req.get("max_tokens") or 4096
    out["temperature"] = req["temperature"]
    out["stop_sequences"] = req["stop"]
    out["tools"] = [
        {
            "name": t["function"]["name"],
            "description": t["function"]["description"],
            "input_schema": t["function"]["parameters"],
        }
        for t in req["tools"]
    ]
    choice = {"auto": "auto", "required": "any", "none": "none"}[req["tool_choice"]]
    out["tool_choice"] = {"type": choice, "disable_parallel_tool_use": True}
    return orjson.dumps(out)


def py_anthropic_to_chat(body: bytes) -> bytes:
    req = orjson.loads(body)
    msgs: list[Json] = [{"role": "system", "content": "\n".join(b["text"] for b in req["system"])}]
    for m in req["messages"]:
        content = m["content"]
        if isinstance(content, str):
            msgs.append({"role": m["role"], "content": content})
            continue
        parts, calls = [], []
        for b in content:
            if b["type"] == "text":
                parts.append({"type": "text", "text": b["text"]})
            elif b["type"] == "image":
                src = b["source"]
                url = f"data:{src['media_type']};base64,{src['data']}"
                parts.append({"type": "image_url", "image_url": {"url": url}})
            elif b["type"] == "tool_use":
                args = orjson.dumps(b["input"]).decode()
                function = {"name": b["name"], "arguments": args}
                calls.append({"id": b["id"], "type": "function", "function": function})
            elif b["type"] == "tool_result":
                text = text_of(b["content"])
                msgs.append({"role": "tool", "tool_call_id": b["tool_use_id"], "content": text})
        if m["role"] == "assistant":
            msg: Json = {"role": "assistant", "content": "".join(p["text"] for p in parts)}
            if calls:
                msg["tool_calls"] = calls
            msgs.append(msg)
        elif parts:
            msgs.append({"role": "user", "content": parts})
    tools = [
        {
            "type": "function",
            "function": {
                "name": t["name"],
                "description": t["description"],
                "parameters": t["input_schema"],
            },
        }
        for t in req["tools"]
    ]
    budget = req["thinking"]["budget_tokens"]
    effort = "minimal" if budget <= 1024 else "low" if budget <= 4096 else "medium"
    return orjson.dumps(
        {
            "model": MODEL,
            "messages": msgs,
            "max_tokens": req["max_tokens"],
            "stop": req["stop_sequences"],
            "stream": True,
            "stream_options": {"include_usage": True},
            "tools": tools,
            "parallel_tool_calls": not req["tool_choice"]["disable_parallel_tool_use"],
            "tool_choice": req["tool_choice"]["type"],
            "reasoning_effort": effort,
            "user": req["metadata"]["user_id"],
        }
    )


def py_chat_to_bedrock(body: bytes) -> bytes:
    req = orjson.loads(body)
    system: list[Json] = []
    msgs: list[Json] = []
    for m in req["messages"]:
        role, content = m["role"], m.get("content")
        if role == "system":
            system.append({"text": content})
            continue
        if role == "tool":
            result = {"toolUseId": m["tool_call_id"], "content": [{"text": content}]}
            blocks: list[Json] = [{"toolResult": {**result, "status": "success"}}]
            role = "user"
        else:
            blocks = [{"text": content}] if content else []
            for c in m.get("tool_calls") or []:
                use = {"toolUseId": c["id"], "name": c["function"]["name"]}
                use["input"] = orjson.loads(c["function"]["arguments"])
                blocks.append({"toolUse": use})
        if msgs and msgs[-1]["role"] == role:
            msgs[-1]["content"].extend(blocks)
        else:
            msgs.append({"role": role, "content": blocks})
    tools = [
        {
            "toolSpec": {
                "name": t["function"]["name"],
                "description": t["function"]["description"],
                "inputSchema": {"json": t["function"]["parameters"]},
            }
        }
        for t in req["tools"]
    ]
    inference = {
        "maxTokens": req["max_tokens"],
        "temperature": req["temperature"],
        "stopSequences": req["stop"],
    }
    return orjson.dumps(
        {
            "messages": msgs,
            "system": system,
            "inferenceConfig": inference,
            "toolConfig": {"tools": tools, "toolChoice": {"any": {}}},
        }
    )


def py_responses_to_chat(body: bytes) -> bytes:
    req = orjson.loads(body)
    msgs: list[Json] = [{"role": "system", "content": req["instructions"]}]
    for item in req["input"]:
        kind = item.get("type", "message")
        if kind == "function_call":
            call = {
                "id": item["call_id"],
                "type": "function",
                "function": {"name": item["name"], "arguments": item["arguments"]},
            }
            msgs.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            msgs.append(
                {"role": "tool", "tool_call_id": item["call_id"], "content": item["output"]}
            )
        elif kind == "message":
            content = item["content"]
            if isinstance(content, list) and len(content) > 1:
                content = [
                    {"type": "image_url", "image_url": {"url": c["image_url"]}}
                    if c["type"] == "input_image"
                    else {"type": "text", "text": c["text"]}
                    for c in content
                ]
            elif isinstance(content, list):
                content = content[0]["text"]
            msgs.append({"role": item["role"], "content": content})
    tools = [
        {
            "type": "function",
            "function": {
                "name": t["name"],
                "description": t["description"],
                "parameters": {"type": "object", "properties": {}, **t["parameters"]},
            },
        }
        for t in req["tools"]
    ]
    return orjson.dumps(
        {
            "model": MODEL,
            "messages": msgs,
            "max_tokens": req["max_output_tokens"],
            "temperature": req["temperature"],
            "tools": tools,
            "parallel_tool_calls": req["parallel_tool_calls"],
            "tool_choice": req["tool_choice"],
            "reasoning_effort": req["reasoning"]["effort"],
        }
    )


def py_chat_to_gemini(body: bytes) -> bytes:
    req = orjson.loads(body)
    names: dict[str, str] = {}
    system: list[str] = []
    contents: list[Json] = []
    for m in req["messages"]:
        role, content = m["role"], m.get("content")
        if role == "system":
            system.append(content)
            continue
        parts: list[Json] = [{"text": content}] if content and role != "tool" else []
        for c in m.get("tool_calls") or []:
            names[c["id"]] = c["function"]["name"]
            args = orjson.loads(c["function"]["arguments"])
            parts.append({"functionCall": {"name": c["function"]["name"], "args": args}})
        if role == "tool":
            try:
                response = orjson.loads(content)
            except orjson.JSONDecodeError:
                response = None
            if not isinstance(response, dict):
                response = {"result": content}
            name = names[m["tool_call_id"]]
            parts.append({"functionResponse": {"name": name, "response": response}})
        gemini_role = "model" if role == "assistant" else "user"
        if contents and contents[-1]["role"] == gemini_role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": gemini_role, "parts": parts})
    decls = [
        {
            "name": t["function"]["name"],
            "description": t["function"]["description"],
            "parametersJsonSchema": t["function"]["parameters"],
        }
        for t in req["tools"]
    ]
    return orjson.dumps(
        {
            "contents": contents,
            "systemInstruction": {"parts": [{"text": "\n\n".join(system)}]},
            "tools": [{"functionDeclarations": decls}],
            "toolConfig": {"functionCallingConfig": {"mode": "ANY"}},
            "generationConfig": {
                "maxOutputTokens": req["max_tokens"],
                "temperature": req["temperature"],
                "stopSequences": req["stop"],
            },
        }
    )


# --- pure-Python responses


def chat_response(
    rid: str, model: str, text: str, reasoning: str, calls: list[Json], **kw: Any
) -> Json:
    message: Json = {"role": "assistant", "content": text or (None if calls else "")}
    if reasoning:
        message["reasoning_content"] = reasoning
    if calls:
        message["tool_calls"] = calls
    u = kw["usage"]
    return {
        "id": rid,
        "object": "chat.completion",
        "model": model,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": kw["finish"]}
        ],
        "usage": {
            "prompt_tokens": u[0],
            "completion_tokens": u[1],
            "total_tokens": u[0] + u[1],
            "prompt_tokens_details": {"cached_tokens": u[2]},
            "completion_tokens_details": {"reasoning_tokens": u[3]},
        },
    }


def chat_call(cid: str, name: str, args: Any) -> Json:
    arguments = args if isinstance(args, str) else orjson.dumps(args).decode()
    return {"id": cid, "type": "function", "function": {"name": name, "arguments": arguments}}


def py_anthropic_response_to_chat(body: bytes) -> bytes:
    r = orjson.loads(body)
    text = "".join(b["text"] for b in r["content"] if b["type"] == "text")
    reasoning = "".join(b["thinking"] for b in r["content"] if b["type"] == "thinking")
    calls = [
        chat_call(b["id"], b["name"], b["input"]) for b in r["content"] if b["type"] == "tool_use"
    ]
    u = r["usage"]
    cached, created = u.get("cache_read_input_tokens", 0), u.get("cache_creation_input_tokens", 0)
    usage = (u["input_tokens"] + cached + created, u["output_tokens"], cached, 0)
    finish = {"end_turn": "stop", "max_tokens": "length", "tool_use": "tool_calls"}
    return orjson.dumps(
        chat_response(
            r["id"],
            r["model"],
            text,
            reasoning,
            calls,
            usage=usage,
            finish=finish[r["stop_reason"]],
        )
    )


def py_chat_response_to_anthropic(body: bytes) -> bytes:
    r = orjson.loads(body)
    m = r["choices"][0]["message"]
    content: list[Json] = [{"type": "text", "text": m["content"]}] if m["content"] else []
    for c in m.get("tool_calls") or []:
        args = orjson.loads(c["function"]["arguments"])
        content.append(
            {"type": "tool_use", "id": c["id"], "name": c["function"]["name"], "input": args}
        )
    u = r["usage"]
    cached = u.get("prompt_tokens_details", {}).get("cached_tokens", 0)
    stop = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
    return orjson.dumps(
        {
            "id": r["id"],
            "type": "message",
            "role": "assistant",
            "model": r["model"],
            "content": content,
            "stop_reason": stop[r["choices"][0]["finish_reason"]],
            "stop_sequence": None,
            "usage": {
                "input_tokens": u["prompt_tokens"] - cached,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": cached,
                "output_tokens": u["completion_tokens"],
            },
        }
    )


def py_bedrock_response_to_chat(body: bytes) -> bytes:
    r = orjson.loads(body)
    blocks = r["output"]["message"]["content"]
    text = "".join(b["text"] for b in blocks if "text" in b)
    reasoning = "".join(
        b["reasoningContent"]["reasoningText"]["text"] for b in blocks if "reasoningContent" in b
    )
    calls = [
        chat_call(b["toolUse"]["toolUseId"], b["toolUse"]["name"], b["toolUse"]["input"])
        for b in blocks
        if "toolUse" in b
    ]
    u = r["usage"]
    cached, written = u.get("cacheReadInputTokens", 0), u.get("cacheWriteInputTokens", 0)
    usage = (u["inputTokens"] + cached + written, u["outputTokens"], cached, 0)
    finish = {"end_turn": "stop", "max_tokens": "length", "tool_use": "tool_calls"}[r["stopReason"]]
    return orjson.dumps(
        chat_response("", MODEL, text, reasoning, calls, usage=usage, finish=finish)
    )


def py_chat_response_to_responses(body: bytes) -> bytes:
    r = orjson.loads(body)
    m = r["choices"][0]["message"]
    output: list[Json] = []
    if m["content"]:
        text = {"type": "output_text", "text": m["content"], "annotations": []}
        message = {"type": "message", "status": "completed", "role": "assistant"}
        output.append({**message, "content": [text]})
    for c in m.get("tool_calls") or []:
        f = c["function"]
        call = {"type": "function_call", "status": "completed", "call_id": c["id"]}
        output.append({**call, "name": f["name"], "arguments": f["arguments"]})
    u = r["usage"]
    return orjson.dumps(
        {
            "object": "response",
            "status": "completed",
            "error": None,
            "incomplete_details": None,
            "model": r["model"],
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": {
                "input_tokens": u["prompt_tokens"],
                "input_tokens_details": {
                    "cached_tokens": u["prompt_tokens_details"]["cached_tokens"]
                },
                "output_tokens": u["completion_tokens"],
                "output_tokens_details": {
                    "reasoning_tokens": u["completion_tokens_details"]["reasoning_tokens"]
                },
                "total_tokens": u["total_tokens"],
            },
        }
    )


def py_gemini_response_to_chat(body: bytes) -> bytes:
    r = orjson.loads(body)
    parts = r["candidates"][0]["content"]["parts"]
    text = "".join(p["text"] for p in parts if "text" in p and not p.get("thought"))
    reasoning = "".join(p["text"] for p in parts if p.get("thought"))
    u = r["usageMetadata"]
    thoughts = u.get("thoughtsTokenCount", 0)
    usage = (
        u["promptTokenCount"],
        u["candidatesTokenCount"] + thoughts,
        u.get("cachedContentTokenCount", 0),
        thoughts,
    )
    out = chat_response(
        r["responseId"], r["modelVersion"], text, reasoning, [], usage=usage, finish="stop"
    )
    out["created"] = int(datetime.fromisoformat(r["createTime"]).timestamp())
    return orjson.dumps(out)


# --- cases


def minted_out(value: Any) -> Any:
    """Drops what the native side mints (ids, timestamps) so both sides compare equal."""
    if isinstance(value, dict):
        return {
            k: minted_out(v) for k, v in value.items() if k not in {"id", "created", "created_at"}
        }
    if isinstance(value, list):
        return [minted_out(v) for v in value]
    return value


REQUESTS: dict[str, tuple[str, str, bytes, Callable[[bytes], bytes]]] = {
    "chat->anthropic": (
        "openai-chat",
        "anthropic-messages",
        fixture("requests", "openai_chat_tools.json"),
        py_chat_to_anthropic,
    ),
    "anthropic->chat": (
        "anthropic-messages",
        "openai-chat",
        fixture("requests", "anthropic_messages_tools.json"),
        py_anthropic_to_chat,
    ),
    "chat->bedrock": (
        "openai-chat",
        "bedrock-converse",
        fixture("requests", "openai_chat_tools.json"),
        py_chat_to_bedrock,
    ),
    "responses->chat": (
        "openai-responses",
        "openai-chat",
        responses_request(),
        py_responses_to_chat,
    ),
    "chat->gemini": (
        "openai-chat",
        "gemini",
        fixture("requests", "openai_chat_tools.json"),
        py_chat_to_gemini,
    ),
}

# Named by the request pair; the response flows the other way (upstream -> client).
RESPONSES: dict[str, tuple[str, str, bytes, Callable[[bytes], bytes]]] = {
    "chat->anthropic": (
        "anthropic-messages",
        "openai-chat",
        fixture("responses", "anthropic_thinking_tool_use.json"),
        py_anthropic_response_to_chat,
    ),
    "anthropic->chat": (
        "openai-chat",
        "anthropic-messages",
        fixture("responses", "openai_chat_tool_calls.json"),
        py_chat_response_to_anthropic,
    ),
    "chat->bedrock": (
        "bedrock-converse",
        "openai-chat",
        fixture("responses", "bedrock_tool_use.json"),
        py_bedrock_response_to_chat,
    ),
    "responses->chat": (
        "openai-chat",
        "openai-responses",
        fixture("responses", "openai_chat_tool_calls.json"),
        py_chat_response_to_responses,
    ),
    "chat->gemini": (
        "gemini",
        "openai-chat",
        fixture("responses", "gemini_stop.json"),
        py_gemini_response_to_chat,
    ),
}


@pytest.mark.parametrize("impl", ["core", "python"])
@pytest.mark.parametrize("pair", list(REQUESTS))
def test_request(benchmark: BenchmarkFixture, pair: str, impl: str) -> None:
    client, upstream, body, reference = REQUESTS[pair]
    translator = RequestTranslator(client=client, upstream=upstream)
    model = None if upstream in {"bedrock-converse", "gemini"} else MODEL

    def core(b: bytes) -> bytes:
        return translator.translate(b, model=model)

    assert orjson.loads(core(body)) == orjson.loads(reference(body))
    benchmark.group = f"request {pair}"
    benchmark(core if impl == "core" else reference, body)


@pytest.mark.parametrize("impl", ["core", "python"])
@pytest.mark.parametrize("pair", list(RESPONSES))
def test_response(benchmark: BenchmarkFixture, pair: str, impl: str) -> None:
    upstream, client, body, reference = RESPONSES[pair]
    translator = ResponseTranslator(upstream=upstream, client=client)

    def core(b: bytes) -> bytes:
        return translator.translate(b, model=MODEL)

    assert minted_out(orjson.loads(core(body))) == minted_out(orjson.loads(reference(body)))
    benchmark.group = f"response {pair}"
    benchmark(core if impl == "core" else reference, body)
