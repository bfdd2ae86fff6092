"""Process-wide logging set-up (text or JSON lines on stderr) and the access log.

Every log line goes through `logging`; secrets never reach it: the access log records the path
without its query string (Gemini-style `?key=` credentials live there) and no header values.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from typing import Literal

import orjson

LogFormat = Literal["text", "json"]
ACCESS_LOGGER = "plano.access"
LOG_LEVELS = ("debug", "info", "warning", "error")


def _iso_time(created: float) -> str:
    millis = int((created % 1) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{millis:03d}Z"


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{_iso_time(record.created)} {record.levelname.lower():<7} {record.name}: "
        line += record.getMessage()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": _iso_time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        else:
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure_logging(level: str, fmt: LogFormat) -> None:
    """Installs one stderr handler on the root logger; idempotent per process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


@dataclass(slots=True)
class AccessRecord:
    """What the access log says about one request; handlers fill `model` and `provider`."""

    listener: str
    method: str
    path: str
    request_id: str
    status: int = 0
    model: str | None = None
    provider: str | None = None


_access = logging.getLogger(ACCESS_LOGGER)


def log_access(record: AccessRecord, duration_s: float) -> None:
    """Emits the one access-log line of a finished request."""
    if not _access.isEnabledFor(logging.INFO):
        return
    duration_ms = round(duration_s * 1000, 3)
    fields = {
        "listener": record.listener,
        "method": record.method,
        "path": record.path,
        "status": record.status,
        "duration_ms": duration_ms,
        "model": record.model,
        "provider": record.provider,
        "request_id": record.request_id,
    }
    text = (
        f"listener={record.listener} {record.method} {record.path} {record.status} "
        f"{duration_ms}ms model={record.model or '-'} provider={record.provider or '-'} "
        f"request_id={record.request_id}"
    )
    _access.info(text, extra={"fields": fields})
