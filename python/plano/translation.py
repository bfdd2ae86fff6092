"""Request, response and error translation between wire APIs: the app's door to `plano._core`.

Translators are configured once per API pair and cached for the life of the worker; each call
translates one whole body. Spec: reference inventory §3.4-§3.7, §14 (faults fixed in `_core`).
"""

from __future__ import annotations

from functools import cache

from plano._core import (
    RequestInfo,
    RequestTranslator,
    ResponseTranslator,
    TokenUsage,
    TranslationError,
    error_envelope,
    extract_usage,
    inspect_request,
    translate_error,
)
from plano.types import ApiKind, ClientApi

__all__ = [
    "RequestInfo",
    "TokenUsage",
    "TranslationError",
    "error_envelope",
    "extract_usage",
    "inspect_request",
    "request_translator",
    "response_translator",
    "translate_error",
]


@cache
def request_translator(client: ClientApi, upstream: ApiKind) -> RequestTranslator:
    """The (stateless, shared) request translator for one API pair."""
    return RequestTranslator(client=client, upstream=upstream)


@cache
def response_translator(upstream: ApiKind, client: ClientApi) -> ResponseTranslator:
    """The (stateless, shared) non-streaming response translator for one API pair."""
    return ResponseTranslator(upstream=upstream, client=client)
