"""What may become a metric label value: short names, never credentials, never client noise.

Label values come only from the gateway's own vocabulary (listener, handler, provider and model
names, fixed enumerations). These checks are the backstop for a mistake upstream of the metrics
(a key pasted into a model name, a header value passed instead of a name): they run once per
distinct value, when its series is first created, never per request.
"""

from __future__ import annotations

import logging
import re
from typing import Final

logger = logging.getLogger(__name__)

MAX_LABEL_CHARS: Final = 128
REDACTED: Final = "redacted"
UNKNOWN: Final = "unknown"

_STATUS_CLASSES: Final = ("other", "1xx", "2xx", "3xx", "4xx", "5xx")

# Well-known credential shapes (OpenAI/Anthropic/Groq/xAI/HF/GitHub keys, AWS access key ids,
# Google API keys, JWTs, bearer headers) and any long run of mixed letters and digits.
_SECRET_SHAPES: Final = re.compile(
    r"(?:^|[^A-Za-z0-9])(?:sk|pk|rk|gsk|xai|hf|ghp|gho|ghs|github_pat)[-_][A-Za-z0-9_-]{8,}"
    r"|AKIA[0-9A-Z]{12,}|AIza[0-9A-Za-z_-]{20,}|eyJ[A-Za-z0-9_-]{10,}\.|(?i:bearer\s)"
)
_LONG_RUN: Final = re.compile(r"[A-Za-z0-9]{24,}")


def status_class(status: int | None) -> str:
    """`1xx` ... `5xx`, or `other` for no status (no response) or one outside 100-599."""
    if status is None or not 100 <= status <= 599:
        return "other"
    return _STATUS_CLASSES[status // 100]


def looks_like_secret(value: str) -> bool:
    """True for a value shaped like an API key, token or credential rather than a name."""
    if _SECRET_SHAPES.search(value):
        return True
    for run in _LONG_RUN.findall(value):
        if any(c.isdigit() for c in run) and any(c.isalpha() for c in run):
            return True
    return False


def label_value(value: str) -> str:
    """A name made safe to be a label value: never empty, never long, never credential-shaped."""
    if not isinstance(value, str):  # a Secret or a header object passed by mistake
        raise TypeError(f"metric label values are plain names, got {type(value).__name__}")
    value = value.strip()
    if not value:
        return UNKNOWN
    if looks_like_secret(value):
        logger.warning("a metric label value looked like a credential; recorded as %r", REDACTED)
        return REDACTED
    return value[:MAX_LABEL_CHARS]
