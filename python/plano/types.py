"""Type aliases shared across plano."""

from __future__ import annotations

from typing import Literal, TypeAlias

ApiKind: TypeAlias = Literal[
    "openai-chat", "openai-responses", "anthropic-messages", "bedrock-converse", "gemini"
]
"""A wire API, named the way the providers name it (the same strings `plano._core` takes)."""

ClientApi: TypeAlias = Literal["openai-chat", "openai-responses", "anthropic-messages", "gemini"]
"""The APIs clients may speak to plano (Bedrock Converse is upstream-only)."""

Headers: TypeAlias = list[tuple[str, str]]
"""HTTP headers in order, names lower-case."""
