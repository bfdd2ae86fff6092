"""The gateway benchmark's scenarios: what a client sends, what the gateway sends upstream, and
the Plano config that wires a listener to the mock provider.

Each scenario is measured twice per round: DIRECT (the upstream request, straight to the mock:
exactly what the gateway itself has to send) and GATEWAY (the client's request, through
`plano run`). The difference is what the gateway adds. Non-streaming scenarios use a mock that
answers at once (pure overhead); streaming ones a mock pacing 20 chunks 2 ms apart after a
20 ms first token, as in the peer measurements (shared/reference/peers.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import orjson

ApiKind = Literal["openai-chat", "anthropic-messages", "bedrock-converse"]

MOCK_KEY_ENV = "PLANO_BENCH_MOCK_KEY"
MOCK_KEY = "bench-mock-key"
RATELIMIT_HEADER = "x-arch-ratelimit-selector"
RATELIMIT_VALUE = "bench"

STREAM_TTFT_MS = 20
STREAM_CHUNKS = 20
STREAM_GAP_MS = 2
FAST_TOKENS = 16

PROMPT = "Say hello to the benchmark."
MAX_TOKENS = 64

_MODELS: dict[ApiKind, str] = {
    "openai-chat": "gpt-4o-mini",
    "anthropic-messages": "claude-3-5-haiku-latest",
    "bedrock-converse": "amazon.nova-lite-v1:0",
}
_PROVIDER_PREFIX: dict[ApiKind, str] = {
    "openai-chat": "openai",
    "anthropic-messages": "anthropic",
    "bedrock-converse": "amazon_bedrock",
}


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A request template: path on the target, headers and body."""

    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class Scenario:
    """One gateway path to measure."""

    name: str
    description: str
    client_api: ApiKind
    upstream_api: ApiKind
    is_streaming: bool = False
    workers: int = 1
    has_ratelimit: bool = False

    @property
    def is_translated(self) -> bool:
        """Whether the gateway converts between two APIs on this path."""
        return self.client_api != self.upstream_api

    @property
    def upstream_model(self) -> str:
        """The model id the upstream provider serves."""
        return _MODELS[self.upstream_api]

    def client_request(self) -> HttpRequest:
        """What the client sends to the gateway (naming the upstream model by its bare id)."""
        request = api_request(self.client_api, self.upstream_model, self.is_streaming)
        if self.has_ratelimit:
            headers = (*request.headers, (RATELIMIT_HEADER, RATELIMIT_VALUE))
            return HttpRequest(request.path, headers, request.body)
        return request

    def upstream_request(self) -> HttpRequest:
        """What the gateway sends to the provider: the DIRECT arm sends exactly this."""
        return api_request(self.upstream_api, self.upstream_model, self.is_streaming)

    def config_yaml(self, *, gateway_port: int, mock_port: int) -> str:
        """A Plano config: one model listener, one provider on the mock (the default model)."""
        provider = f"{_PROVIDER_PREFIX[self.upstream_api]}/{self.upstream_model}"
        doc: dict[str, object] = {
            "version": "v0.4.0",
            "listeners": [
                {
                    "type": "model",
                    "name": "bench",
                    "address": "127.0.0.1",
                    "port": gateway_port,
                    "timeout": "60s",
                }
            ],
            "model_providers": [
                {
                    "model": provider,
                    "access_key": f"${MOCK_KEY_ENV}",
                    "base_url": f"http://127.0.0.1:{mock_port}",
                    "default": True,
                }
            ],
        }
        if self.has_ratelimit:
            doc["ratelimits"] = [
                {
                    "model": provider,
                    "selector": {"key": RATELIMIT_HEADER, "value": RATELIMIT_VALUE},
                    # Far above anything a benchmark can send: the limiter runs, never triggers.
                    "limit": {"tokens": 1_000_000_000_000, "unit": "second"},
                }
            ]
        # JSON is valid YAML; the generated file needs no YAML writer.
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"


def api_request(api: ApiKind, model: str, is_streaming: bool) -> HttpRequest:
    """A small chat request in `api`'s wire format."""
    json = ("content-type", "application/json")
    if api == "openai-chat":
        body: dict[str, object] = {
            "model": model,
            "messages": [{"role": "user", "content": PROMPT}],
            "max_tokens": MAX_TOKENS,
        }
        if is_streaming:
            body["stream"] = True
        auth = ("authorization", f"Bearer {MOCK_KEY}")
        return HttpRequest("/v1/chat/completions", (json, auth), orjson.dumps(body))
    if api == "anthropic-messages":
        body = {
            "model": model,
            "max_tokens": MAX_TOKENS,
            "messages": [{"role": "user", "content": PROMPT}],
        }
        if is_streaming:
            body["stream"] = True
        headers = (json, ("x-api-key", MOCK_KEY), ("anthropic-version", "2023-06-01"))
        return HttpRequest("/v1/messages", headers, orjson.dumps(body))
    body = {
        "messages": [{"role": "user", "content": [{"text": PROMPT}]}],
        "inferenceConfig": {"maxTokens": MAX_TOKENS},
    }
    action = "converse-stream" if is_streaming else "converse"
    auth = ("authorization", f"Bearer {MOCK_KEY}")
    return HttpRequest(f"/model/{model}/{action}", (json, auth), orjson.dumps(body))


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("openai", "OpenAI client -> OpenAI upstream", "openai-chat", "openai-chat"),
    Scenario(
        "openai-stream",
        "OpenAI client -> OpenAI upstream, streaming",
        "openai-chat",
        "openai-chat",
        is_streaming=True,
    ),
    Scenario(
        "anthropic-to-openai",
        "Anthropic client -> OpenAI upstream (translated)",
        "anthropic-messages",
        "openai-chat",
    ),
    Scenario(
        "anthropic-to-openai-stream",
        "Anthropic client -> OpenAI upstream (translated), streaming",
        "anthropic-messages",
        "openai-chat",
        is_streaming=True,
    ),
    Scenario(
        "openai-to-bedrock",
        "OpenAI client -> Bedrock Converse upstream (translated)",
        "openai-chat",
        "bedrock-converse",
    ),
    Scenario(
        "openai-to-bedrock-stream",
        "OpenAI client -> Bedrock Converse upstream (translated), streaming",
        "openai-chat",
        "bedrock-converse",
        is_streaming=True,
    ),
    Scenario(
        "openai-ratelimit",
        "OpenAI -> OpenAI with a rate limit that never triggers",
        "openai-chat",
        "openai-chat",
        has_ratelimit=True,
    ),
    Scenario(
        "openai-workers",
        "OpenAI -> OpenAI, one worker per CPU (N workers)",
        "openai-chat",
        "openai-chat",
        workers=0,
    ),
)
"""`workers=0` means one per usable CPU."""

QUICK: tuple[str, ...] = ("openai", "openai-stream")
BY_NAME: dict[str, Scenario] = {s.name: s for s in SCENARIOS}


def select(names: str | None, *, is_quick: bool) -> list[Scenario]:
    """Scenarios by comma-separated names (`all` or None: every one; quick: the QUICK set)."""
    if names is None or names == "all":
        wanted = list(QUICK) if is_quick and names is None else [s.name for s in SCENARIOS]
    else:
        wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in BY_NAME]
    if unknown:
        known = ", ".join(BY_NAME)
        raise ValueError(f"unknown scenario(s) {', '.join(unknown)}; known: {known}")
    return [BY_NAME[n] for n in wanted]
