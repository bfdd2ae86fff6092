"""Streaming response translation, one network chunk at a time: the app's door to
`plano._core.StreamTranslator`.

A `StreamTranslator` holds one response's state (envelope, ids, usage); make one per response.
"""

from __future__ import annotations

from plano._core import StreamTranslator

__all__ = ["StreamTranslator"]
