"""The usage-only Chat chunk (`"choices": []`) reaches an `openai-chat` client only when it asked
for it (`stream_options.include_usage`, read by `inspect_request` as `wants_usage`), while
`usage()` still reports what the upstream sent: byte-identical passthrough minus that one event,
no usage chunk from translated streams, and chunking-independence either way."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.core.stream_checks import CHECKERS, CLIENTS, NOW_S, UPSTREAMS, load, sse_events

from plano._core import StreamTranslator, inspect_request

SCENARIOS = ["text", "tools", "reasoning"]
TRANSLATED_TO_CHAT = [u for u in UPSTREAMS if u != "openai-chat"]


def run(upstream: str, client: str, chunks: list[bytes], *, include_usage: bool) -> bytes:
    t = StreamTranslator(
        upstream=upstream,
        client=client,
        model="configured-model",
        now_s=NOW_S,
        include_usage=include_usage,
    )
    return b"".join(t.feed(c) for c in chunks) + t.finish()


def observed_usage(upstream: str, client: str, *, include_usage: bool) -> dict[str, int] | None:
    t = StreamTranslator(upstream=upstream, client=client, include_usage=include_usage)
    t.feed(load(upstream, "text"))
    t.finish()
    usage = t.usage()
    return None if usage is None else dict(usage)


def chunks(raw: bytes) -> list[dict[str, Any]]:
    return [json.loads(d) for _, d in sse_events(raw) if d != "[DONE]"]


def is_usage_only(chunk: dict[str, Any]) -> bool:
    return chunk.get("choices") == [] and chunk.get("usage") is not None


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_chat_passthrough_drops_exactly_the_usage_event(scenario: str) -> None:
    stream = load("openai-chat", scenario)
    usage_events = [e for e in stream.split(b"\n\n") if b'"choices":[]' in e]
    assert len(usage_events) == 1
    without = run("openai-chat", "openai-chat", [stream], include_usage=False)
    assert without == stream.replace(usage_events[0] + b"\n\n", b"")
    assert without.endswith(b"data: [DONE]\n\n")
    assert not any(is_usage_only(c) for c in chunks(without))
    assert CHECKERS["openai-chat"](without).error is None
    assert run("openai-chat", "openai-chat", [stream], include_usage=True) == stream


@pytest.mark.parametrize("upstream", TRANSLATED_TO_CHAT)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_translated_chat_has_a_usage_chunk_only_when_asked(upstream: str, scenario: str) -> None:
    stream = load(upstream, scenario)
    for include_usage in (True, False):
        out = run(upstream, "openai-chat", [stream], include_usage=include_usage)
        got = chunks(out)
        assert sum(map(is_usage_only, got)) == int(include_usage)
        assert all(is_usage_only(c) or c.get("usage") is None for c in got)
        assert all(c["choices"] for c in got if not is_usage_only(c))
        assert CHECKERS["openai-chat"](out).error is None
    with_usage = run(upstream, "openai-chat", [stream], include_usage=True)
    usage_event = next(e for e in with_usage.split(b"\n\n") if b'"choices":[]' in e)
    without = run(upstream, "openai-chat", [stream], include_usage=False)
    assert without == with_usage.replace(usage_event + b"\n\n", b"")


@pytest.mark.parametrize("upstream", UPSTREAMS)
def test_usage_is_still_observed_without_the_chunk(upstream: str) -> None:
    without = observed_usage(upstream, "openai-chat", include_usage=False)
    assert without is not None
    assert without["input_tokens"] > 0
    assert without == observed_usage(upstream, "openai-chat", include_usage=True)


@pytest.mark.parametrize("client", [c for c in CLIENTS if c != "openai-chat"])
@pytest.mark.parametrize("upstream", ["openai-chat", "anthropic-messages"])
def test_other_clients_ignore_include_usage(upstream: str, client: str) -> None:
    stream = load(upstream, "text")
    assert run(upstream, client, [stream], include_usage=False) == run(
        upstream, client, [stream], include_usage=True
    )


@pytest.mark.parametrize("upstream", UPSTREAMS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_chunking_never_changes_output_without_usage(upstream: str, data: st.DataObject) -> None:
    stream = load(upstream, "tools")
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=20))
    bounds = [0, *sorted(cuts), len(stream)]
    pieces = [stream[a:b] for a, b in itertools.pairwise(bounds)]
    assert run(upstream, "openai-chat", pieces, include_usage=False) == run(
        upstream, "openai-chat", [stream], include_usage=False
    )


@pytest.mark.parametrize(
    ("client", "body", "wants_usage"),
    [
        ("openai-chat", {"model": "m", "stream": True, "messages": []}, False),
        (
            "openai-chat",
            {"stream": True, "stream_options": {"include_usage": False}, "messages": []},
            False,
        ),
        (
            "openai-chat",
            {"stream": True, "stream_options": {"include_usage": True}, "messages": []},
            True,
        ),
        ("anthropic-messages", {"model": "m", "max_tokens": 5, "messages": []}, True),
        ("openai-responses", {"model": "m", "input": "hi", "stream": True}, True),
        ("gemini", {"contents": []}, True),
    ],
)
def test_request_info_says_whether_the_client_wants_usage(
    client: str, body: dict[str, Any], wants_usage: bool
) -> None:
    assert inspect_request(client, json.dumps(body).encode()).wants_usage is wants_usage
