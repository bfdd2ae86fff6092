"""Renders plano's errors in the caller's own dialect: OpenAI, Anthropic or Gemini envelopes.

The dialect follows the API path the client called (`/v1/messages` speaks Anthropic,
`/v1beta/models/...` speaks Gemini, everything else OpenAI), so an SDK always gets an error it can
parse, with the right HTTP status.
"""

from __future__ import annotations

from typing import Literal

import orjson

from plano.errors import PlanoError, RateLimited

Dialect = Literal["openai", "anthropic", "gemini"]

_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}
_GEMINI_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
}


def dialect_for_path(path: str) -> Dialect:
    """The error dialect of the API a path belongs to."""
    if path.endswith("/messages"):
        return "anthropic"
    if path.startswith("/v1beta/"):
        return "gemini"
    return "openai"


def error_body(dialect: Dialect, status: int, message: str, code: str) -> bytes:
    """The JSON error envelope of `dialect` for one error."""
    if dialect == "anthropic":
        kind = _ANTHROPIC_TYPES.get(status, "api_error")
        return orjson.dumps({"type": "error", "error": {"type": kind, "message": message}})
    if dialect == "gemini":
        grpc_status = _GEMINI_STATUS.get(status, "INTERNAL")
        return orjson.dumps({"error": {"code": status, "message": message, "status": grpc_status}})
    kind = _OPENAI_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return orjson.dumps({"error": {"message": message, "type": kind, "param": None, "code": code}})


def render(error: PlanoError, dialect: Dialect) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body for `error` in `dialect`."""
    headers = [("content-type", "application/json")]
    if isinstance(error, RateLimited) and error.retry_after_s is not None:
        headers.append(("retry-after", str(max(1, int(error.retry_after_s + 0.999)))))
    body = error_body(dialect, error.status_code, error.message, error.code)
    return error.status_code, headers, body
