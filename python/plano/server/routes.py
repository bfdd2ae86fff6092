"""Which handler answers which method and path on each listener type.

Exact paths resolve with one dict lookup; parameterised paths (Gemini's
`/v1beta/models/{model}:generateContent`) are tried in order after that. Until a listener type's
handlers exist, its API paths answer 501 in the caller's dialect — the only place a 501 is used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import orjson

from plano.config import Config
from plano.config.model import Listener
from plano.errors import MethodNotAllowed, NotFound, NotImplementedOnListener
from plano.server.http import Handler, Request
from plano.server.model_listener import GEMINI_PATH, ModelListener, model_routes

MethodTable = Mapping[str, Handler]

_HEALTHZ_BODY = orjson.dumps({"status": "ok"})

MODEL_API_PATHS = ("/v1/chat/completions", "/v1/messages", "/v1/responses")
ROUTING_API_PATHS = tuple(f"/routing{path}" for path in MODEL_API_PATHS)


HANDLER_NAMES = {
    "/v1/chat/completions": "chat_completions",
    "/v1/messages": "messages",
    "/v1/responses": "responses",
    "/v1/models": "list_models",
    "/healthz": "healthz",
    **dict.fromkeys(ROUTING_API_PATHS, "routing_decision"),
}
"""Route names for metrics labels: a short fixed name per route, never a raw path."""


def handler_name(path: str) -> str:
    """The metrics name of the route a path belongs to."""
    name = HANDLER_NAMES.get(path)
    if name is not None:
        return name
    return "gemini" if path.startswith("/v1beta/models/") else "other"


@dataclass(frozen=True, slots=True)
class Router:
    """Path → method → handler for one listener."""

    exact: Mapping[str, MethodTable]
    patterns: tuple[tuple[re.Pattern[str], MethodTable], ...] = field(default=())

    def resolve(self, method: str, path: str) -> Handler:
        table = self.exact.get(path)
        if table is None:
            table = next((t for pattern, t in self.patterns if pattern.match(path)), None)
        if table is None:
            raise NotFound(f"no route for {path} on this listener")
        handler = table.get(method)
        if handler is None:
            raise MethodNotAllowed(method, path, sorted(table))
        return handler


async def healthz(request: Request) -> None:
    request.respond_json(200, _HEALTHZ_BODY)


def not_yet(listener: Listener) -> Handler:
    """A handler for an API path whose implementation this build does not have yet."""

    async def handler(request: Request) -> None:
        raise NotImplementedOnListener(
            f"{request.method} {request.path} is not implemented yet on {listener.type} "
            f"listener {listener.name!r}"
        )

    return handler


def build_router(
    listener: Listener, config: Config, *, ratelimit_socket: str | None = None
) -> tuple[Router, ModelListener | None]:
    """The routes of `listener`, and the model listener's handlers when it is one."""
    health: MethodTable = {"GET": healthz, "HEAD": healthz}
    pending = not_yet(listener)
    exact: dict[str, MethodTable] = {"/healthz": health}
    patterns: list[tuple[re.Pattern[str], MethodTable]] = []
    model: ModelListener | None = None
    if listener.type == "model":
        model = ModelListener(listener, config, ratelimit_socket=ratelimit_socket)
        exact.update({path: {"POST": pending} for path in ROUTING_API_PATHS})
        exact.update(model_routes(model))
        patterns.append((GEMINI_PATH, {"POST": model.gemini}))
    elif listener.type == "agent":
        exact.update({path: {"POST": pending} for path in MODEL_API_PATHS})
        exact["/v1/models"] = {"GET": pending}
    else:
        exact["/v1/chat/completions"] = {"POST": pending}
    return Router(exact=exact, patterns=tuple(patterns)), model
