"""Error bodies in the client's dialect: `translate_error` and `error_envelope` in `plano._core`.

Fixtures in tests/fixtures/translate/errors/ are error bodies as each provider documents them,
plus a proxy's HTML 502 page.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plano._core import TranslationError, error_envelope, translate_error

FIXTURES = Path(__file__).parent.parent / "fixtures" / "translate" / "errors"
CLIENTS = ["openai-chat", "anthropic-messages", "openai-responses", "gemini"]


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def tr(client: str, status: int, name: str, upstream: str | None, **kw: Any) -> Any:
    body = load(name)
    return json.loads(
        translate_error(client=client, status=status, body=body, upstream=upstream, **kw)
    )


@pytest.mark.parametrize(
    ("status", "anthropic_type", "openai_type", "gemini_status"),
    [
        (400, "invalid_request_error", "invalid_request_error", "INVALID_ARGUMENT"),
        (401, "authentication_error", "authentication_error", "UNAUTHENTICATED"),
        (403, "permission_error", "permission_error", "PERMISSION_DENIED"),
        (404, "not_found_error", "not_found_error", "NOT_FOUND"),
        (413, "request_too_large", "invalid_request_error", "INVALID_ARGUMENT"),
        (429, "rate_limit_error", "rate_limit_error", "RESOURCE_EXHAUSTED"),
        (500, "api_error", "server_error", "INTERNAL"),
        (503, "overloaded_error", "server_error", "UNAVAILABLE"),
        (504, "timeout_error", "server_error", "DEADLINE_EXCEEDED"),
        (529, "overloaded_error", "server_error", "UNAVAILABLE"),
    ],
)
def test_type_is_mapped_from_status(
    status: int, anthropic_type: str, openai_type: str, gemini_status: str
) -> None:
    anthropic = json.loads(error_envelope(client="anthropic-messages", status=status, message="m"))
    assert anthropic == {"type": "error", "error": {"type": anthropic_type, "message": "m"}}
    openai = json.loads(error_envelope(client="openai-chat", status=status, message="m", code="c"))
    assert openai == {"error": {"message": "m", "type": openai_type, "param": None, "code": "c"}}
    gemini = json.loads(error_envelope(client="gemini", status=status, message="m"))
    assert gemini == {"error": {"code": status, "message": "m", "status": gemini_status}}


def test_openai_error_for_anthropic_client() -> None:
    out = tr("anthropic-messages", 429, "openai_429.json", "openai-chat")
    assert out["type"] == "error"
    assert out["error"]["type"] == "rate_limit_error"
    assert out["error"]["message"].startswith("Rate limit reached for gpt-4o")


def test_anthropic_error_for_openai_client_keeps_kind_as_code() -> None:
    out = tr("openai-chat", 529, "anthropic_529.json", "anthropic-messages")
    assert out["error"] == {
        "message": "Overloaded",
        "type": "server_error",
        "param": None,
        "code": "overloaded_error",
    }


def test_openai_param_survives_for_responses_clients() -> None:
    out = tr("openai-responses", 400, "openai_400.json", "openai-chat")
    assert out["error"]["param"] == "temperature"
    assert out["error"]["code"] == "invalid_value"


def test_bedrock_error_with_header_type() -> None:
    out = tr(
        "openai-chat",
        400,
        "bedrock_validation.json",
        "bedrock-converse",
        error_type="ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/",
    )
    assert out["error"]["message"].startswith("The model returned the following errors")
    assert out["error"]["type"] == "invalid_request_error"
    assert out["error"]["code"] == "ValidationException"
    out = tr("anthropic-messages", 403, "bedrock_access_denied.json", "bedrock-converse")
    assert out["error"] == {
        "type": "permission_error",
        "message": "You don't have access to the model with the specified model ID.",
    }


def test_gemini_errors_for_other_clients() -> None:
    out = tr("anthropic-messages", 400, "gemini_400.json", "gemini")
    assert out["error"]["message"] == "API key not valid. Please pass a valid API key."
    out = tr("openai-chat", 429, "gemini_429_array.json", "gemini")
    assert out["error"]["type"] == "rate_limit_error"
    assert out["error"]["code"] == "RESOURCE_EXHAUSTED"


def test_html_page_becomes_a_readable_message() -> None:
    for client in CLIENTS:
        out = json.loads(
            translate_error(
                client=client, status=502, body=load("nginx_502.html"), upstream="gemini"
            )
        )
        assert "502 Bad Gateway" in json.dumps(out)
        assert "<" not in json.dumps(out)


def test_same_api_envelope_passes_through_unchanged() -> None:
    body = load("anthropic_529.json")
    out = translate_error(
        client="anthropic-messages", status=529, body=body, upstream="anthropic-messages"
    )
    assert out is body
    # A same-API upstream that sent a non-envelope (a proxy page) still gets an envelope.
    html = load("nginx_502.html")
    out = translate_error(client="openai-chat", status=502, body=html, upstream="openai-chat")
    assert json.loads(out)["error"]["type"] == "server_error"


def test_plano_own_error_from_plain_text() -> None:
    out = json.loads(
        translate_error(client="anthropic-messages", status=404, body=b"Model 'x' not found")
    )
    assert out == {
        "type": "error",
        "error": {"type": "not_found_error", "message": "Model 'x' not found"},
    }


def test_empty_body_names_the_status() -> None:
    out = json.loads(translate_error(client="openai-chat", status=503, body=b"", upstream="gemini"))
    assert out["error"]["message"] == "upstream returned HTTP 503 (Service Unavailable)"


def test_bedrock_is_not_a_client() -> None:
    with pytest.raises(TranslationError):
        error_envelope(client="bedrock-converse", status=400, message="m")
    with pytest.raises(ValueError, match="unknown API kind"):
        translate_error(client="openai", status=400, body=b"")


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=300), status=st.integers(100, 599), client=st.sampled_from(CLIENTS))
def test_any_body_yields_an_envelope(body: bytes, status: int, client: str) -> None:
    out = json.loads(
        translate_error(client=client, status=status, body=body, upstream="openai-chat")
    )
    assert isinstance(out["error"], dict)
    assert isinstance(out["error"]["message"], str)
    assert out["error"]["message"]
