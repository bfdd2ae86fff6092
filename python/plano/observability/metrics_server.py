"""The metrics endpoint's process: `GET /metrics` and `GET /healthz` on `metrics.address:port`.

Started by the supervisor as `python -m plano.observability.metrics_server` (see
`metrics_process.metrics_server_command`), with `PROMETHEUS_MULTIPROC_DIR` naming the directory
every worker of every listener writes its metric files to. Each scrape first drops the live
gauges of exited workers, then sums all files, so `/metrics` shows the whole gateway whichever
worker did the work. A control-plane endpoint: one Granian worker serving a small Starlette app.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from plano import __version__
from plano.observability.logs import LogFormat, configure_logging
from plano.observability.metrics import BuildInfoCollector
from plano.observability.metrics_process import (
    ENV_MULTIPROC_DIR,
    ENV_READY_FILE,
    reap_dead_processes,
)

MODULE = "plano.observability.metrics_server"
logger = logging.getLogger(MODULE)  # not __name__: run as __main__

APP_FACTORY = f"{MODULE}:create_app"
ENV_LOG_LEVEL = "PLANO_METRICS_LOG_LEVEL"
ENV_LOG_FORMAT = "PLANO_METRICS_LOG_FORMAT"


def render_metrics(directory: Path, accept: str | None) -> tuple[bytes, str]:
    """Every process's metrics in `directory`, summed, in the format `accept` asks for."""
    reap_dead_processes(directory)
    registry = CollectorRegistry(auto_describe=False)
    MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    registry.register(BuildInfoCollector(__version__))
    encode, content_type = choose_encoder(accept or "")
    return encode(registry), content_type


def report_ready(ready_file: Path) -> None:
    """Tells the supervisor the server's worker is up (it created its socket before this)."""
    ready_file.touch()


def create_app() -> Starlette:
    """Granian factory: the metrics app over the directory in `PROMETHEUS_MULTIPROC_DIR`."""
    env = os.environ
    log_format: LogFormat = "json" if env.get(ENV_LOG_FORMAT) == "json" else "text"
    configure_logging(env.get(ENV_LOG_LEVEL, "info"), log_format)
    raw_dir = env.get(ENV_MULTIPROC_DIR)
    if not raw_dir or not Path(raw_dir).is_dir():
        raise RuntimeError(f"{ENV_MULTIPROC_DIR} must name an existing directory, got {raw_dir!r}")
    directory = Path(raw_dir)
    ready_file = env.get(ENV_READY_FILE)

    async def metrics(request: Request) -> Response:
        body, content_type = await run_in_threadpool(
            render_metrics, directory, request.headers.get("accept")
        )
        return Response(body, headers={"content-type": content_type})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        logger.debug("metrics server %d serving %s", os.getpid(), directory)
        if ready_file:
            report_ready(Path(ready_file))
        yield

    return Starlette(
        routes=[
            Route("/metrics", metrics, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def port_problem(address: str, port: int) -> str | None:
    """Why the metrics endpoint cannot listen on `address:port`, or None when it can.

    Granian reports a taken port with a native panic and backtrace; checking first (bind and
    listen, as Granian will) turns that into one clear line naming the metrics port.
    """
    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        return f"cannot resolve address {address!r}: {error}"
    family, kind, proto, _, sockaddr = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(sockaddr)
            sock.listen()
        except OSError as error:
            reason = "address already in use" if error.errno == errno.EADDRINUSE else str(error)
            return f"cannot bind {address}:{port}: {reason}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.log import LogLevels

    from plano.server.listener import granian_log_config

    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}")
    parser.add_argument("--address", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=9092)
    parser.add_argument("--grace-period", type=float, default=5.0)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--log-format", default="text")
    args = parser.parse_args(argv)
    configure_logging(args.log_level, "json" if args.log_format == "json" else "text")
    directory = os.environ.get(ENV_MULTIPROC_DIR)
    if not directory or not Path(directory).is_dir():
        logger.error(
            "%s must name the workers' metrics directory, got %r", ENV_MULTIPROC_DIR, directory
        )
        return 2
    problem = port_problem(args.address, args.port)
    if problem is not None:
        logger.error("metrics endpoint (metrics.port, --metrics-port) %s", problem)
        return 1
    os.environ[ENV_LOG_LEVEL] = args.log_level
    os.environ[ENV_LOG_FORMAT] = args.log_format
    granian_level = LogLevels.info if args.log_level == "debug" else LogLevels.warning
    server = Granian(
        APP_FACTORY,
        address=args.address,
        port=args.port,
        interface=Interfaces.ASGI,
        workers=1,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        websockets=False,
        factory=True,
        log_level=granian_level,
        log_dictconfig=granian_log_config(args.log_format),
        log_access=False,
        workers_kill_timeout=max(1, round(args.grace_period)),
    )
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
