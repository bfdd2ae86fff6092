"""Request translation in `plano._core`: validation, the client x upstream matrix, round trips.

Fixtures in tests/fixtures/translate/requests/ are bodies written from each provider's public
API reference.
"""

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plano._core import RequestTranslator, TranslationError, inspect_request

FIXTURES = Path(__file__).parent.parent / "fixtures" / "translate" / "requests"
CLIENTS = ["openai-chat", "anthropic-messages", "openai-responses", "gemini"]
UPSTREAMS = [*CLIENTS, "bedrock-converse"]
FIXTURE_CLIENT = {
    "openai_chat": "openai-chat",
    "anthropic_messages": "anthropic-messages",
    "openai_responses": "openai-responses",
    "gemini": "gemini",
}


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def client_of(path: Path) -> str:
    return next(api for prefix, api in FIXTURE_CLIENT.items() if path.name.startswith(prefix))


def translate(client: str, upstream: str, body: bytes, model: str | None = None) -> Any:
    out = RequestTranslator(client=client, upstream=upstream).translate(body, model=model)
    return json.loads(out)


ALL_FIXTURES = sorted(FIXTURES.glob("*.json"))


# --- inspect_request


def test_inspect_reads_routing_facts() -> None:
    info = inspect_request("openai-chat", load("openai_chat_image.json"))
    assert (info.model, info.is_streaming, info.has_tools, info.client) == (
        "gpt-4o",
        True,
        False,
        "openai-chat",
    )
    info = inspect_request("anthropic-messages", load("anthropic_messages_tools.json"))
    assert (info.model, info.is_streaming, info.has_tools) == ("claude-sonnet-4-5", True, True)


def test_inspect_gemini_has_model_in_url_not_body() -> None:
    info = inspect_request("gemini", load("gemini_tools.json"))
    assert info.model is None
    assert info.has_tools


@pytest.mark.parametrize(
    ("client", "body", "message"),
    [
        (
            "openai-chat",
            b'{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},'
            b'{"role":"user","content":7}]}',
            "messages[2].content: expected a string or an array of content parts",
        ),
        ("openai-chat", b'{"model":"m"}', "messages: missing required field"),
        (
            "anthropic-messages",
            b'{"model":"m","messages":[]}',
            "max_tokens: missing required field",
        ),
        ("anthropic-messages", b'{"max_tokens":1,"messages":[]}', "model: missing required field"),
        ("openai-chat", b'{"messages":[],"temperature":"hot"}', "temperature: expected a number"),
        ("openai-responses", b'{"model":"m","input":5}', "input: expected a string or an array"),
        ("gemini", b'{"contents":[{"role":"robot","parts":[]}]}', "contents[0].role: unknown role"),
        ("openai-chat", b"[1, 2]", "body: expected a JSON object"),
    ],
)
def test_invalid_bodies_name_the_field(client: str, body: bytes, message: str) -> None:
    with pytest.raises(TranslationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        inspect_request(client, body)


def test_malformed_json_reports_line_and_column() -> None:
    with pytest.raises(TranslationError, match=r"not valid JSON.*line 2 column"):
        inspect_request("openai-chat", b'{"messages": [\n  {"role": }]}')


def test_bedrock_is_not_a_client_api() -> None:
    with pytest.raises(TranslationError, match="upstream API"):
        RequestTranslator(client="bedrock-converse", upstream="openai-chat")
    with pytest.raises(ValueError, match="unknown API kind"):
        RequestTranslator(client="openai", upstream="openai-chat")


# --- the matrix


@pytest.mark.parametrize("upstream", UPSTREAMS)
@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=lambda p: p.stem)
def test_every_fixture_translates_to_every_upstream(fixture: Path, upstream: str) -> None:
    client = client_of(fixture)
    body = fixture.read_bytes()
    translator = RequestTranslator(client=client, upstream=upstream)
    if upstream == "bedrock-converse" and fixture.stem in {
        "openai_chat_image_url",
        "openai_responses_tools",
    }:
        with pytest.raises(TranslationError, match="Bedrock needs base64 image data"):
            translator.translate(body, model="m")
        return
    out = json.loads(translator.translate(body, model="upstream-model"))
    assert isinstance(out, dict)
    if upstream in {"gemini", "bedrock-converse"}:
        assert "model" not in out or client == upstream
    else:
        assert out["model"] == "upstream-model"


def test_request_info_can_stand_in_for_the_body() -> None:
    body = load("openai_chat_tools.json")
    info = inspect_request("openai-chat", body)
    translator = RequestTranslator(client="openai-chat", upstream="anthropic-messages")
    assert translator.translate(info, model="c") == translator.translate(body, model="c")
    with pytest.raises(ValueError, match="read as openai-chat"):
        RequestTranslator(client="gemini", upstream="openai-chat").translate(info)


# --- passthrough


def test_same_api_unchanged_body_is_the_same_object() -> None:
    body = load("openai_chat_text.json")
    assert RequestTranslator(client="openai-chat", upstream="openai-chat").translate(body) is body
    gemini = load("gemini_tools.json")
    same_gemini = RequestTranslator(client="gemini", upstream="gemini")
    assert same_gemini.translate(gemini, model="x") is gemini


def test_same_api_model_override_keeps_everything_else() -> None:
    rest = b'"messages":[],"x_vendor":{"k":1.50},"chat_template_kwargs":{"t":true}}'
    out = RequestTranslator(client="openai-chat", upstream="openai-chat").translate(
        b'{"model":"a",' + rest, model="b"
    )
    assert out == b'{"model":"b",' + rest


def test_same_api_streaming_chat_asks_for_usage() -> None:
    body = b'{"model":"gpt-4o","stream":true,"messages":[]}'
    same = RequestTranslator(client="openai-chat", upstream="openai-chat")
    assert json.loads(same.translate(body))["stream_options"] == {"include_usage": True}


def test_same_api_reasoning_model_quirks() -> None:
    body = b'{"model":"gpt-5","messages":[],"max_tokens":10,"temperature":0.3}'
    same = RequestTranslator(client="openai-chat", upstream="openai-chat")
    out = json.loads(same.translate(body))
    assert out == {"model": "gpt-5", "messages": [], "max_completion_tokens": 10}


# --- field mappings


def test_chat_to_anthropic_mapping() -> None:
    out = translate("openai-chat", "anthropic-messages", load("openai_chat_tools.json"), "claude")
    assert out["system"] == "You help with the weather."
    assert out["max_tokens"] == 512
    assert out["stop_sequences"] == ["END"]
    assert out["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
    assert out["tools"][0]["input_schema"]["required"] == ["city"]
    assistant = out["messages"][1]
    assert [b["type"] for b in assistant["content"]] == ["tool_use", "tool_use"]
    assert assistant["content"][0]["input"] == {"city": "Paris"}
    results = out["messages"][2]["content"]
    assert [b["type"] for b in results] == ["tool_result", "tool_result", "text"]
    assert results[0]["tool_use_id"] == "call_abc123"


def test_chat_keeps_all_system_messages() -> None:
    out = translate("openai-chat", "anthropic-messages", load("openai_chat_text.json"))
    assert out["system"] == "You are a terse assistant.\n\nAnswer in English."
    assert out["metadata"] == {"user_id": "user-1234"}
    bedrock = translate("openai-chat", "bedrock-converse", load("openai_chat_text.json"))
    assert bedrock["system"] == [
        {"text": "You are a terse assistant."},
        {"text": "Answer in English."},
    ]


def test_chat_data_url_becomes_base64_source() -> None:
    out = translate("openai-chat", "anthropic-messages", load("openai_chat_image.json"))
    image = out["messages"][0]["content"][1]
    assert image["source"]["type"] == "base64"
    assert image["source"]["media_type"] == "image/png"
    # OpenAI's max_completion_tokens includes reasoning: 300 leaves no room for Anthropic's
    # minimum thinking budget (1024), so thinking is not requested.
    assert "thinking" not in out
    assert out["max_tokens"] == 300
    bedrock = translate("openai-chat", "bedrock-converse", load("openai_chat_image.json"))
    assert bedrock["messages"][0]["content"][1]["image"]["format"] == "png"


def test_reasoning_effort_becomes_thinking_budget() -> None:
    body = json.loads(load("openai_chat_image.json"))
    del body["max_completion_tokens"]
    body["temperature"] = 0.5
    out = translate("openai-chat", "anthropic-messages", json.dumps(body).encode())
    assert out["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert out["max_tokens"] == 2048 + 4096
    assert "temperature" not in out  # Anthropic rejects sampling parameters with thinking


def test_anthropic_requires_max_tokens_default() -> None:
    out = translate("openai-chat", "anthropic-messages", load("openai_chat_image_url.json"))
    assert out["max_tokens"] == 4096
    assert out["messages"][0]["content"][1]["source"] == {
        "type": "url",
        "url": "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg",
    }


def test_anthropic_to_chat_mapping() -> None:
    body = load("anthropic_messages_tools.json")
    out = translate("anthropic-messages", "openai-chat", body, "gpt-4o")
    assert out["messages"][0] == {"role": "system", "content": "You are a weather bot."}
    assert out["max_tokens"] == 2048
    assert out["stream"] is True
    assert out["stream_options"] == {"include_usage": True}
    assert out["parallel_tool_calls"] is False
    assert out["tool_choice"] == "auto"
    assert out["reasoning_effort"] == "minimal"
    assert out["user"] == "u-42"
    user = out["messages"][1]
    assert user["content"][0]["image_url"]["url"].startswith("data:image/jpeg;base64,/9j/")
    assistant = out["messages"][2]
    assert assistant["content"] == "That's San Francisco. Let me check the weather."
    assert assistant["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"location":"San Francisco, CA"}',
    }
    assert out["messages"][3] == {
        "role": "tool",
        "tool_call_id": "toolu_01A09q90qw90lq917835lq9",
        "content": "15 degrees, foggy",
    }


def test_anthropic_to_bedrock_mapping() -> None:
    out = translate("anthropic-messages", "bedrock-converse", load("anthropic_messages_tools.json"))
    assert "model" not in out
    assert out["inferenceConfig"] == {"maxTokens": 2048, "stopSequences": ["###"]}
    assert out["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]["type"] == "object"
    assistant = out["messages"][1]["content"]
    assert assistant[0] == {
        "reasoningContent": {
            "reasoningText": {
                "text": "The photo shows the Golden Gate Bridge, so San Francisco.",
                "signature": "EqQBCkYIARgCIkB0c2lnbmF0dXJl",
            }
        }
    }
    assert assistant[2]["toolUse"]["input"] == {"location": "San Francisco, CA"}
    result = out["messages"][2]["content"][0]["toolResult"]
    assert result["status"] == "success"
    assert result["content"] == [{"text": "15 degrees, foggy"}]


def test_bedrock_thinking_for_claude_models_only() -> None:
    body = load("anthropic_messages_tools.json")
    claude = RequestTranslator(client="anthropic-messages", upstream="bedrock-converse")
    out = json.loads(claude.translate(body, model="us.anthropic.claude-sonnet-4-5-v1:0"))
    assert out["additionalModelRequestFields"]["thinking"]["budget_tokens"] == 1024
    out = json.loads(claude.translate(body, model="amazon.nova-pro-v1:0"))
    assert "additionalModelRequestFields" not in out


def test_bedrock_tool_history_without_tools_gets_tool_config() -> None:
    chat = json.loads(load("openai_chat_tools.json"))
    del chat["tools"], chat["tool_choice"]
    out = translate("openai-chat", "bedrock-converse", json.dumps(chat).encode())
    assert out["toolConfig"]["tools"][0]["toolSpec"]["name"] == "get_weather"


def test_responses_to_chat_mapping() -> None:
    body = load("openai_responses_tools.json")
    out = translate("openai-responses", "openai-chat", body, "gpt-4o")
    assert out["messages"][0] == {"role": "system", "content": "You are a helpful travel agent."}
    assert out["max_tokens"] == 800
    assert out["reasoning_effort"] == "medium"
    assert [t["function"]["name"] for t in out["tools"]] == [
        "search_restaurants",
        "book_table",
        "free_text_note",
    ]
    assert out["tools"][2]["function"]["parameters"]["properties"] == {"input": {"type": "string"}}
    assert out["messages"][2]["tool_calls"][0]["id"] == "call_rest_1"
    assert out["messages"][3] == {
        "role": "tool",
        "tool_call_id": "call_rest_1",
        "content": '[{"name":"Le Comptoir"}]',
    }
    assert out["messages"][5]["content"][1]["image_url"]["url"] == "https://example.com/menu.png"


def test_responses_string_input_and_hosted_tools() -> None:
    out = translate("openai-responses", "openai-chat", load("openai_responses_text.json"))
    assert out["messages"] == [
        {"role": "user", "content": "Write a one-sentence bedtime story about a unicorn."}
    ]
    assert out["stream_options"] == {"include_usage": True}
    body = (
        b'{"model":"m","input":"x",'
        b'"tools":[{"type":"web_search_preview","search_context_size":"low"}]}'
    )
    assert translate("openai-responses", "openai-chat", body)["web_search_options"] == {
        "search_context_size": "low"
    }
    body = b'{"model":"m","input":"x","tools":[{"type":"code_interpreter","container":{}}]}'
    with pytest.raises(TranslationError, match=r"code_interpreter.*cannot be translated"):
        RequestTranslator(client="openai-responses", upstream="openai-chat").translate(body)
    # ... but it passes through to a Responses upstream untouched.
    same = RequestTranslator(client="openai-responses", upstream="openai-responses")
    assert same.translate(body) is body


def test_responses_through_the_hub_to_anthropic_bedrock_gemini() -> None:
    body = json.loads(load("openai_responses_tools.json"))
    body["input"][-1]["content"].pop()  # Bedrock takes no URL images
    raw = json.dumps(body).encode()
    anthropic = translate("openai-responses", "anthropic-messages", raw, "claude")
    assert anthropic["system"] == "You are a helpful travel agent."
    assert anthropic["max_tokens"] == 800
    assert "thinking" not in anthropic  # 800 tokens leave no room for the 1024 minimum budget
    assistant = anthropic["messages"][1]["content"]
    assert assistant == [
        {
            "type": "tool_use",
            "id": "call_rest_1",
            "name": "search_restaurants",
            "input": {"city": "Paris"},
        }
    ]  # the unsigned reasoning summary cannot go back to Anthropic
    assert anthropic["messages"][2]["content"][0]["type"] == "tool_result"
    bedrock = translate("openai-responses", "bedrock-converse", raw)
    assert bedrock["messages"][1]["content"][0]["toolUse"]["toolUseId"] == "call_rest_1"
    assert bedrock["toolConfig"]["toolChoice"] == {"auto": {}}
    gemini = translate("openai-responses", "gemini", raw)
    assert gemini["contents"][2]["parts"][0]["functionResponse"] == {
        "name": "search_restaurants",
        "response": {"result": '[{"name":"Le Comptoir"}]'},
    }
    assert gemini["tools"][0]["functionDeclarations"][2]["name"] == "free_text_note"


def test_anthropic_to_responses_upstream() -> None:
    out = translate("anthropic-messages", "openai-responses", load("anthropic_messages_tools.json"))
    assert out["instructions"] == "You are a weather bot."
    assert out["max_output_tokens"] == 2048
    assert out["reasoning"] == {"effort": "minimal"}
    kinds = [item["type"] for item in out["input"]]
    assert kinds == ["message", "message", "function_call", "function_call_output"]
    assert out["input"][0]["content"][0]["type"] == "input_image"
    assert out["input"][3] == {
        "type": "function_call_output",
        "call_id": "toolu_01A09q90qw90lq917835lq9",
        "output": "15 degrees, foggy",
    }
    assert out["parallel_tool_calls"] is False


def test_chat_to_gemini_mapping() -> None:
    out = translate("openai-chat", "gemini", load("openai_chat_tools.json"), "gemini-2.5-pro")
    assert "model" not in out
    assert out["systemInstruction"] == {"parts": [{"text": "You help with the weather."}]}
    assert out["generationConfig"] == {
        "maxOutputTokens": 512,
        "temperature": 0.5,
        "stopSequences": ["END"],
    }
    assert out["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    decl = out["tools"][0]["functionDeclarations"][0]
    assert decl["parametersJsonSchema"]["additionalProperties"] is False
    model_turn = out["contents"][1]
    assert model_turn["role"] == "model"
    assert model_turn["parts"][0] == {
        "functionCall": {"name": "get_weather", "args": {"city": "Paris"}}
    }
    responses = out["contents"][2]["parts"]
    assert responses[0] == {"functionResponse": {"name": "get_weather", "response": {"temp_c": 18}}}
    assert responses[1]["functionResponse"]["response"] == {"result": "sunny, 24C"}


def test_gemini_to_chat_mapping() -> None:
    out = translate("gemini", "openai-chat", load("gemini_tools.json"), "gpt-4o")
    assert out["model"] == "gpt-4o"
    assert out["messages"][0]["role"] == "system"
    call = out["messages"][2]["tool_calls"][0]
    assert json.loads(call["function"]["arguments"]) == {"room": "living room", "brightness": 30}
    assert out["messages"][3]["tool_call_id"] == call["id"]
    assert json.loads(out["messages"][3]["content"]) == {
        "brightness": 30,
        "colorTemperature": "warm",
    }
    assert out["tools"][0]["function"]["parameters"]["properties"]["room"]["type"] == "string"
    assert out["max_tokens"] == 1000
    assert out["reasoning_effort"] == "low"
    snake = translate("gemini", "anthropic-messages", load("gemini_text_snake_case.json"), "c")
    assert snake["system"] == "You are a cat. Your name is Neko."
    assert snake["max_tokens"] == 100
    assert snake["stop_sequences"] == ["Title"]


def test_response_format_maps_to_each_api() -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    chat = {
        "model": "m",
        "messages": [{"role": "user", "content": "q"}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": schema, "strict": True},
        },
    }
    body = json.dumps(chat).encode()
    gemini = translate("openai-chat", "gemini", body)
    assert gemini["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseJsonSchema": schema,
    }
    responses = translate("openai-chat", "openai-responses", body)
    assert responses["text"] == {
        "format": {"type": "json_schema", "name": "answer", "schema": schema, "strict": True}
    }
    back = translate("openai-responses", "openai-chat", json.dumps(responses).encode())
    assert back["response_format"] == chat["response_format"]
    assert "response_format" not in translate("openai-chat", "anthropic-messages", body)


def test_large_bodies_translate_the_same_without_the_gil() -> None:
    data = "A" * (400 * 1024)
    body = {
        "model": "m",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what is this?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}},
                ],
            }
        ],
    }
    out = translate("openai-chat", "anthropic-messages", json.dumps(body).encode())
    assert out["messages"][0]["content"][1]["source"]["data"] == data


def test_documents_map_to_each_api() -> None:
    body = load("anthropic_messages_document.json")
    pdf = json.loads(body)["messages"][0]["content"][0]["source"]["data"]
    chat = translate("anthropic-messages", "openai-chat", body, "gpt-4o")
    assert chat["messages"][0]["content"][0] == {
        "type": "file",
        "file": {"filename": "Q3 report.pdf", "file_data": f"data:application/pdf;base64,{pdf}"},
    }
    bedrock = translate("anthropic-messages", "bedrock-converse", body)
    assert bedrock["messages"][0]["content"][0] == {
        "document": {"format": "pdf", "name": "Q3 report-pdf", "source": {"bytes": pdf}}
    }
    gemini = translate("anthropic-messages", "gemini", body)
    assert gemini["contents"][0]["parts"][0] == {
        "inlineData": {"mimeType": "application/pdf", "data": pdf}
    }
    responses = translate("anthropic-messages", "openai-responses", body)
    assert responses["input"][0]["content"][0] == {
        "type": "input_file",
        "filename": "Q3 report.pdf",
        "file_data": f"data:application/pdf;base64,{pdf}",
    }
    # ... and back: each reader knows the shape it is given.
    back = translate("openai-chat", "anthropic-messages", json.dumps(chat).encode())
    assert back["messages"][0]["content"][0]["type"] == "document"
    assert back["messages"][0]["content"][0]["title"] == "Q3 report.pdf"
    from_gemini = translate("gemini", "anthropic-messages", json.dumps(gemini).encode(), "c")
    assert from_gemini["messages"][0]["content"][0]["source"]["media_type"] == "application/pdf"
    url_doc = {
        "model": "m",
        "input": [
            {
                "role": "user",
                "content": [{"type": "input_file", "file_url": "https://example.com/a.pdf"}],
            }
        ],
    }
    with pytest.raises(TranslationError, match="document given by URL"):
        RequestTranslator(client="openai-responses", upstream="openai-chat").translate(
            json.dumps(url_doc).encode()
        )


# --- round trips


def normalize_chat(body: dict[str, Any]) -> dict[str, Any]:
    keys = ["messages", "tools", "tool_choice", "stop", "max_tokens", "temperature", "top_p"]
    out = {k: body[k] for k in keys if k in body}
    out["parallel_tool_calls"] = body.get("parallel_tool_calls", True)
    for m in out["messages"]:
        if isinstance(m.get("content"), list) and all(p["type"] == "text" for p in m["content"]):
            m["content"] = "".join(p["text"] for p in m["content"])
    return out


@pytest.mark.parametrize("fixture", ["openai_chat_tools.json", "openai_chat_text.json"])
def test_chat_anthropic_chat_round_trip(fixture: str) -> None:
    original = json.loads(load(fixture))
    original.pop("user", None)
    if fixture == "openai_chat_text.json":  # two system messages come back joined
        original["messages"][:2] = [
            {"role": "system", "content": "You are a terse assistant.\n\nAnswer in English."}
        ]
    there = RequestTranslator(client="openai-chat", upstream="anthropic-messages").translate(
        json.dumps(original).encode(), model="claude"
    )
    back = translate("anthropic-messages", "openai-chat", there, original["model"])
    assert normalize_chat(back) == normalize_chat(original)


def test_chat_gemini_chat_round_trip() -> None:
    original = json.loads(load("openai_chat_tools.json"))
    there = RequestTranslator(client="openai-chat", upstream="gemini").translate(
        load("openai_chat_tools.json")
    )
    back = translate("gemini", "openai-chat", there, original["model"])
    ids: dict[str, str] = {}
    for m in back["messages"]:  # Gemini carries no call ids: compare after renaming
        for c in m.get("tool_calls", []):
            ids[c["id"]] = f"id{len(ids)}"
            c["id"] = ids[c["id"]]
        if m["role"] == "tool":
            m["tool_call_id"] = ids[m["tool_call_id"]]
    calls = [c for m in original["messages"] for c in m.get("tool_calls") or []]
    for i, call in enumerate(calls):
        call["id"] = f"id{i}"
    for m, new_id in zip(
        (m for m in original["messages"] if m["role"] == "tool"), ["id0", "id1"], strict=True
    ):
        m["tool_call_id"] = new_id
    expected = normalize_chat(original)
    got = normalize_chat(back)
    expected.pop("parallel_tool_calls")  # Gemini has no such switch
    got.pop("parallel_tool_calls")
    assert got == expected


def normalize_responses(body: dict[str, Any]) -> dict[str, Any]:
    items = []
    for item in body["input"]:
        kind = item.get("type", "message")
        if kind == "reasoning":
            continue
        if kind == "message":
            content = item["content"]
            if isinstance(content, str):
                content = [{"type": "input_text", "text": content}]
            items.append(
                {
                    "role": item["role"],
                    "content": [{k: v for k, v in c.items() if k != "detail"} for c in content],
                }
            )
        else:
            items.append({k: v for k, v in item.items() if k not in {"id", "status"}})
    tools = [t for t in body.get("tools", []) if t["type"] == "function"]
    return {
        "instructions": body.get("instructions"),
        "input": items,
        "tools": tools,
        "tool_choice": body.get("tool_choice"),
        "max_output_tokens": body.get("max_output_tokens"),
        "temperature": body.get("temperature"),
        "reasoning": body.get("reasoning", {}).get("effort"),
    }


def test_responses_chat_responses_round_trip() -> None:
    original = json.loads(load("openai_responses_tools.json"))
    original["tools"] = original["tools"][:2]  # custom tools come back as function tools
    there = RequestTranslator(client="openai-responses", upstream="openai-chat").translate(
        json.dumps(original).encode()
    )
    back = translate("openai-chat", "openai-responses", there)
    assert normalize_responses(back) == normalize_responses(original)


# --- properties

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(
    [
        "model", "messages", "max_tokens", "system", "input", "instructions", "contents",
        "tools", "tool_choice", "stream", "stop", "temperature", "role", "content", "type",
        "text", "tool_calls", "function", "arguments", "tool_call_id", "parts", "image_url",
        "source", "functionCall", "generationConfig", "thinking", "reasoning_effort", "name",
    ]
)  # fmt: skip
SHAPED = st.recursive(
    JSON,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(body=st.dictionaries(KEYS, SHAPED, max_size=8), client=st.sampled_from(CLIENTS))
def test_arbitrary_request_shapes_translate_or_raise_translation_error(
    body: dict[str, Any], client: str
) -> None:
    raw = json.dumps(body).encode()
    with contextlib.suppress(TranslationError):
        inspect_request(client, raw)
    for upstream in UPSTREAMS:
        try:
            out = RequestTranslator(client=client, upstream=upstream).translate(raw, model="m")
        except TranslationError:
            continue
        json.loads(out)


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=200), client=st.sampled_from(CLIENTS))
def test_arbitrary_bytes_never_crash(raw: bytes, client: str) -> None:
    for upstream in UPSTREAMS:
        with contextlib.suppress(TranslationError):
            RequestTranslator(client=client, upstream=upstream).translate(raw)
