"""Route resolution per listener type, and Gemini's parameterised path."""

from __future__ import annotations

import pytest

from plano.config import parse_config
from plano.errors import MethodNotAllowed, NotFound
from plano.server.model_listener import GEMINI_PATH
from plano.server.routes import build_router, handler_name


@pytest.mark.parametrize(
    ("path", "model", "action"),
    [
        ("/v1beta/models/gemini-2.5-flash:generateContent", "gemini-2.5-flash", "generateContent"),
        (
            "/v1beta/models/us.amazon.nova-pro-v1:0:streamGenerateContent",
            "us.amazon.nova-pro-v1:0",
            "streamGenerateContent",
        ),
        ("/v1beta/models/openai/gpt-4o:generateContent", "openai/gpt-4o", "generateContent"),
    ],
)
def test_gemini_path_keeps_colons_and_slashes_in_the_model(
    path: str, model: str, action: str
) -> None:
    match = GEMINI_PATH.match(path)
    assert match is not None
    assert (match["model"], match["action"]) == (model, action)


def router_for(kind: str):  # type: ignore[no-untyped-def]
    listener = {"name": "l", "type": kind, "port": 1}
    data = {
        "version": "v0.4.0",
        "listeners": [listener],
        "model_providers": [{"model": "openai/gpt-4o", "access_key": "k"}],
    }
    if kind == "agent":
        data["agents"] = [{"id": "a", "url": "http://127.0.0.1:1"}]
        listener["agents"] = [{"id": "a", "description": "d"}]
    config = parse_config(data, {}, require_env=False, source="test")
    router, _ = build_router(config.listeners[0], config)
    return router


def test_model_listener_routes_its_apis_and_rejects_the_rest() -> None:
    router = router_for("model")
    for path in ("/v1/chat/completions", "/v1/messages", "/v1/responses"):
        router.resolve("POST", path)
    router.resolve("POST", "/v1beta/models/gemini-2.5-flash:generateContent")
    router.resolve("OPTIONS", "/v1/models")
    with pytest.raises(NotFound):
        router.resolve("POST", "/v1/embeddings")
    with pytest.raises(MethodNotAllowed) as caught:
        router.resolve("GET", "/v1/chat/completions")
    assert caught.value.allowed == ("POST",)


def test_every_listener_type_answers_healthz() -> None:
    for kind in ("model", "prompt", "agent"):
        router_for(kind).resolve("GET", "/healthz")


def test_handler_names_are_fixed_labels_not_paths() -> None:
    assert handler_name("/v1/chat/completions") == "chat_completions"
    assert handler_name("/v1beta/models/x:generateContent") == "gemini"
    assert handler_name("/some/attacker/chosen/path") == "other"
