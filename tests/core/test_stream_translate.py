"""StreamTranslator on recorded upstream streams, for every upstream-client pair: valid client
envelopes (checked with the official SDK models), same content, byte-identical passthrough,
chunking-independence, and failure handling (upstream errors, truncation, abort, garbage)."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.core.stream_checks import (
    CHECKERS,
    CLIENTS,
    NOW_S,
    UPSTREAMS,
    expected,
    load,
    sse_events,
)

from plano._core import StreamTranslator, TranslationError

PAIRS = [(u, c) for u in UPSTREAMS for c in CLIENTS]
TRANSLATED = [(u, c) for u, c in PAIRS if u != c]
SCENARIOS = ["text", "tools", "reasoning"]


def new(upstream: str, client: str) -> StreamTranslator:
    return StreamTranslator(upstream=upstream, client=client, model="configured-model", now_s=NOW_S)


def run(upstream: str, client: str, chunks: list[bytes]) -> bytes:
    t = new(upstream, client)
    return b"".join(t.feed(c) for c in chunks) + t.finish()


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize(("upstream", "client"), TRANSLATED)
def test_translated_stream_is_a_valid_envelope_with_the_same_content(
    upstream: str, client: str, scenario: str
) -> None:
    t = new(upstream, client)
    out = t.feed(load(upstream, scenario)) + t.finish()
    got = CHECKERS[client](out)
    want = expected(upstream, scenario)
    assert got.error is None
    assert got.content() == want.content()
    assert t.is_complete()
    assert t.stop_reason() == ("tool_use" if scenario == "tools" else "end_turn")
    assert t.output_chars() > 0
    assert t.usage() is not None


@pytest.mark.parametrize(("upstream", "client"), TRANSLATED)
def test_ids_and_models_are_real(upstream: str, client: str) -> None:
    t = new(upstream, client)
    out = t.feed(load(upstream, "text")) + t.finish()
    got = CHECKERS[client](out)
    assert got.ids
    assert all(i != "stream" and "unknown" not in i for i in got.ids)
    if upstream == "bedrock-converse":
        assert t.model() == "configured-model"
        assert t.response_id() is None
    else:
        assert t.model() not in ("configured-model", "")
        assert t.response_id()


def test_upstream_ids_carry_over_with_the_client_prefix() -> None:
    out = run("openai-chat", "anthropic-messages", [load("openai-chat", "text")])
    assert b'"id":"msg_B9MBs8CjcvOU2jLn4n570S5qMJKcT"' in out
    out = run("anthropic-messages", "openai-chat", [load("anthropic-messages", "text")])
    assert b'"id":"chatcmpl-01XFDUDYJgAACzvnptvVoYEL"' in out
    out = run("anthropic-messages", "openai-responses", [load("anthropic-messages", "text")])
    assert b'"id":"resp_01XFDUDYJgAACzvnptvVoYEL"' in out


@pytest.mark.parametrize("client", CLIENTS)
def test_reasoning_goes_to_the_clients_reasoning_field(client: str) -> None:
    out = run("anthropic-messages", client, [load("anthropic-messages", "reasoning")])
    marker = {
        "openai-chat": b'"reasoning_content":"The user',
        "anthropic-messages": b'"type":"thinking_delta","thinking":"The user',
        "openai-responses": b'"type":"response.reasoning_text.delta"',
        "gemini": b'"thought":true',
    }[client]
    assert marker in out
    assert b"thinking: " not in out


@pytest.mark.parametrize(("upstream", "client"), [(u, u) for u in CLIENTS])
@pytest.mark.parametrize("scenario", [*SCENARIOS, "error"])
def test_passthrough_is_byte_identical_and_observed(
    upstream: str, client: str, scenario: str
) -> None:
    stream = load(upstream, scenario)
    t = new(upstream, client)
    out = t.feed(stream) + t.finish()
    assert out == stream
    if scenario == "error":
        assert not t.is_complete()
        return
    assert t.is_complete()
    assert t.stop_reason() == ("tool_use" if scenario == "tools" else "end_turn")
    assert t.usage() is not None
    assert t.output_chars() > 0
    assert t.response_id()


@pytest.mark.parametrize("upstream", UPSTREAMS)
def test_usage_is_normalised(upstream: str) -> None:
    t = new(upstream, "openai-chat")
    t.feed(load(upstream, "text"))
    t.finish()
    usage = t.usage()
    assert usage is not None
    assert usage["input_tokens"] > 0
    assert usage["output_tokens"] > 0
    assert set(usage) == {
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_creation_tokens",
        "reasoning_tokens",
    }


def test_anthropic_cache_reads_count_as_input() -> None:
    t = new("anthropic-messages", "openai-chat")
    out = t.feed(load("anthropic-messages", "text")) + t.finish()
    assert t.usage() == {
        "input_tokens": 29,
        "output_tokens": 15,
        "cache_read_tokens": 4,
        "cache_creation_tokens": 0,
        "reasoning_tokens": 0,
    }
    assert b'"prompt_tokens":29,"completion_tokens":15' in out


@pytest.mark.parametrize(("upstream", "client"), PAIRS)
def test_upstream_error_becomes_a_final_client_error(upstream: str, client: str) -> None:
    t = new(upstream, client)
    out = t.feed(load(upstream, "error"))
    out += t.finish()
    if upstream == client:
        assert out == load(upstream, "error")
    else:
        got = CHECKERS[client](out)
        assert got.error
    assert not t.is_complete()
    assert t.feed(load(upstream, "text")) == b""
    assert t.abort("late") == b""


@pytest.mark.parametrize(("upstream", "client"), PAIRS)
def test_truncated_stream_ends_with_an_error_not_silence(upstream: str, client: str) -> None:
    t = new(upstream, client)
    out = t.feed(load(upstream, "truncated")) + t.finish()
    got = CHECKERS[client](out)
    assert got.error == "upstream stream ended early"
    assert not t.is_complete()


@pytest.mark.parametrize(("upstream", "client"), PAIRS)
def test_abort_mid_stream_closes_in_the_client_dialect(upstream: str, client: str) -> None:
    stream = load(upstream, "text")
    t = new(upstream, client)
    out = t.feed(stream[: len(stream) // 2]) + t.abort("upstream read timeout")
    got = CHECKERS[client](out)
    assert got.error == "upstream read timeout"
    assert t.finish() == b""
    assert t.abort("again") == b""


@pytest.mark.parametrize("client", CLIENTS)
def test_abort_before_any_byte_is_still_a_valid_client_error(client: str) -> None:
    t = new("openai-chat", client)
    got = CHECKERS[client](t.abort("connect timeout"))
    assert got.error == "connect timeout"


@pytest.mark.parametrize("client", CLIENTS)
def test_finish_twice_emits_once(client: str) -> None:
    t = new("anthropic-messages", client)
    first = t.feed(load("anthropic-messages", "text")) + t.finish()
    assert first
    assert t.finish() == b""


def test_anthropic_without_message_start_gets_one_injected() -> None:
    stream = load("anthropic-messages", "text")
    body = stream.split(b"\n\n", 1)[1]
    t = new("anthropic-messages", "openai-chat")
    got = CHECKERS["openai-chat"](t.feed(body) + t.finish())
    assert got.text.startswith("Hello")
    assert t.model() == "configured-model"


def test_chat_finish_reason_without_done_still_completes() -> None:
    stream = load("openai-chat", "text")
    without_done = stream.replace(b"data: [DONE]\n\n", b"")
    t = new("openai-chat", "anthropic-messages")
    got = CHECKERS["anthropic-messages"](t.feed(without_done) + t.finish())
    assert got.error is None
    assert got.stop == "end_turn"


def test_chat_tool_calls_map_to_anthropic_tool_use_stop_reason() -> None:
    out = run("openai-chat", "anthropic-messages", [load("openai-chat", "tools")])
    got = CHECKERS["anthropic-messages"](out)
    assert got.stop == "tool_use"
    assert b'"id":"call_a"' in out
    assert b'"id":"call_b"' in out


def test_unknown_or_non_client_apis_are_rejected() -> None:
    with pytest.raises(TranslationError):
        StreamTranslator(upstream="openai", client="openai-chat")
    with pytest.raises(TranslationError):
        StreamTranslator(upstream="openai-chat", client="bedrock-converse")


def test_ids_are_minted_without_a_clock_and_differ_per_stream() -> None:
    outs = []
    for _ in range(2):
        t = StreamTranslator(upstream="bedrock-converse", client="openai-chat", model="m")
        outs.append(CHECKERS["openai-chat"](t.feed(load("bedrock-converse", "text")) + t.finish()))
    assert outs[0].ids[0] != outs[1].ids[0]


CHUNKING_PAIRS = [(u, c, s) for u, c in PAIRS for s in ("tools", "reasoning")]


@pytest.mark.parametrize(("upstream", "client", "scenario"), CHUNKING_PAIRS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_chunking_never_changes_output(
    upstream: str, client: str, scenario: str, data: st.DataObject
) -> None:
    stream = load(upstream, scenario)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=20))
    bounds = [0, *sorted(cuts), len(stream)]
    chunks = [stream[a:b] for a, b in itertools.pairwise(bounds)]
    assert run(upstream, client, chunks) == run(upstream, client, [stream])


@pytest.mark.parametrize(("upstream", "client"), PAIRS)
def test_byte_by_byte_feeding_matches_one_chunk(upstream: str, client: str) -> None:
    stream = load(upstream, "tools")
    chunks = [stream[i : i + 1] for i in range(len(stream))]
    assert run(upstream, client, chunks) == run(upstream, client, [stream])


@pytest.mark.parametrize("upstream", UPSTREAMS)
@settings(max_examples=60, deadline=None)
@given(chunks=st.lists(st.binary(max_size=200), max_size=8))
def test_arbitrary_bytes_never_crash(upstream: str, chunks: list[bytes]) -> None:
    t = new(upstream, "anthropic-messages")
    for c in chunks:
        t.feed(c)
    t.finish()
    t.abort("x")


@pytest.mark.parametrize("upstream", ["openai-chat", "anthropic-messages", "gemini"])
@settings(max_examples=40, deadline=None)
@given(payload=st.text(max_size=80))
def test_arbitrary_event_data_never_crashes(upstream: str, payload: str) -> None:
    t = new(upstream, "openai-chat")
    out = t.feed(b"data: " + payload.replace("\n", " ").encode() + b"\n\n") + t.finish()
    assert out.endswith(b"\n\n")


def test_stop_after_tool_calls_counts_as_tool_use() -> None:
    stream = load("openai-chat", "tools").replace(
        b'"finish_reason":"tool_calls"', b'"finish_reason":"stop"'
    )
    t = new("openai-chat", "anthropic-messages")
    got = CHECKERS["anthropic-messages"](t.feed(stream) + t.finish())
    assert got.stop == "tool_use"
    assert t.stop_reason() == "tool_use"


@pytest.mark.parametrize("client", ["openai-responses", "openai-chat"])
def test_events_larger_than_a_mebibyte_pass(client: str) -> None:
    big = "x" * (2 << 20)
    head = load("openai-responses", "text").split(b"event: response.completed")[0]
    created = {"type": "response.completed", "sequence_number": 999}
    created["response"] = {"id": "resp_1", "model": "m", "status": "completed", "output": [],
                           "usage": {"input_tokens": 1, "output_tokens": 2}, "x": big}  # fmt: skip
    tail = f"event: response.completed\ndata: {json.dumps(created)}\n\n".encode()
    t = new("openai-responses", client)
    t.feed(head + tail)
    t.finish()
    assert t.is_complete()


def _sdk_rebuild(client: str, out: bytes) -> tuple[str, list[tuple[str, object]]]:
    """Rebuild the final message with the SDK's own stream accumulator: (text, tool calls)."""
    from anthropic.lib.streaming._messages import accumulate_event
    from anthropic.types import RawMessageStreamEvent
    from openai import omit
    from openai.lib.streaming.chat import ChatCompletionStreamState
    from openai.lib.streaming.responses._responses import ResponseStreamState
    from openai.types.chat import ChatCompletionChunk
    from openai.types.responses import ResponseStreamEvent
    from pydantic import TypeAdapter

    datas = [d for _, d in sse_events(out) if d != "[DONE]"]
    if client == "openai-chat":
        chat = ChatCompletionStreamState()
        for d in datas:
            chat.handle_chunk(ChatCompletionChunk.model_validate_json(d))
        msg = chat.get_final_completion().choices[0].message
        calls = [(c.function.name, json.loads(c.function.arguments)) for c in msg.tool_calls or []]
        return msg.content or "", calls
    if client == "anthropic-messages":
        adapter = TypeAdapter(RawMessageStreamEvent)
        snapshot = None
        bufs: dict[int, bytes] = {}
        for d in datas:
            if json.loads(d)["type"] == "ping":
                continue
            ev = adapter.validate_json(d)
            snapshot = accumulate_event(event=ev, current_snapshot=snapshot, json_bufs=bufs)
        assert snapshot is not None
        text = "".join(b.text for b in snapshot.content if b.type == "text")
        calls = [(b.name, b.input) for b in snapshot.content if b.type == "tool_use"]
        return text, calls
    state = ResponseStreamState(input_tools=omit, text_format=omit)
    adapter = TypeAdapter(ResponseStreamEvent)
    for d in datas:
        state.handle_event(adapter.validate_json(d))
    final = state._completed_response
    assert final is not None
    calls = [(i.name, json.loads(i.arguments)) for i in final.output if i.type == "function_call"]
    return final.output_text, calls


@pytest.mark.parametrize("scenario", ["tools", "reasoning"])
@pytest.mark.parametrize(
    ("upstream", "client"),
    [
        (u, c)
        for u, c in TRANSLATED
        if c in ("openai-chat", "anthropic-messages", "openai-responses")
    ],
)
def test_sdk_stream_accumulators_rebuild_the_message(
    upstream: str, client: str, scenario: str
) -> None:
    out = run(upstream, client, [load(upstream, scenario)])
    want = expected(upstream, scenario)
    assert _sdk_rebuild(client, out) == (want.text, want.tools)


@pytest.mark.parametrize("client", CLIENTS)
def test_passthrough_abort_after_the_first_event_continues_the_envelope(client: str) -> None:
    stream = load(client, "text")
    sep = b"\r\n\r\n" if client == "gemini" else b"\n\n"
    first = stream[: stream.index(sep) + len(sep)]
    t = new(client, client)
    out = t.feed(first) + t.abort("gone")
    got = CHECKERS[client](out)
    assert got.error == "gone"
