"""The model listener's endpoints: the LLM gateway's public surface.

`POST /v1/chat/completions` (OpenAI), `/v1/messages` (Anthropic), `/v1/responses` (OpenAI
Responses, stateless here), `/v1beta/models/{model}:generateContent|streamGenerateContent`
(native Gemini), `GET /v1/models` with its CORS preflight, and `/healthz` (in `routes.py`).
Spec: reference inventory §1.2-§1.6; errors always in the caller's dialect.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re

import orjson

from plano.config import Config
from plano.config.model import Listener
from plano.errors import BadRequest, MalformedJson, RateLimited
from plano.observability.metrics import get_metrics
from plano.providers.client import UpstreamClient
from plano.providers.registry import HINT_HEADER, ModelRegistry, ResolvedModel
from plano.ratelimit import RateLimits, count_request_tokens
from plano.server.http import Handler, Request
from plano.server.proxy import CLIENT_CLOSED_REQUEST, ProxyCall, make_target_cache
from plano.translation import RequestInfo, TranslationError, inspect_request
from plano.types import ClientApi

logger = logging.getLogger(__name__)

MethodTable = dict[str, Handler]
_SYNTAX_ERROR_PREFIX = "body is not valid JSON"  # `_core` TranslateError::InvalidJson
GEMINI_PATH = re.compile(r"^/v1beta/models/(?P<model>.+):(?P<action>[A-Za-z]+)$")
_CORS_HEADERS = [
    ("allow", "GET, OPTIONS"),
    ("access-control-allow-origin", "*"),
    ("access-control-allow-headers", "Authorization, Content-Type"),
    ("access-control-allow-methods", "GET, POST, OPTIONS"),
    ("content-type", "application/json"),
]


class ModelListener:
    """Handlers of one model listener; one instance per worker process."""

    def __init__(
        self, listener: Listener, config: Config, *, ratelimit_socket: str | None = None
    ) -> None:
        self.listener = listener
        self.config = config
        self.limits = RateLimits(config.ratelimits, ratelimit_socket)
        self.metrics = get_metrics()
        self.watch = DisconnectWatch()
        self.registry = ModelRegistry(config)
        self.target_for = make_target_cache()
        self._upstream: UpstreamClient | None = None
        self._models_body = orjson.dumps(
            {
                "object": "list",
                "data": [
                    {"id": name, "object": "model", "created": 0, "owned_by": owner}
                    for name, owner in self.registry.listed_models()
                ],
            }
        )

    @property
    def upstream(self) -> UpstreamClient:
        # Created on first use, inside the worker's running event loop.
        if self._upstream is None:
            overrides = self.config.overrides
            self._upstream = UpstreamClient(
                connect_timeout_s=overrides.upstream_connect_timeout_s,
                read_timeout_s=self.listener.timeout_s,
                ca_file=overrides.upstream_tls_ca_path,
            )
        return self._upstream

    async def aclose(self) -> None:
        await self.limits.aclose()
        if self._upstream is not None:
            await self._upstream.aclose()

    async def chat_completions(self, request: Request) -> None:
        await self._proxy(request, "openai-chat")

    async def messages(self, request: Request) -> None:
        await self._proxy(request, "anthropic-messages")

    async def responses(self, request: Request) -> None:
        await self._proxy(request, "openai-responses")

    async def gemini(self, request: Request) -> None:
        match = GEMINI_PATH.match(request.path)
        if match is None:  # the router only sends matching paths here
            raise BadRequest(f"not a Gemini model path: {request.path}")
        action = match["action"]
        if action not in ("generateContent", "streamGenerateContent"):
            raise BadRequest(f"unsupported Gemini action {action!r}")
        is_streaming = action == "streamGenerateContent"
        if is_streaming and "alt=sse" not in request.query:
            raise BadRequest("plano streams Gemini responses as server-sent events: add ?alt=sse")
        await self._proxy(request, "gemini", model=match["model"], is_streaming=is_streaming)

    async def list_models(self, request: Request) -> None:
        request.respond_json(200, self._models_body, [("access-control-allow-origin", "*")])

    async def models_preflight(self, request: Request) -> None:
        request.respond(204, list(_CORS_HEADERS), b"")

    def _inspect(self, client_api: ClientApi, body: bytes) -> RequestInfo:
        try:
            return inspect_request(client_api, body)
        except TranslationError as error:
            message = str(error)
            if message.startswith(_SYNTAX_ERROR_PREFIX):
                raise MalformedJson(message) from None
            raise BadRequest(message) from None

    def _candidates(self, requested: str | None) -> list[ResolvedModel]:
        first = self.registry.resolve(requested)
        candidates = [first]
        seen = {first.name}
        for name in self.listener.fallback_models:
            fallback = self.registry.resolve(name)
            if fallback.name not in seen:
                seen.add(fallback.name)
                candidates.append(fallback)
        return candidates

    async def _proxy(
        self,
        request: Request,
        client_api: ClientApi,
        *,
        model: str | None = None,
        is_streaming: bool | None = None,
    ) -> None:
        body = await request.body(self.listener.max_body_bytes)
        info = self._inspect(client_api, body)
        requested = request.headers.get(HINT_HEADER) or model or info.model
        candidates = self._candidates(requested)
        first = candidates[0]
        request.access.model = first.name
        request.access.provider = first.provider_name
        buckets = self.limits.rules.buckets(first, requested, request.headers.get)
        if buckets:
            tokens = count_request_tokens(client_api, body, first.model_id)
            try:
                await self.limits.check(buckets, tokens)
            except RateLimited:
                self.metrics.rate_limited(model=first.name)
                raise
        call = ProxyCall(
            request,
            client_api,
            info,
            candidates,
            self.upstream,
            self.target_for,
            max_retries=self.listener.max_retries,
            is_streaming=info.is_streaming if is_streaming is None else is_streaming,
            metrics=self.metrics,
        )
        await run_until_disconnect(request, call, self.watch)
        if buckets and call.outcome.output_tokens:
            await self.limits.charge(buckets, call.outcome.output_tokens)


class DisconnectWatch:
    """Cancels a request (and so its upstream call) when its client goes away.

    Watching costs: Granian's disconnect future is ~40 µs per request, more than the rest of a
    fast request's proxying. So a request is only registered on start (a dict insert) and a
    timer, ticking while requests are in flight, attaches the watch to those still running
    after one tick. Fast requests never pay for it; long generations and streams are watched
    from ~100 ms on (a failed send mid-stream is caught in the relay as well).
    """

    def __init__(self, tick_s: float = 0.1) -> None:
        self._tick_s = tick_s
        self._pending: dict[asyncio.Task[object], Request] = {}
        self._watchers: dict[asyncio.Task[object], asyncio.Future[None]] = {}
        self._timer: asyncio.TimerHandle | None = None

    def track(self, task: asyncio.Task[object], request: Request) -> None:
        self._pending[task] = request
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._tick_s, self._tick)

    def untrack(self, task: asyncio.Task[object]) -> bool:
        """Stops watching; True when the client disconnected (the task was cancelled for it)."""
        self._pending.pop(task, None)
        watcher = self._watchers.pop(task, None)
        if watcher is None:
            return False
        disconnected = watcher.done() and not watcher.cancelled()
        watcher.cancel()
        return disconnected

    def _tick(self) -> None:
        self._timer = None
        pending, self._pending = self._pending, {}
        for task, request in pending.items():
            if task.done():
                continue
            watcher = asyncio.ensure_future(request.protocol.client_disconnect())
            watcher.add_done_callback(functools.partial(_cancel_on_disconnect, task))
            self._watchers[task] = watcher


def _cancel_on_disconnect(task: asyncio.Task[object], watcher: asyncio.Future[None]) -> None:
    if not watcher.cancelled() and not task.done():
        task.cancel()


async def run_until_disconnect(request: Request, call: ProxyCall, watch: DisconnectWatch) -> None:
    """Runs the call, cancelling it (and so the upstream request) if the client goes away."""
    task = asyncio.current_task()
    if task is None:  # not in a task: nothing to cancel
        await call.run()
        return
    watch.track(task, request)
    try:
        await call.run()
    except asyncio.CancelledError:
        if watch.untrack(task):
            logger.info("request %s: client disconnected; upstream cancelled", request.request_id)
            request.access.status = CLIENT_CLOSED_REQUEST
            return
        raise
    finally:
        watch.untrack(task)


def model_routes(handlers: ModelListener) -> dict[str, MethodTable]:
    """Exact paths of the model listener (Gemini's parameterised path is added by the router)."""
    return {
        "/v1/chat/completions": {"POST": handlers.chat_completions},
        "/v1/messages": {"POST": handlers.messages},
        "/v1/responses": {"POST": handlers.responses},
        "/v1/models": {"GET": handlers.list_models, "OPTIONS": handlers.models_preflight},
    }
