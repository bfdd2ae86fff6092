"""The mock provider as one RSGI application (Granian's native interface, the cheapest per request).

Routing is by path suffix so `base_url` prefixes work: `.../chat/completions`, `.../responses`,
`.../messages`, `.../model/{id}/converse[-stream]`, `.../models/{model}:[stream]generateContent`.
Control routes: `GET /healthz`, `GET .../models`, `GET|DELETE /__mock/requests`,
`DELETE /__mock/faults`. Per request: record it, find or build its plan (knobs, parsed request,
reply rendered as a template; cached per identical request), maybe delay or fail, then send the
template with this response's ids and timestamp, whole or as paced stream writes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote

import orjson

from plano.mock.content import (
    CREATED_PLACEHOLDER_S,
    SERIAL_PLACEHOLDER,
    Serials,
    plan_reply,
)
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
from plano.mock.knobs import HEADER_PREFIX, KnobError, Knobs
from plano.mock.recording import Recorder

logger = logging.getLogger(__name__)

_OPENAI_CHAT = OpenAIChat()
_ANTHROPIC = AnthropicMessages()
_RESPONSES = OpenAIResponses()
_BEDROCK = BedrockConverse()
_GEMINI = Gemini()
_ROUTE_CACHE_LIMIT = 4096
_PLAN_CACHE_LIMIT = 1024
_PLAN_CACHE_BODY_LIMIT = 64 * 1024
_SERIAL_B = SERIAL_PLACEHOLDER.encode()
_CREATED_B = b"%d" % CREATED_PLACEHOLDER_S


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


@dataclass(slots=True)
class _Plan:
    """A request's knobs and rendered reply, cached per identical request.

    `serial` is None for templates (ids and timestamps are placeholders filled per response);
    otherwise the reply was rendered with that real serial and is used once. Non-streaming plans
    have `body`; streaming plans have `writes` (delay before, bytes) and `stream_headers`.
    """

    fmt: WireFormat
    knobs: Knobs
    serial: str | None
    body: bytes = b""
    generation_ms: float = 0.0
    writes: list[tuple[float, bytes]] = field(default_factory=list)
    stream_headers: Headers = field(default_factory=list)


class _Rejected(Exception):
    """The request cannot be served; answered with `status` in the provider's error shape."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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
        self.serials = Serials()
        self._routes: dict[str, Route | None] = {}
        self._plans: dict[tuple[str, str, bytes, tuple[tuple[str, str], ...]], _Plan] = {}
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
        path, query = scope.path, scope.query_string
        self.recorder.add("POST", path, query, headers, body)
        mock_headers = tuple([header for header in headers if header[0].startswith(HEADER_PREFIX)])
        key = (path, query, body, mock_headers)
        plan = self._plans.get(key)
        if plan is None:
            try:
                plan = self._plan(route, body, mock_headers, query)
            except _Rejected as rejected:
                _respond_error(proto, route.fmt, rejected.status, rejected.message)
                return
            if plan.serial is None and len(body) <= _PLAN_CACHE_BODY_LIMIT:
                if len(self._plans) >= _PLAN_CACHE_LIMIT:
                    self._plans.clear()
                self._plans[key] = plan
        knobs = plan.knobs
        if knobs.headers_delay_ms > 0:
            await asyncio.sleep(knobs.headers_delay_ms / 1000)
        if knobs.fail_status and self.faults.should_fail(knobs):
            extra = [("retry-after", knobs.retry_after)] if knobs.retry_after else []
            message = f"mock injected failure (status {knobs.fail_status})"
            _respond_error(proto, plan.fmt, knobs.fail_status, message, extra)
            return
        if plan.serial is None:
            serial_text = self.serials.new()
            serial, created = serial_text.encode(), b"%d" % time.time()
        else:  # rendered with real values already (placeholders collided with the request)
            serial_text, serial, created = plan.serial, b"", b""
        id_header = plan.fmt.request_id_header
        id_headers = [(id_header, "req_mock" + serial_text)] if id_header else []
        if not plan.writes:
            if plan.generation_ms > 0:
                await asyncio.sleep(plan.generation_ms / 1000)
            rendered = _fill(plan.body, serial, created)
            if knobs.cut_after > 0:
                await _send_truncated(proto, rendered, id_headers)
            else:
                proto.response_bytes(200, [*JSON_HEADERS, *id_headers], rendered)
            return
        transport = proto.response_stream(200, [*plan.stream_headers, *id_headers])
        try:
            for wait_ms, data in plan.writes:
                if wait_ms > 0:
                    await asyncio.sleep(wait_ms / 1000)
                await transport.send_bytes(_fill(data, serial, created))
        except RuntimeError:  # RSGIProtocolClosed: the client went away mid-stream
            logger.debug("client closed the stream early on %s", path)

    def _plan(
        self, route: Route, body: bytes, mock_headers: tuple[tuple[str, str], ...], query: str
    ) -> _Plan:
        """Parse knobs and request, plan the reply and render it (as a template when safe)."""
        fmt = route.fmt
        try:
            knobs = self.defaults.with_headers(mock_headers)
        except KnobError as exc:
            raise _Rejected(400, str(exc)) from None
        try:
            payload: Any = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise _Rejected(400, f"request body is not valid JSON: {exc}") from None
        try:
            turn = fmt.parse(payload, route.info, len(body), query)
        except BadRequestBody as exc:
            raise _Rejected(400, str(exc)) from None
        # A template is only safe if no placeholder can come from the request itself.
        echoed = b"".join([body, *(value.encode() for _, value in mock_headers)])
        echoed += route.info.path_model.encode()
        is_template = fmt.is_templatable and _SERIAL_B not in echoed and _CREATED_B not in echoed
        serial = SERIAL_PLACEHOLDER if is_template else self.serials.new()
        created_s = CREATED_PLACEHOLDER_S if is_template else int(time.time())
        reply = plan_reply(turn, knobs, serial, fmt.id_prefix, created_s)
        plan = _Plan(fmt=fmt, knobs=knobs, serial=None if is_template else serial)
        if not turn.is_streaming:
            plan.body = fmt.render(reply, turn)
            plan.generation_ms = knobs.ttft_ms + knobs.itl_ms * max(0, reply.completion_tokens - 1)
            return plan
        events, declared_length = apply_stream_faults(fmt.stream(reply, turn), knobs, fmt, turn)
        plan.stream_headers = fmt.stream_headers(turn)
        if declared_length:
            plan.stream_headers.append(("content-length", str(declared_length)))
        plan.writes = pace(events, knobs)
        return plan

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


async def _send_truncated(proto: HTTPProtocol, rendered: bytes, extra: Headers) -> None:
    """Declare the full length, send half the body, then close: a mid-body connection drop."""
    headers = [*JSON_HEADERS, *extra, ("content-length", str(len(rendered)))]
    transport = proto.response_stream(200, headers)
    try:
        await transport.send_bytes(rendered[: len(rendered) // 2])
    except RuntimeError:
        logger.debug("client closed a truncated response early")


def pace(events: list[Event], knobs: Knobs) -> list[tuple[float, bytes]]:
    """Group events into writes, each with the delay (ms) to wait before it.

    The first token event waits the time to first token, later ones the inter-token delay;
    events with no delay between them share one write.
    """
    writes: list[tuple[float, bytes]] = []
    pending: list[bytes] = []
    wait_ms = 0.0
    is_first_token = True
    for event in events:
        if event.is_token:
            delay_ms = knobs.ttft_ms if is_first_token else knobs.itl_ms
            is_first_token = False
            if delay_ms > 0:
                if pending:
                    writes.append((wait_ms, b"".join(pending)))
                    pending = []
                wait_ms = delay_ms
        pending.append(event.data)
    if pending:
        writes.append((wait_ms, b"".join(pending)))
    return writes


def _fill(template: bytes, serial: bytes, created: bytes) -> bytes:
    """Put this response's serial and creation time into a rendered template."""
    if not serial:
        return template
    return template.replace(_SERIAL_B, serial).replace(_CREATED_B, created)


def create_app(settings: AppSettings) -> MockApp:
    """Build the app (Granian calls this once in each worker process)."""
    return MockApp(settings)
