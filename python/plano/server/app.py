"""The RSGI application one Granian worker serves for one listener.

`create_app()` is Granian's factory target: it rebuilds the frozen config in the worker from the
environment the supervisor set (`PLANO_WORKER_CONFIG` or zero-config, and
`PLANO_WORKER_LISTENER`), so a worker never depends on state inherited across fork.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from typing import TYPE_CHECKING

from plano.config import Config
from plano.config.model import Listener
from plano.errors import PlanoError
from plano.observability.logs import AccessRecord, LogFormat, configure_logging, log_access
from plano.observability.metrics import get_metrics
from plano.server.http import Request
from plano.server.model_listener import ModelListener
from plano.server.routes import Router, build_router, handler_name

if TYPE_CHECKING:
    import asyncio

    from granian._granian import RSGIHTTPProtocol as HTTPProtocol
    from granian.rsgi import Scope

logger = logging.getLogger(__name__)

ENV_CONFIG_FILE = "PLANO_WORKER_CONFIG"
ENV_LISTENER = "PLANO_WORKER_LISTENER"
ENV_LOG_LEVEL = "PLANO_WORKER_LOG_LEVEL"
ENV_LOG_FORMAT = "PLANO_WORKER_LOG_FORMAT"
ENV_ZERO_CONFIG_PORT = "PLANO_WORKER_ZERO_CONFIG_PORT"
ENV_READY_DIR = "PLANO_WORKER_READY_DIR"
ENV_RATELIMIT_SOCKET = "PLANO_WORKER_RATELIMIT_SOCKET"


class ListenerApp:
    """Dispatches every request of one listener and writes its access-log line."""

    def __init__(
        self, listener: Listener, config: Config, router: Router, model: ModelListener | None
    ) -> None:
        self.listener = listener
        self.config = config
        self.router = router
        self.model = model
        self.metrics = get_metrics()

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        logger.debug("worker %d serving listener %r", os.getpid(), self.listener.name)
        self.metrics.start_flushing(loop)
        report_ready(self.listener.name)

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        logger.debug("worker %d stopping listener %r", os.getpid(), self.listener.name)
        if self.model is not None:
            loop.run_until_complete(self.model.aclose())
        self.metrics.close()

    async def __rsgi__(self, scope: Scope, protocol: HTTPProtocol) -> None:
        started = time.perf_counter()
        request_id = scope.headers.get("x-request-id") or uuid.uuid4().hex
        access = AccessRecord(self.listener.name, scope.method, scope.path, request_id)
        request = Request(scope, protocol, access)
        token = self.metrics.request_started(
            self.listener.name, handler_name(scope.path), scope.method
        )
        try:
            handler = self.router.resolve(scope.method, scope.path)
            await handler(request)
        except PlanoError as error:
            if not request.responded:
                request.respond_error(error)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.method, scope.path)
            if not request.responded:
                request.respond_error(PlanoError("internal error; see the gateway log"))
        finally:
            self.metrics.request_finished(token, access.status)
            log_access(access, time.perf_counter() - started)


def report_ready(listener_name: str) -> None:
    """Tells the supervisor this worker can take SIGTERM gracefully.

    Granian calls `__rsgi_init__` after installing the worker's own signal handlers; before that,
    a forked worker still has the Granian main process's handler, which swallows SIGTERM. The
    supervisor therefore holds shutdown signals until every worker has reported here.
    """
    ready_dir = os.environ.get(ENV_READY_DIR)
    if ready_dir:
        from pathlib import Path

        (Path(ready_dir) / f"{listener_name}.{os.getpid()}").touch()


def load_worker_config(env: os._Environ[str] | dict[str, str]) -> Config:
    """The config this process serves, rebuilt from what the supervisor put in the environment."""
    from plano.config import load_config, zero_config

    path = env.get(ENV_CONFIG_FILE)
    if path:
        from pathlib import Path

        return load_config(Path(path), env)
    return zero_config(env, port=int(env.get(ENV_ZERO_CONFIG_PORT, "12000")))


def create_app() -> ListenerApp:
    """Granian factory: the app for the listener named in `PLANO_WORKER_LISTENER`."""
    env = os.environ
    log_format: LogFormat = "json" if env.get(ENV_LOG_FORMAT) == "json" else "text"
    configure_logging(env.get(ENV_LOG_LEVEL, "info"), log_format)
    config = load_worker_config(env)
    name = env.get(ENV_LISTENER, "")
    listener = next((item for item in config.listeners if item.name == name), None)
    if listener is None:
        raise RuntimeError(f"listener {name!r} is not in the config")
    router, model = build_router(listener, config, ratelimit_socket=env.get(ENV_RATELIMIT_SOCKET))
    return ListenerApp(listener, config, router, model)
