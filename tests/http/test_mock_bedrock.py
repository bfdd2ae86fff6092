"""`plano mock` speaks Bedrock Converse and ConverseStream (AWS event-stream binary frames)."""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx
import pytest

if TYPE_CHECKING:
    from tests.http.conftest import MockProvider

MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
TOOL_CONFIG: Any = {
    "tools": [
        {
            "toolSpec": {
                "name": "get_weather",
                "description": "Weather for a city",
                "inputSchema": {
                    "json": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                    }
                },
            }
        }
    ]
}


class FrameError(ValueError):
    pass


@dataclass
class Frame:
    headers: dict[str, str]
    payload: bytes

    @property
    def event_type(self) -> str:
        return self.headers[":event-type"]

    def json(self) -> Any:
        return json.loads(self.payload)


def decode_frames(data: bytes) -> list[Frame]:
    """Decode AWS event-stream messages, verifying both CRCs; trailing bytes are an error."""
    frames = []
    at = 0
    while at < len(data):
        if len(data) - at < 16:
            raise FrameError("truncated prelude")
        total, headers_len, prelude_crc = struct.unpack_from(">III", data, at)
        if zlib.crc32(data[at : at + 8]) != prelude_crc:
            raise FrameError("prelude CRC mismatch")
        if len(data) - at < total:
            raise FrameError("truncated message")
        message = data[at : at + total]
        (message_crc,) = struct.unpack_from(">I", message, total - 4)
        if zlib.crc32(message[:-4]) != message_crc:
            raise FrameError("message CRC mismatch")
        headers = {}
        pos = 12
        while pos < 12 + headers_len:
            name_len = message[pos]
            name = message[pos + 1 : pos + 1 + name_len].decode()
            pos += 1 + name_len
            assert message[pos] == 7, "only string headers expected"
            (value_len,) = struct.unpack_from(">H", message, pos + 1)
            headers[name] = message[pos + 3 : pos + 3 + value_len].decode()
            pos += 3 + value_len
        frames.append(Frame(headers, message[12 + headers_len : -4]))
        at += total
    return frames


def converse(
    mock: MockProvider, text: str, *, stream: bool, model: str = MODEL, **extra: Any
) -> httpx.Response:
    headers = extra.pop("headers", {})
    body = {"messages": [{"role": "user", "content": [{"text": text}]}], **extra}
    quoted = model.replace(":", "%3A")
    suffix = "converse-stream" if stream else "converse"
    return httpx.post(
        f"{mock.base_url}/model/{quoted}/{suffix}", json=body, headers=headers, timeout=10.0
    )


def test_converse_non_streaming(mock_provider: MockProvider) -> None:
    response = converse(
        mock_provider, "hello bedrock", stream=False, inferenceConfig={"maxTokens": 50}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["stopReason"] == "end_turn"
    [block] = body["output"]["message"]["content"]
    assert block["text"].startswith("mock reply to: hello bedrock")
    assert body["output"]["message"]["role"] == "assistant"
    usage = body["usage"]
    assert usage["outputTokens"] == 16
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
    assert "latencyMs" in body["metrics"]
    assert unquote(mock_provider.last_request()["path"]) == f"/model/{MODEL}/converse"


def test_converse_stream_frames_and_crcs(mock_provider: MockProvider) -> None:
    whole = converse(mock_provider, "stream bedrock", stream=False).json()
    response = converse(mock_provider, "stream bedrock", stream=True)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.amazon.eventstream"
    frames = decode_frames(response.content)
    for frame in frames:
        assert frame.headers[":content-type"] == "application/json"
        assert frame.headers[":message-type"] == "event"
    kinds = [frame.event_type for frame in frames]
    assert kinds[0] == "messageStart"
    assert kinds[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    assert set(kinds[1:-3]) == {"contentBlockDelta"}
    assert frames[0].json()["role"] == "assistant"
    text = "".join(f.json()["delta"]["text"] for f in frames if f.event_type == "contentBlockDelta")
    assert text == whole["output"]["message"]["content"][0]["text"]
    assert frames[-2].json()["stopReason"] == "end_turn"
    metadata = frames[-1].json()
    assert metadata["usage"]["outputTokens"] == 16
    assert "latencyMs" in metadata["metrics"]


def test_converse_tool_use(mock_provider: MockProvider) -> None:
    body = converse(mock_provider, "call get_weather", stream=False, toolConfig=TOOL_CONFIG).json()
    assert body["stopReason"] == "tool_use"
    [block] = body["output"]["message"]["content"]
    assert block["toolUse"]["name"] == "get_weather"
    assert block["toolUse"]["toolUseId"].startswith("tooluse_")
    assert block["toolUse"]["input"] == {"city": "mock-city", "days": 1}


def test_converse_stream_tool_use(mock_provider: MockProvider) -> None:
    response = converse(mock_provider, "call get_weather", stream=True, toolConfig=TOOL_CONFIG)
    frames = decode_frames(response.content)
    kinds = [frame.event_type for frame in frames]
    assert kinds[:2] == ["messageStart", "contentBlockStart"]
    start = frames[1].json()
    assert start["contentBlockIndex"] == 0
    assert start["start"]["toolUse"]["name"] == "get_weather"
    pieces = [
        f.json()["delta"]["toolUse"]["input"] for f in frames if f.event_type == "contentBlockDelta"
    ]
    assert len(pieces) > 1
    assert json.loads("".join(pieces)) == {"city": "mock-city", "days": 1}
    assert frames[-2].json()["stopReason"] == "tool_use"


def test_converse_reasoning(mock_provider: MockProvider) -> None:
    headers = {"x-mock-reasoning": "1"}
    body = converse(mock_provider, "think", stream=False, headers=headers).json()
    reasoning, text = body["output"]["message"]["content"]
    assert reasoning["reasoningContent"]["reasoningText"]["text"].startswith(
        "mock reasoning about: think"
    )
    assert reasoning["reasoningContent"]["reasoningText"]["signature"]
    assert "text" in text
    frames = decode_frames(converse(mock_provider, "think", stream=True, headers=headers).content)
    deltas = [f.json() for f in frames if f.event_type == "contentBlockDelta"]
    streamed = "".join(
        d["delta"]["reasoningContent"].get("text", "")
        for d in deltas
        if "reasoningContent" in d["delta"]
    )
    assert streamed == reasoning["reasoningContent"]["reasoningText"]["text"]
    assert {d["contentBlockIndex"] for d in deltas if "text" in d["delta"]} == {1}


def test_malformed_frame_has_a_bad_crc(mock_provider: MockProvider) -> None:
    response = converse(mock_provider, "bad", stream=True, headers={"x-mock-malformed-chunk": "2"})
    data = response.content
    (first_len,) = struct.unpack_from(">I", data, 0)
    assert decode_frames(data[:first_len])[0].event_type == "messageStart"
    with pytest.raises(FrameError, match="message CRC"):
        decode_frames(data[first_len:])


def test_cut_stream_ends_mid_way(mock_provider: MockProvider) -> None:
    received = bytearray()

    def read_all() -> None:
        with httpx.stream(
            "POST",
            f"{mock_provider.base_url}/model/{MODEL}/converse-stream",
            json={"messages": [{"role": "user", "content": [{"text": "cut"}]}]},
            headers={"x-mock-cut-after": "3"},
            timeout=10.0,
        ) as response:
            for chunk in response.iter_raw():
                received.extend(chunk)

    with pytest.raises(httpx.RemoteProtocolError):
        read_all()
    assert [f.event_type for f in decode_frames(bytes(received))] == [
        "messageStart",
        "contentBlockDelta",
        "contentBlockDelta",
    ]


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (429, "ThrottlingException"),
        (400, "ValidationException"),
        (503, "ServiceUnavailableException"),
    ],
)
def test_errors_have_bedrock_shape(
    mock_provider: MockProvider, status: int, error_type: str
) -> None:
    headers = {
        "x-mock-fail-status": str(status),
        "x-mock-fail-count": "1",
        "x-mock-fail-key": f"br-{status}",
    }
    response = converse(mock_provider, "x", stream=True, headers=headers)
    assert response.status_code == status
    assert response.headers["x-amzn-errortype"].split(":")[0] == error_type
    assert set(response.json()) == {"message"}


def test_in_stream_exception_frame(mock_provider: MockProvider) -> None:
    response = converse(
        mock_provider, "err", stream=True, headers={"x-mock-stream-error-after": "2"}
    )
    frames = decode_frames(response.content)
    assert [f.headers[":message-type"] for f in frames] == ["event", "event", "exception"]
    assert frames[-1].headers[":exception-type"] == "modelStreamErrorException"
    assert "message" in frames[-1].json()


def test_request_id_header(mock_provider: MockProvider) -> None:
    for stream in (False, True):
        response = converse(mock_provider, "rid", stream=stream)
        assert response.headers["x-amzn-requestid"].startswith("req_")
