"""The mock provider as one RSGI application (Granian's native interface, the cheapest per request).

Routing is by path suffix so `base_url` prefixes work: `.../chat/completions`, `.../responses`,
`.../messages`, `.../model/{id}/converse[-stream]`, `.../models/{model}:[stream]generateContent`.
Control routes: `GET /healthz`, `GET .../models`, `GET|DELETE /__mock/requests`,
`DELETE /__mock/faults`. Per request: record, read knobs, maybe delay or fail, plan the reply,
render it whole or stream its events with the requested pacing and stream faults.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote

import orjson

from plano.mock.content import Ids, plan_reply
from plano.mock.faults import FailCounter, apply_stream_faults
from plano.mock.formats import (
    JSON_HEADERS,
    BadRequestBody,
    Event,
    Headers,
    RouteInfo,
    WireFormat,
)
from plano.mock.formats.anthropic_messages import AnthropicMessages
from plano.mock.formats.bedrock_converse import BedrockConverse
from plano.mock.formats.gemini import Gemini
from plano.mock.formats.openai_chat import OpenAIChat, openai_error
from plano.mock.formats.openai_responses import OpenAIResponses
from plano.mock.knobs import KnobError, Knobs
from plano.mock.recording import Recorder

logger = logging.getLogger(__name__)

_OPENAI_CHAT = OpenAIChat()
_ANTHROPIC = AnthropicMessages()
_RESPONSES = OpenAIResponses()
_BEDROCK = BedrockConverse()
_GEMINI = Gemini()
_ROUTE_CACHE_LIMIT = 4096


class StreamTransport(Protocol):
    """Granian's RSGI stream transport (the part the mock uses)."""

    async def send_bytes(self, data: bytes) -> None: ...


class HTTPProtocol(Protocol):
    """Granian's RSGI HTTP protocol object (the part the mock uses)."""

    async def __call__(self) -> bytes: ...

    def response_bytes(self, status: int, headers: Headers, body: bytes) -> None: ...

    def response_stream(self, status: int, headers: Headers) -> StreamTransport: ...


class RequestHeaders(Protocol):
    """Granian's RSGI header mapping (the part the mock uses)."""

    def items(self) -> list[tuple[str, str]]: ...


class Scope(Protocol):
    """Granian's RSGI HTTP scope (the part the mock uses)."""

    proto: str
    method: str
    path: str
    query_string: str

    @property
    def headers(self) -> RequestHeaders: ...


@dataclass(frozen=True, slots=True)
class Route:
    """A generation endpoint matched from a path."""

    fmt: WireFormat
    info: RouteInfo


@dataclass(frozen=True, slots=True)
class AppSettings:
    """Everything the app needs, fixed at startup (picklable for Granian's worker processes)."""

    defaults: Knobs = field(default_factory=Knobs)
    record_limit: int = 200
    models: tuple[str, ...] = ("mock-model",)


def resolve_route(path: str) -> Route | None:
    """The generation endpoint a POST path addresses, or None."""
    if path.endswith("/chat/completions"):
        deployment = ""
        marker = "/deployments/"
        at = path.find(marker)
        if at >= 0:
            deployment = unquote(path[at + len(marker) : -len("/chat/completions")])
        return Route(_OPENAI_CHAT, RouteInfo(path_model=deployment))
    if path.endswith("/messages"):
        return Route(_ANTHROPIC, RouteInfo())
    if path.endswith("/responses"):
        return Route(_RESPONSES, RouteInfo())
    for suffix, is_streaming in (("/converse", False), ("/converse-stream", True)):
        at = path.rfind("/model/")
        if path.endswith(suffix) and at >= 0:
            model = unquote(path[at + len("/model/") : -len(suffix)])
            return Route(_BEDROCK, RouteInfo(path_model=model, path_streaming=is_streaming))
    for suffix, is_streaming in ((":generateContent", False), (":streamGenerateContent", True)):
        at = path.rfind("/models/")
        if path.endswith(suffix) and at >= 0:
            model = unquote(path[at + len("/models/") : -len(suffix)])
            return Route(_GEMINI, RouteInfo(path_model=model, path_streaming=is_streaming))
    return None


class MockApp:
    """The RSGI callable Granian serves."""

    def __init__(self, settings: AppSettings) -> None:
        self.settings = settings
        self.defaults = settings.defaults
        self.recorder = Recorder(settings.record_limit)
        self.faults = FailCounter()
        self.ids = Ids()
        self._routes: dict[str, Route | None] = {}
        self._models_body = orjson.dumps(
            {
                "object": "list",
                "data": [
                    {
                        "id": model,
                        "object": "model",
                        "created": 1700000000,
                        "owned_by": "plano-mock",
                    }
                    for model in settings.models
                ],
            }
        )

    async def __call__(self, scope: Scope, proto: HTTPProtocol) -> None:
        if scope.proto != "http":
            return
        path = scope.path
        if scope.method == "POST":
            route = self._routes.get(path)
            if route is None and path not in self._routes:
                route = resolve_route(path)
                if len(self._routes) >= _ROUTE_CACHE_LIMIT:
                    self._routes.clear()
                self._routes[path] = route
            if route is not None:
                await self._generate(scope, proto, route)
                return
        await self._control(scope, proto)

    async def _generate(self, scope: Scope, proto: HTTPProtocol, route: Route) -> None:
        body = await proto()
        headers = scope.headers.items()
        self.recorder.add("POST", scope.path, scope.query_string, headers, body)
        fmt = route.fmt
        try:
            knobs = self.defaults.with_headers(headers)
        except KnobError as exc:
            _respond_error(proto, fmt, 400, str(exc))
            return
        try:
            payload: Any = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            _respond_error(proto, fmt, 400, f"request body is not valid JSON: {exc}")
            return
        try:
            turn = fmt.parse(payload, route.info, len(body), scope.query_string)
        except BadRequestBody as exc:
            _respond_error(proto, fmt, 400, str(exc))
            return
        if knobs.headers_delay_ms > 0:
            await asyncio.sleep(knobs.headers_delay_ms / 1000)
        if self.faults.should_fail(knobs):
            extra = [("retry-after", knobs.retry_after)] if knobs.retry_after else []
            message = f"mock injected failure (status {knobs.fail_status})"
            _respond_error(proto, fmt, knobs.fail_status, message, extra)
            return
        reply = plan_reply(turn, knobs, self.ids, fmt.id_prefix, int(time.time()))
        if not turn.is_streaming:
            generation_ms = knobs.ttft_ms + knobs.itl_ms * max(0, reply.completion_tokens - 1)
            if generation_ms > 0:
                await asyncio.sleep(generation_ms / 1000)
            rendered = fmt.render(reply, turn)
            if knobs.cut_after > 0:
                await _send_truncated(proto, rendered)
                return
            proto.response_bytes(200, JSON_HEADERS, rendered)
            return
        events, declared_length = apply_stream_faults(fmt.stream(reply, turn), knobs, fmt)
        stream_headers = fmt.stream_headers(turn)
        if declared_length:
            stream_headers.append(("content-length", str(declared_length)))
        transport = proto.response_stream(200, stream_headers)
        try:
            await _send_events(transport, events, knobs)
        except RuntimeError:  # RSGIProtocolClosed: the client went away mid-stream
            logger.debug("client closed the stream early on %s", scope.path)

    async def _control(self, scope: Scope, proto: HTTPProtocol) -> None:
        path, method = scope.path, scope.method
        if method == "GET" and path == "/healthz":
            proto.response_bytes(200, JSON_HEADERS, b'{"status":"ok"}')
        elif path == "/__mock/requests" and method == "GET":
            proto.response_bytes(200, JSON_HEADERS, self.recorder.render())
        elif path == "/__mock/requests" and method == "DELETE":
            self.recorder.clear()
            proto.response_bytes(200, JSON_HEADERS, b'{"cleared":true}')
        elif path == "/__mock/faults" and method == "DELETE":
            self.faults.clear()
            proto.response_bytes(200, JSON_HEADERS, b'{"cleared":true}')
        elif method == "GET" and path.endswith("/models"):
            self.recorder.add(method, path, scope.query_string, scope.headers.items(), b"")
            proto.response_bytes(200, JSON_HEADERS, self._models_body)
        else:
            headers, body = openai_error(404, f"no mock route for {method} {path}")
            proto.response_bytes(404, headers, body)


def _respond_error(
    proto: HTTPProtocol, fmt: WireFormat, status: int, message: str, extra: Headers | None = None
) -> None:
    headers, body = fmt.error(status, message)
    if extra:
        headers.extend(extra)
    proto.response_bytes(status, headers, body)


async def _send_truncated(proto: HTTPProtocol, rendered: bytes) -> None:
    """Declare the full length, send half the body, then close: a mid-body connection drop."""
    headers = [*JSON_HEADERS, ("content-length", str(len(rendered)))]
    transport = proto.response_stream(200, headers)
    try:
        await transport.send_bytes(rendered[: len(rendered) // 2])
    except RuntimeError:
        logger.debug("client closed a truncated response early")


async def _send_events(transport: StreamTransport, events: list[Event], knobs: Knobs) -> None:
    """Write events, coalescing those with no delay between them into one write."""
    pending: list[bytes] = []
    is_first_token = True
    for event in events:
        if event.is_token:
            wait_ms = knobs.ttft_ms if is_first_token else knobs.itl_ms
            is_first_token = False
            if wait_ms > 0:
                if pending:
                    await transport.send_bytes(b"".join(pending))
                    pending.clear()
                await asyncio.sleep(wait_ms / 1000)
        pending.append(event.data)
    if pending:
        await transport.send_bytes(b"".join(pending))


def create_app(settings: AppSettings) -> MockApp:
    """Build the app (Granian calls this once in each worker process)."""
    return MockApp(settings)
