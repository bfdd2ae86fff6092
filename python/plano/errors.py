"""The application's exception tree.

Every error a client can see knows its HTTP status and a stable `code`; one handler in
`server/errors.py` renders it in the caller's dialect (OpenAI or Anthropic envelope).

    PlanoError                      500 internal_error
    ├── ConfigError                 (start-up only: every problem of a config file at once)
    ├── BadRequest                  400 invalid_request_error
    │   ├── MalformedJson           400 invalid_json
    │   └── ModelNotFound           400 model_not_found
    ├── NotFound                    404 not_found
    ├── MethodNotAllowed            405 method_not_allowed
    ├── PayloadTooLarge             413 request_too_large
    ├── NotImplementedOnListener    501 not_implemented
    ├── RateLimited                 429 rate_limited
    └── UpstreamError               502 upstream_error
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class PlanoError(Exception):
    """Base of every error plano raises on purpose."""

    status_code: int = 500
    code: str = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One problem in a config file: where it is (`model_providers[2].model`) and what is wrong."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ConfigError(PlanoError):
    """A config file that cannot be run; carries every problem found, not just the first."""

    code = "invalid_config"

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in config:\n{lines}")


class BadRequest(PlanoError):
    status_code = 400
    code = "invalid_request_error"


class MalformedJson(BadRequest):
    code = "invalid_json"


class ModelNotFound(BadRequest):
    code = "model_not_found"


class NotFound(PlanoError):
    status_code = 404
    code = "not_found"


class MethodNotAllowed(PlanoError):
    status_code = 405
    code = "method_not_allowed"

    def __init__(self, method: str, path: str, allowed: Sequence[str]) -> None:
        super().__init__(f"method {method} is not allowed on {path}; use {', '.join(allowed)}")
        self.allowed = tuple(allowed)


class PayloadTooLarge(PlanoError):
    status_code = 413
    code = "request_too_large"


class NotImplementedOnListener(PlanoError):
    """An API path on a listener type whose handlers have not been built yet."""

    status_code = 501
    code = "not_implemented"


class RateLimited(PlanoError):
    """A token rate limit is exhausted; `retry_after_s` None means the request can never fit."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, key: str, retry_after_s: float | None) -> None:
        super().__init__(f"rate limit exceeded for {key}")
        self.retry_after_s = retry_after_s


class UpstreamError(PlanoError):
    status_code = 502
    code = "upstream_error"
