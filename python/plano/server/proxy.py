"""The LLM proxy core: one client request to an upstream model and back, with retries and
failover before the first byte, and faithful relaying after it.

Spec: reference inventory §3.1-§3.9; improvements over the reference:

* retries (`max_retries` on the model listener) back off exponentially with jitter and honour
  `Retry-After`, and happen only while nothing has been sent to the client;
* then **failover** to the listener's `fallback_models`, in order (reference issue #697); the
  model that answered is reported in the `x-plano-model` response header (and the first choice
  in `x-plano-failover-from` when it was not that one);
* upstream errors reach the client in its own API's error envelope with the upstream status;
* a stream that breaks after it started ends with an error event in the client's dialect.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from granian._granian import RSGIProtocolClosed as ProtocolClosed
from granian._granian import RSGIProtocolError as ProtocolError

from plano.errors import BadRequest, PlanoError, UpstreamError
from plano.observability.metrics import ErrorClass, Metrics, RetryReason, Usage, UsageCounts
from plano.providers.client import (
    UpstreamClient,
    UpstreamClosed,
    UpstreamConnectError,
    UpstreamProtocolError,
    UpstreamResponse,
    UpstreamTimeout,
)
from plano.providers.registry import ResolvedModel
from plano.providers.upstream import UpstreamTarget, build_target
from plano.server.http import Request
from plano.streaming import StreamTranslator
from plano.translation import (
    RequestInfo,
    TranslationError,
    extract_usage,
    request_translator,
    response_translator,
    translate_error,
)
from plano.types import ApiKind, ClientApi, Headers

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504, 529})
BACKOFF_BASE_S = 0.25
BACKOFF_CAP_S = 5.0
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_ERROR_BYTES = 1024 * 1024
CLIENT_CLOSED_REQUEST = 499  # nginx's status for a client that left before the response ended
MODEL_HEADER = "x-plano-model"
FAILOVER_HEADER = "x-plano-failover-from"


def backoff_s(attempt: int, retry_after: str | None) -> float | None:
    """Seconds to wait before retry number `attempt` (0-based); None: don't retry this model.

    Exponential with equal jitter; an upstream `Retry-After` (seconds) is honoured when it is
    within the cap, and a longer one means "try another model" rather than "wait".
    """
    if retry_after is not None:
        try:
            wait = float(retry_after)
        except ValueError:
            wait = -1.0  # an HTTP date: fall back to our own schedule
        if wait > BACKOFF_CAP_S:
            return None
        if wait >= 0:
            return wait
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * (2.0**attempt))
    jitter = random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not crypto)
    return ceiling / 2 + jitter


@dataclass(slots=True)
class Outcome:
    """What one request produced that its caller still needs after the relay."""

    output_tokens: int | None = None
    """For charging rate limits after the response (reported, else estimated from the text)."""
    failovers: list[str] = field(default_factory=list)
    """Models given up on, in order (the first is reported in `x-plano-failover-from`)."""


class ProxyCall:
    """One client request's trip through candidates, attempts and the relay back."""

    def __init__(
        self,
        request: Request,
        client_api: ClientApi,
        info: RequestInfo,
        candidates: list[ResolvedModel],
        upstream: UpstreamClient,
        target_for: Callable[[ResolvedModel, ClientApi, bool], UpstreamTarget],
        *,
        max_retries: int,
        is_streaming: bool,
        metrics: Metrics,
    ) -> None:
        self.request = request
        self.client_api = client_api
        self.info = info
        self.candidates = candidates
        self.upstream = upstream
        self.target_for = target_for
        self.max_retries = max_retries
        self.is_streaming = is_streaming
        self.metrics = metrics
        self.outcome = Outcome()
        self.attempt_started_s = time.perf_counter()
        self.stream_error: ErrorClass | None = None
        self.usage: Usage | None = None
        self.ttft_s: float | None = None

    async def run(self) -> Outcome:
        last_error: PlanoError | None = None
        for index, candidate in enumerate(self.candidates):
            is_last = index == len(self.candidates) - 1
            target = self.target_for(candidate, self.client_api, self.is_streaming)
            try:
                body = request_translator(self.client_api, target.api).translate(
                    self.info, model=candidate.model_id
                )
            except TranslationError as error:
                # The request cannot be expressed for this upstream: a client error, unless
                # another candidate's API can take it.
                last_error = BadRequest(f"request cannot be sent to {candidate.name}: {error}")
                if is_last:
                    raise last_error from None
                self._failed_over(candidate)
                continue
            response = await self._attempts(candidate, target, body, is_last=is_last)
            if response is None:
                self._failed_over(candidate)
                continue
            self.request.access.model = candidate.name
            self.request.access.provider = candidate.provider_name
            await self._relay(candidate, target, response)
            return self.outcome
        raise last_error or UpstreamError("no upstream model could take the request")

    def _failed_over(self, candidate: ResolvedModel) -> None:
        index = self.candidates.index(candidate)
        if index + 1 < len(self.candidates):
            self.metrics.failover(
                from_model=candidate.name, to_model=self.candidates[index + 1].name
            )
        self.outcome.failovers.append(candidate.name)
        logger.warning("request %s: failing over from %s", self.request.request_id, candidate.name)

    async def _attempts(
        self, candidate: ResolvedModel, target: UpstreamTarget, body: bytes, *, is_last: bool
    ) -> UpstreamResponse | None:
        """The response to relay, or None to fail over. On the last candidate a retryable
        failure is relayed (or raised) rather than swallowed."""
        headers = target.headers(self.request.headers.get)
        provider, model = candidate.provider_name, candidate.model_id
        for attempt in range(self.max_retries + 1):
            is_final_attempt = attempt == self.max_retries
            self.attempt_started_s = time.perf_counter()
            try:
                response = await self.upstream.request(
                    "POST", target.url, headers, body, host_header=target.host_header
                )
            except UpstreamError as error:
                error_class = _error_class(error)
                self.metrics.upstream_finished(
                    provider=provider,
                    model=model,
                    status=None,
                    error_class=error_class,
                    duration_s=time.perf_counter() - self.attempt_started_s,
                    ttft_s=None,
                    usage=None,
                )
                logger.warning(
                    "request %s: %s attempt %d failed: %s",
                    self.request.request_id,
                    candidate.name,
                    attempt + 1,
                    error,
                )
                if not is_final_attempt:
                    wait = backoff_s(attempt, None)
                    if wait is not None:
                        self.metrics.retry(
                            provider=provider, model=model, reason=_retry_reason(error_class)
                        )
                        await asyncio.sleep(wait)
                        continue
                if is_last:
                    raise
                return None
            if response.status not in RETRYABLE_STATUS:
                return response
            retry_after = response.header("retry-after")
            wait = None if is_final_attempt else backoff_s(attempt, retry_after)
            if wait is None and is_last:
                return response  # relayed to the client (and recorded) as it is
            # This attempt is given up on: record it here, since the relay never sees it.
            response.close()
            self.metrics.upstream_finished(
                provider=provider,
                model=model,
                status=response.status,
                error_class="none",
                duration_s=time.perf_counter() - self.attempt_started_s,
                ttft_s=None,
                usage=None,
            )
            if wait is None:
                return None
            self.metrics.retry(
                provider=provider,
                model=model,
                reason="rate_limited" if response.status == 429 else "server_error",
            )
            logger.info(
                "request %s: %s answered %d; retrying in %.2f s",
                self.request.request_id,
                candidate.name,
                response.status,
                wait,
            )
            await asyncio.sleep(wait)
        return None  # unreachable: the final attempt always returns or raises

    def _response_headers(self, candidate: ResolvedModel, content_type: str) -> Headers:
        headers = [("content-type", content_type), (MODEL_HEADER, candidate.name)]
        if self.outcome.failovers:
            headers.append((FAILOVER_HEADER, self.outcome.failovers[0]))
        return headers

    async def _relay(
        self, candidate: ResolvedModel, target: UpstreamTarget, response: UpstreamResponse
    ) -> None:
        error_class: ErrorClass = "none"
        try:
            await self._relay_body(candidate, target, response)
        except UpstreamError as error:
            error_class = _error_class(error)
            raise
        finally:
            self.metrics.upstream_finished(
                provider=candidate.provider_name,
                model=candidate.model_id,
                status=response.status,
                error_class=self.stream_error or error_class,
                duration_s=time.perf_counter() - self.attempt_started_s,
                ttft_s=self.ttft_s,
                usage=self.usage,
            )

    async def _relay_body(
        self, candidate: ResolvedModel, target: UpstreamTarget, response: UpstreamResponse
    ) -> None:
        if response.status >= 400:
            await self._relay_error(candidate, target.api, response)
        elif self.is_streaming:
            await self._relay_stream(candidate, target.api, response)
        else:
            body = await response.read(MAX_RESPONSE_BYTES)
            self.ttft_s = time.perf_counter() - self.attempt_started_s
            try:
                out = response_translator(target.api, self.client_api).translate(
                    body, model=candidate.model_id
                )
            except TranslationError as error:
                raise UpstreamError(
                    f"{candidate.name} returned a response plano could not read: {error}"
                ) from None
            self.request.respond(
                response.status, self._response_headers(candidate, "application/json"), out
            )
            try:
                usage = extract_usage(target.api, body)
            except TranslationError:
                return
            self.usage = usage
            self.outcome.output_tokens = usage.output_tokens

    async def _relay_error(
        self, candidate: ResolvedModel, upstream_api: ApiKind, response: UpstreamResponse
    ) -> None:
        try:
            body = await response.read(MAX_ERROR_BYTES)
        except UpstreamError:
            body = b""
        out = translate_error(
            client=self.client_api,
            status=response.status,
            body=body,
            upstream=upstream_api,
            error_type=response.header("x-amzn-errortype"),
        )
        headers = self._response_headers(candidate, "application/json")
        retry_after = response.header("retry-after")
        if retry_after is not None:
            headers.append(("retry-after", retry_after))
        self.request.respond(response.status, headers, out)

    async def _relay_stream(
        self, candidate: ResolvedModel, upstream_api: ApiKind, response: UpstreamResponse
    ) -> None:
        translator = StreamTranslator(
            upstream=upstream_api,
            client=self.client_api,
            model=candidate.model_id,
            include_usage=self.info.wants_usage,
        )
        headers = self._response_headers(candidate, "text/event-stream")
        headers.append(("cache-control", "no-cache"))
        transport = self.request.start_stream(200, headers)
        try:
            async for chunk in response:
                out = translator.feed(chunk)
                if out:
                    if self.ttft_s is None:
                        self.ttft_s = time.perf_counter() - self.attempt_started_s
                    await transport.send_bytes(out)
            tail = translator.finish()
        except (ProtocolClosed, ProtocolError):
            # The client went away mid-stream: stop the upstream too.
            response.close()
            self.request.access.status = CLIENT_CLOSED_REQUEST
            self.stream_error = "stream"
            logger.info("request %s: client disconnected mid-stream", self.request.request_id)
            return
        except UpstreamError as error:
            response.close()
            logger.warning(
                "request %s: %s stream broke: %s", self.request.request_id, candidate.name, error
            )
            self.stream_error = "stream"
            tail = translator.abort(f"upstream {candidate.name} failed mid-stream: {error}")
        except TranslationError as error:
            response.close()
            self.stream_error = "protocol"
            tail = translator.abort(f"upstream {candidate.name} sent an unreadable stream: {error}")
        if tail:
            await transport.send_bytes(tail)
        # Granian ends the response body when the transport is released; drop it now rather
        # than whenever anything that captured this frame (a stored traceback) lets go.
        del transport
        if not translator.is_complete() and self.stream_error is None:
            self.stream_error = "stream"
        usage = translator.usage()
        if usage is not None:
            self.usage = UsageCounts(
                input_tokens=usage["input_tokens"],
                output_tokens=usage["output_tokens"],
                cache_read_tokens=usage["cache_read_tokens"],
                cache_creation_tokens=usage["cache_creation_tokens"],
                reasoning_tokens=usage["reasoning_tokens"],
            )
            self.outcome.output_tokens = usage["output_tokens"]
        elif translator.output_chars():
            self.outcome.output_tokens = max(1, translator.output_chars() // 4)


def _error_class(error: UpstreamError) -> ErrorClass:
    if isinstance(error, UpstreamTimeout):
        return "timeout"
    if isinstance(error, UpstreamConnectError):
        return "connect"
    if isinstance(error, UpstreamClosed):
        return "stream"
    if isinstance(error, UpstreamProtocolError):
        return "protocol"
    return "other"


def _retry_reason(error_class: ErrorClass) -> RetryReason:
    if error_class in ("timeout", "connect", "stream"):
        return error_class
    return "other"


def make_target_cache() -> Callable[[ResolvedModel, ClientApi, bool], UpstreamTarget]:
    """A memo of upstream targets: they are static per (model, client API, stream mode)."""
    cache: dict[tuple[str, str, ClientApi, bool], UpstreamTarget] = {}

    def target_for(model: ResolvedModel, client: ClientApi, is_streaming: bool) -> UpstreamTarget:
        key = (model.provider.name, model.model_id, client, is_streaming)
        target = cache.get(key)
        if target is None:
            target = build_target(model.provider, model.model_id, client, is_streaming=is_streaming)
            if len(cache) < 4096:
                cache[key] = target
        return target

    return target_for
