"""The last N requests the mock received, served at `GET /__mock/requests` with secrets masked.

Recording stores raw tuples on the hot path; masking and JSON parsing happen only when the debug
endpoint is read. A secret never leaves the process: the output shows a short fingerprint (the
last four characters) and a stable `sha256:<16 hex>` hash of the credential so tests can tell which
key arrived. Recording is per worker process.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qsl

import orjson

_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "cookie",
        "set-cookie",
        "x-amz-security-token",
    }
)
_SECRET_NAME_PARTS = (
    "api-key",
    "apikey",
    "api_key",
    "secret",
    "password",
    "auth",
    "access-token",
    "session-token",
    "security-token",
)
_SECRET_QUERY = frozenset({"key", "api_key", "apikey", "access_token", "token"})
_SCHEMES = ("Bearer ", "bearer ", "Basic ", "basic ")


def is_secret_header(name: str) -> bool:
    """Whether a (lowercase) header name carries a credential (the mock's own knobs never do)."""
    if name.startswith("x-mock-"):
        return False
    return name in _SECRET_HEADERS or any(part in name for part in _SECRET_NAME_PARTS)


def secret_hash(value: str) -> str:
    """The stable hash the debug endpoint shows for a credential (scheme word excluded)."""
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:16]


def _split_scheme(value: str) -> tuple[str, str]:
    for scheme in _SCHEMES:
        if value.startswith(scheme):
            return scheme, value[len(scheme) :]
    return "", value


def mask(value: str) -> str:
    """`Bearer ****abcd`: the scheme, then only the last four characters of long credentials."""
    scheme, credential = _split_scheme(value)
    shown = credential[-4:] if len(credential) >= 12 else ""
    return f"{scheme}****{shown}"


_Entry = tuple[float, str, str, str, list[tuple[str, str]], bytes]


class Recorder:
    """A bounded, newest-last log of requests."""

    def __init__(self, limit: int) -> None:
        self._entries: deque[_Entry] = deque(maxlen=max(0, limit))
        self.enabled = limit > 0

    def add(
        self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        if self.enabled:
            self._entries.append((time.time(), method, path, query, headers, body))

    def clear(self) -> None:
        self._entries.clear()

    def render(self) -> bytes:
        """The JSON list served at `GET /__mock/requests`."""
        return orjson.dumps([_render_entry(entry) for entry in self._entries])


def _render_entry(entry: _Entry) -> dict[str, Any]:
    at_s, method, path, query, headers, body = entry
    shown: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for name, value in headers:
        if is_secret_header(name):
            scheme_value = _split_scheme(value)[1]
            shown[name] = mask(value)
            secrets[name] = secret_hash(scheme_value)
        else:
            shown[name] = value if name not in shown else f"{shown[name]}, {value}"
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name.lower() in _SECRET_QUERY:
            params[name] = mask(value)
            secrets[f"query:{name}"] = secret_hash(value)
        else:
            params[name] = value
    parsed: Any
    try:
        parsed = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        parsed = body.decode(errors="replace")
    return {
        "time": at_s,
        "method": method,
        "path": path,
        "query": params,
        "headers": shown,
        "secrets": secrets,
        "body": parsed,
    }
