"""Errors render in the dialect of the API the client called."""

from __future__ import annotations

import orjson
import pytest

from plano.errors import ModelNotFound, NotImplementedOnListener, PlanoError, RateLimited
from plano.server.errors import dialect_for_path, render


@pytest.mark.parametrize(
    ("path", "dialect"),
    [
        ("/v1/chat/completions", "openai"),
        ("/v1/responses", "openai"),
        ("/v1/messages", "anthropic"),
        ("/agents/v1/messages", "anthropic"),
        ("/v1beta/models/gemini-2.0-flash:generateContent", "gemini"),
        ("/healthz", "openai"),
    ],
)
def test_dialect_follows_the_api_path(path: str, dialect: str) -> None:
    assert dialect_for_path(path) == dialect


def test_openai_envelope_carries_message_type_and_code() -> None:
    status, headers, body = render(ModelNotFound("model 'x' is not configured"), "openai")
    assert status == 400
    assert ("content-type", "application/json") in headers
    assert orjson.loads(body) == {
        "error": {
            "message": "model 'x' is not configured",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    }


def test_anthropic_envelope_maps_status_to_its_error_types() -> None:
    status, _, body = render(ModelNotFound("nope"), "anthropic")
    assert status == 400
    assert orjson.loads(body) == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "nope"},
    }
    _, _, body = render(PlanoError("boom"), "anthropic")
    assert orjson.loads(body)["error"]["type"] == "api_error"


def test_gemini_envelope_uses_grpc_status_names() -> None:
    status, _, body = render(NotImplementedOnListener("later"), "gemini")
    assert status == 501
    assert orjson.loads(body) == {
        "error": {"code": 501, "message": "later", "status": "UNIMPLEMENTED"}
    }


def test_rate_limited_sets_retry_after_rounded_up() -> None:
    status, headers, _ = render(RateLimited("user alice", retry_after_s=2.2), "openai")
    assert status == 429
    assert ("retry-after", "3") in headers
