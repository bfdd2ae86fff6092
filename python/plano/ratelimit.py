"""Token rate limits (`ratelimits:`), shared by every worker of a `plano run`.

Rules (reference inventory §3.8, with its faults fixed): a rule applies to a request when its
`model` names the resolved model with or without the provider prefix (`openai/gpt-4o` or
`gpt-4o`; an alias name works too) and the request carries the rule's selector header. With
`value: "*"` every distinct header value gets its own bucket; otherwise the header must equal
`value`. `x-arch-ratelimit-selector: <header>` (the reference's activation header) is honoured
and not required: naming the header is what the rule already does. Units are exact (a day is
86,400 s). Input tokens are counted by `_core` and taken before forwarding; output tokens are
charged after the response (a bucket may go into debt, so the next request waits).

Sharing: worker processes hold no common memory, so one limiter process started by the
supervisor owns the only `_core.RateLimiter`, and workers ask it over a Unix socket (one
pipelined connection per worker; only requests a rule matches pay the round trip). If the
limiter cannot be reached the request is let through and the failure logged: a rate limiter
must not take the gateway down with it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from plano._core import RateLimiter, count_request_tokens, count_tokens
from plano.config.model import RateLimit, RateLimitUnit
from plano.errors import RateLimited
from plano.providers.registry import ResolvedModel

logger = logging.getLogger(__name__)

__all__ = ["Bucket", "LimiterClient", "RateLimits", "Rules", "count_request_tokens", "serve"]

MAX_KEYS = 1_000_000
_CONNECT_TIMEOUT_S = 1.0
_REPLY_TIMEOUT_S = 1.0


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bucket a request draws from."""

    key: str
    limit_tokens: int
    unit: RateLimitUnit
    label: str
    """What the 429 says was exceeded (rule model and selector; never a credential)."""


class Rules:
    """Matches requests to the configured rules; built once per worker."""

    def __init__(self, rules: Sequence[RateLimit]) -> None:
        self._rules = tuple(rules)

    def __bool__(self) -> bool:
        return bool(self._rules)

    def buckets(
        self, model: ResolvedModel, requested: str | None, header: Callable[[str], str | None]
    ) -> list[Bucket]:
        names = {model.name, model.model_id, model.provider.name}
        if requested:
            names.add(requested)
        out: list[Bucket] = []
        for index, rule in enumerate(self._rules):
            if rule.model not in names:
                continue
            value = header(rule.selector_key.lower())
            if value is None:
                continue
            if rule.selector_value == "*":
                key = f"{index}\x1f{value}"
            elif value == rule.selector_value:
                key = str(index)
            else:
                continue
            label = f"model {rule.model}, {rule.selector_key}={value}"
            out.append(Bucket(key, rule.tokens, rule.unit, label))
        return out


class LimiterClient:
    """A worker's pipelined connection to the limiter process."""

    def __init__(self, socket_path: str) -> None:
        self._path = socket_path
        self._writer: asyncio.StreamWriter | None = None
        self._pending: deque[asyncio.Future[float | None]] = deque()
        self._reader_task: asyncio.Task[None] | None = None
        self._connecting: asyncio.Lock | None = None

    async def _connection(self) -> asyncio.StreamWriter:
        if self._writer is not None and not self._writer.is_closing():
            return self._writer
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._writer is None or self._writer.is_closing():
                reader, writer = await asyncio.wait_for(
                    asyncio.open_unix_connection(self._path), _CONNECT_TIMEOUT_S
                )
                self._writer = writer
                self._reader_task = asyncio.ensure_future(self._read_replies(reader))
        return self._writer

    async def _read_replies(self, reader: asyncio.StreamReader) -> None:
        try:
            while line := await reader.readline():
                reply = orjson.loads(line)
                future = self._pending.popleft()
                if not future.done():
                    wait = reply.get("retry_after_s")
                    future.set_result(math.inf if wait == "inf" else wait)
        except (OSError, ValueError, IndexError) as error:
            logger.error("rate limiter connection failed: %s", error)
        finally:
            self._writer = None
            while self._pending:
                future = self._pending.popleft()
                if not future.done():
                    future.set_exception(ConnectionError("rate limiter connection lost"))

    async def acquire(self, bucket: Bucket, cost: int) -> float | None:
        """None when allowed, else seconds until `cost` tokens are available (inf: never)."""
        writer = await self._connection()
        future: asyncio.Future[float | None] = asyncio.get_running_loop().create_future()
        self._pending.append(future)
        writer.write(_message("acquire", bucket, cost))
        return await asyncio.wait_for(future, _REPLY_TIMEOUT_S)

    async def charge(self, bucket: Bucket, cost: int) -> None:
        """Takes `cost` tokens after the fact (output tokens); no reply is awaited."""
        writer = await self._connection()
        writer.write(_message("charge", bucket, cost))

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._reader_task is not None:
            self._reader_task.cancel()


def _message(op: str, bucket: Bucket, cost: int) -> bytes:
    return (
        orjson.dumps(
            {
                "op": op,
                "key": bucket.key,
                "limit": bucket.limit_tokens,
                "unit": bucket.unit,
                "cost": cost,
            }
        )
        + b"\n"
    )


class LocalLimiter:
    """The limiter inside this process: right when one worker serves the model listener, and
    ~150 µs per request cheaper than a round trip to the shared limiter process."""

    def __init__(self) -> None:
        self._limiter = RateLimiter(max_keys=MAX_KEYS)

    async def acquire(self, bucket: Bucket, cost: int) -> float | None:
        return self._limiter.try_acquire(
            bucket.key,
            limit_tokens=bucket.limit_tokens,
            unit=bucket.unit,
            cost=cost,
            now_s=time.monotonic(),
        )

    async def charge(self, bucket: Bucket, cost: int) -> None:
        self._limiter.charge(
            bucket.key,
            limit_tokens=bucket.limit_tokens,
            unit=bucket.unit,
            cost=cost,
            now_s=time.monotonic(),
        )

    async def aclose(self) -> None:
        return None


class RateLimits:
    """What the model listener calls: check before forwarding, charge after answering.

    With `socket_path` (several workers) the shared limiter process keeps the buckets; without
    it (one worker) they live in this process.
    """

    def __init__(self, rules: Sequence[RateLimit], socket_path: str | None) -> None:
        self.rules = Rules(rules)
        self._client: LimiterClient | LocalLimiter | None = None
        if self.rules:
            self._client = LimiterClient(socket_path) if socket_path else LocalLimiter()
            # Building an encoding's tables takes 0.1-0.3 s: pay it at start-up, not on the
            # first rate-limited request.
            for encoding in ("o200k_base", "cl100k_base"):
                count_tokens("warm-up", encoding)

    async def check(self, buckets: list[Bucket], input_tokens: int) -> None:
        """Takes `input_tokens` from every bucket, or raises `RateLimited` (429)."""
        if self._client is None:
            return
        for bucket in buckets:
            try:
                wait = await self._client.acquire(bucket, input_tokens)
            except (OSError, ConnectionError, TimeoutError) as error:
                logger.error("rate limiter unavailable (%s): request let through", error)
                return
            if wait is not None:
                if math.isinf(wait):
                    raise RateLimited(
                        f"{bucket.label} (the request's {input_tokens} input tokens exceed the "
                        f"limit of {bucket.limit_tokens} per {bucket.unit})",
                        retry_after_s=None,
                    )
                raise RateLimited(bucket.label, retry_after_s=wait)

    async def charge(self, buckets: list[Bucket], output_tokens: int) -> None:
        if self._client is None or output_tokens <= 0:
            return
        for bucket in buckets:
            try:
                await self._client.charge(bucket, output_tokens)
            except (OSError, ConnectionError, TimeoutError) as error:
                logger.error("rate limiter unavailable (%s): output tokens not charged", error)
                return

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


async def _serve_connection(
    limiter: RateLimiter, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while line := await reader.readline():
            try:
                message = orjson.loads(line)
                op = message["op"]
                args = {
                    "limit_tokens": int(message["limit"]),
                    "unit": message["unit"],
                    "cost": int(message["cost"]),
                    "now_s": time.monotonic(),
                }
                if op == "acquire":
                    wait = limiter.try_acquire(message["key"], **args)
                    reply = {
                        "retry_after_s": "inf" if wait is not None and math.isinf(wait) else wait
                    }
                    writer.write(orjson.dumps(reply) + b"\n")
                elif op == "charge":
                    limiter.charge(message["key"], **args)
            except (KeyError, ValueError, TypeError) as error:
                logger.error("rate limiter: bad message dropped: %s", error)
                if b'"acquire"' in line:
                    writer.write(b'{"retry_after_s":null}\n')
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def serve(socket_path: Path) -> None:
    """The limiter process: one `RateLimiter` for every worker, until SIGTERM."""
    limiter = RateLimiter(max_keys=MAX_KEYS)
    server = await asyncio.start_unix_server(
        lambda r, w: _serve_connection(limiter, r, w), path=str(socket_path)
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plano.ratelimit")
    parser.add_argument("--socket", required=True, type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("PLANO_WORKER_LOG_LEVEL", "info").upper())
    try:
        asyncio.run(serve(args.socket))
    finally:
        with contextlib.suppress(FileNotFoundError):
            args.socket.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
