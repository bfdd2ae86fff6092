"""Non-streaming response translation and usage extraction in `plano._core`.

Fixtures in tests/fixtures/translate/responses/ follow each provider's public API reference.
"""

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plano._core import ResponseTranslator, TranslationError, extract_usage

FIXTURES = Path(__file__).parent.parent / "fixtures" / "translate" / "responses"
CLIENTS = ["openai-chat", "anthropic-messages", "openai-responses", "gemini"]
UPSTREAM_OF = {
    "openai_chat": "openai-chat",
    "anthropic": "anthropic-messages",
    "openai_responses": "openai-responses",
    "bedrock": "bedrock-converse",
    "gemini": "gemini",
}
ALL_FIXTURES = sorted(FIXTURES.glob("*.json"))


def upstream_of(path: Path) -> str:
    return next(api for prefix, api in UPSTREAM_OF.items() if path.name.startswith(prefix))


def translate(upstream: str, client: str, name: str, model: str = "requested-model") -> Any:
    body = (FIXTURES / name).read_bytes()
    return json.loads(
        ResponseTranslator(upstream=upstream, client=client).translate(body, model=model)
    )


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=lambda p: p.stem)
def test_every_fixture_translates_for_every_client(fixture: Path, client: str) -> None:
    upstream = upstream_of(fixture)
    body = fixture.read_bytes()
    out = ResponseTranslator(upstream=upstream, client=client).translate(body, model="m")
    if upstream == client:
        assert out is body
        return
    value = json.loads(out)
    model = {
        "openai-chat": lambda v: v["model"],
        "anthropic-messages": lambda v: v["model"],
        "openai-responses": lambda v: v["model"],
        "gemini": lambda v: v["modelVersion"],
    }[client](value)
    assert model not in {"", "unknown", "stream"}
    if upstream == "bedrock-converse" and fixture.stem != "bedrock_end_turn":
        assert model == "m"  # Bedrock reports no model: the request's is used


# --- ids and models


def test_upstream_id_and_model_are_kept() -> None:
    out = translate("anthropic-messages", "openai-chat", "anthropic_end_turn.json")
    assert out["id"] == "msg_013Zva2CMHLNnXjNJJKqJ2EF"
    assert out["model"] == "claude-haiku-4-5-20251001"
    assert out["object"] == "chat.completion"


@pytest.mark.parametrize(
    ("client", "prefix"),
    [("openai-chat", "chatcmpl-"), ("anthropic-messages", "msg_"), ("openai-responses", "resp_")],
)
def test_missing_ids_are_minted_with_the_right_prefix(client: str, prefix: str) -> None:
    out = translate("bedrock-converse", client, "bedrock_max_tokens.json", "claude-on-bedrock")
    assert out["id"].startswith(prefix)
    assert len(out["id"]) > len(prefix) + 10
    assert out["model"] == "claude-on-bedrock"


def test_bedrock_prompt_router_model_is_reported() -> None:
    out = translate("bedrock-converse", "openai-chat", "bedrock_end_turn.json", "router-arn")
    assert "claude-3-5-haiku" in out["model"]


# --- reasoning goes to the field each API has


def test_anthropic_thinking_to_chat_reasoning_content() -> None:
    out = translate("anthropic-messages", "openai-chat", "anthropic_thinking_tool_use.json")
    message = out["choices"][0]["message"]
    assert message["reasoning_content"] == "The user wants the weather; I should call get_weather."
    assert message["content"] == "I'll check the weather in San Francisco."
    assert "thinking" not in message["content"]
    call = message["tool_calls"][0]
    assert call["id"] == "toolu_01A09q90qw90lq917835lq9"
    assert json.loads(call["function"]["arguments"]) == {
        "location": "San Francisco, CA",
        "unit": "celsius",
    }
    assert out["choices"][0]["finish_reason"] == "tool_calls"


def test_chat_reasoning_content_to_anthropic_thinking_block() -> None:
    out = translate("openai-chat", "anthropic-messages", "openai_chat_reasoning_length.json")
    assert out["content"][0] == {
        "type": "thinking",
        "thinking": "2 + 2 = 4; the user wants brevity.",
        "signature": "",
    }
    assert out["content"][1] == {"type": "text", "text": "The answer is 4"}
    assert out["stop_reason"] == "max_tokens"
    assert out["id"] == "chatcmpl-9f2e1c"


def test_reasoning_to_responses_items() -> None:
    out = translate("anthropic-messages", "openai-responses", "anthropic_thinking_tool_use.json")
    kinds = [item["type"] for item in out["output"]]
    assert kinds == ["reasoning", "message", "function_call"]
    assert out["output"][0]["summary"][0]["text"].startswith("The user wants")
    assert out["output"][2]["call_id"] == "toolu_01A09q90qw90lq917835lq9"
    assert out["status"] == "completed"
    assert out["object"] == "response"


def test_reasoning_to_gemini_thought_parts() -> None:
    out = translate("openai-responses", "gemini", "openai_responses_completed.json")
    parts = out["candidates"][0]["content"]["parts"]
    assert parts[0] == {"text": "Need the weather before answering.", "thought": True}
    assert parts[2]["functionCall"]["name"] == "get_weather"
    assert out["usageMetadata"]["thoughtsTokenCount"] == 64
    assert out["usageMetadata"]["candidatesTokenCount"] == 148 - 64


def test_gemini_thoughts_to_chat() -> None:
    out = translate("gemini", "openai-chat", "gemini_stop.json")
    message = out["choices"][0]["message"]
    assert message["reasoning_content"] == "Thinking about rays of light."
    assert message["content"] == "The sky is blue because of Rayleigh scattering."
    assert out["id"] == "mAitaLmkHPPlz7IPvtfUqQ4"
    assert out["model"] == "gemini-2.5-flash"
    assert out["created"] == 1748781015


# --- stop reasons


# upstream, fixture, then the stop reason each client API sees
STOP_TABLE = """
openai-chat        openai_chat_stop              stop           end_turn      completed  STOP
openai-chat        openai_chat_tool_calls        tool_calls     tool_use      completed  STOP
openai-chat        openai_chat_reasoning_length  length         max_tokens    incomplete MAX_TOKENS
openai-chat        openai_chat_content_filter    content_filter refusal       incomplete SAFETY
anthropic-messages anthropic_end_turn            stop           end_turn      completed  STOP
anthropic-messages anthropic_max_tokens          length         max_tokens    incomplete MAX_TOKENS
anthropic-messages anthropic_stop_sequence       stop           stop_sequence completed  STOP
anthropic-messages anthropic_refusal             content_filter refusal       incomplete SAFETY
anthropic-messages anthropic_pause_turn          stop           pause_turn    completed  STOP
anthropic-messages anthropic_thinking_tool_use   tool_calls     tool_use      completed  STOP
openai-responses   openai_responses_completed    tool_calls     tool_use      completed  STOP
openai-responses   openai_responses_incomplete   length         max_tokens    incomplete MAX_TOKENS
bedrock-converse   bedrock_tool_use              tool_calls     tool_use      completed  STOP
bedrock-converse   bedrock_end_turn              stop           end_turn      completed  STOP
bedrock-converse   bedrock_guardrail             content_filter refusal       incomplete SAFETY
bedrock-converse   bedrock_max_tokens            length         max_tokens    incomplete MAX_TOKENS
gemini             gemini_stop                   stop           end_turn      completed  STOP
gemini             gemini_function_call          tool_calls     tool_use      completed  STOP
gemini             gemini_max_tokens             length         max_tokens    incomplete MAX_TOKENS
gemini             gemini_safety                 content_filter refusal       incomplete SAFETY
gemini             gemini_prompt_blocked         content_filter refusal       incomplete SAFETY
"""


@pytest.mark.parametrize(
    ("upstream", "fixture", "chat", "anthropic", "responses_status", "gemini"),
    [tuple(line.split()) for line in STOP_TABLE.strip().splitlines()],
)
def test_stop_reasons(
    upstream: str, fixture: str, chat: str, anthropic: str, responses_status: str, gemini: str
) -> None:
    fixture += ".json"
    if upstream != "openai-chat":
        assert translate(upstream, "openai-chat", fixture)["choices"][0]["finish_reason"] == chat
    if upstream != "anthropic-messages":
        assert translate(upstream, "anthropic-messages", fixture)["stop_reason"] == anthropic
    if upstream != "openai-responses":
        assert translate(upstream, "openai-responses", fixture)["status"] == responses_status
    if upstream != "gemini":
        assert translate(upstream, "gemini", fixture)["candidates"][0]["finishReason"] == gemini


def test_stop_sequence_is_reported_to_anthropic_clients() -> None:
    out = translate("anthropic-messages", "openai-chat", "anthropic_stop_sequence.json")
    assert out["choices"][0]["finish_reason"] == "stop"
    out = translate("openai-responses", "anthropic-messages", "openai_responses_incomplete.json")
    assert out["stop_sequence"] is None


# --- usage


@pytest.mark.parametrize(
    ("api", "fixture", "expected"),
    [
        ("openai-chat", "openai_chat_tool_calls.json", (1117, 46, 1024, 0, 0)),
        ("openai-chat", "openai_chat_reasoning_length.json", (20, 100, 0, 0, 80)),
        ("anthropic-messages", "anthropic_thinking_tool_use.json", (2620, 91, 2048, 100, 0)),
        ("openai-responses", "openai_responses_completed.json", (328, 148, 256, 0, 64)),
        ("bedrock-converse", "bedrock_tool_use.json", (375 + 2000 + 48, 75, 2000, 48, 0)),
        ("gemini", "gemini_stop.json", (12, 10 + 30, 4, 0, 30)),
    ],
)  # fmt: skip
def test_extract_usage(api: str, fixture: str, expected: tuple[int, ...]) -> None:
    u = extract_usage(api, (FIXTURES / fixture).read_bytes())
    got = (
        u.input_tokens,
        u.output_tokens,
        u.cache_read_tokens,
        u.cache_creation_tokens,
        u.reasoning_tokens,
    )
    assert got == expected
    assert u.total_tokens == expected[0] + expected[1]


def test_usage_is_mapped_to_each_client_shape() -> None:
    chat = translate("anthropic-messages", "openai-chat", "anthropic_thinking_tool_use.json")
    assert chat["usage"]["prompt_tokens"] == 472 + 2048 + 100
    assert chat["usage"]["prompt_tokens_details"]["cached_tokens"] == 2048
    assert chat["usage"]["total_tokens"] == 472 + 2048 + 100 + 91
    anthropic = translate("openai-chat", "anthropic-messages", "openai_chat_tool_calls.json")
    assert anthropic["usage"] == {
        "input_tokens": 1117 - 1024,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 1024,
        "output_tokens": 46,
    }
    back = translate("bedrock-converse", "anthropic-messages", "bedrock_tool_use.json")
    assert back["usage"]["input_tokens"] == 375
    assert back["usage"]["cache_read_input_tokens"] == 2000
    assert back["usage"]["cache_creation_input_tokens"] == 48
    responses = translate("openai-chat", "openai-responses", "openai_chat_reasoning_length.json")
    assert responses["usage"]["output_tokens_details"]["reasoning_tokens"] == 80
    assert responses["incomplete_details"] == {"reason": "max_output_tokens"}


def test_bedrock_reasoning_keeps_its_signature_for_anthropic_clients() -> None:
    out = translate("bedrock-converse", "anthropic-messages", "bedrock_tool_use.json")
    assert out["content"][0] == {
        "type": "thinking",
        "thinking": "Need the top song.",
        "signature": "sigBedrock",
    }
    assert out["content"][2]["input"] == {"sign": "WZPZ"}


def test_large_response_translates_without_the_gil() -> None:
    body = json.loads((FIXTURES / "anthropic_end_turn.json").read_bytes())
    body["content"][0]["text"] = "word " * 100_000
    t = ResponseTranslator(upstream="anthropic-messages", client="openai-chat")
    out = json.loads(t.translate(json.dumps(body).encode(), model="m"))
    assert out["choices"][0]["message"]["content"] == "word " * 100_000


def test_malformed_response_raises_translation_error() -> None:
    t = ResponseTranslator(upstream="anthropic-messages", client="openai-chat")
    with pytest.raises(TranslationError, match="not valid JSON"):
        t.translate(b"<html>", model="m")
    with pytest.raises(TranslationError, match=r"content\[0\]: expected an object"):
        t.translate(b'{"content": [1]}', model="m")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "model",
                    "choices",
                    "message",
                    "content",
                    "tool_calls",
                    "usage",
                    "type",
                    "text",
                    "candidates",
                    "parts",
                    "output",
                    "stopReason",
                    "finish_reason",
                    "functionCall",
                    "toolUse",
                    "input",
                    "name",
                    "arguments",
                    "usageMetadata",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(body=JSON, upstream=st.sampled_from([*UPSTREAM_OF.values()]))
def test_arbitrary_responses_translate_or_raise(body: Any, upstream: str) -> None:
    raw = json.dumps(body).encode()
    for client in CLIENTS:
        with contextlib.suppress(TranslationError):
            json.loads(
                ResponseTranslator(upstream=upstream, client=client).translate(raw, model="m")
            )
    with contextlib.suppress(TranslationError):
        extract_usage(upstream, raw)
