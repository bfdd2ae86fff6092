"""Where and how plano calls a provider: upstream API, URL and authentication.

Spec: reference inventory §3.3-§3.5, with these deliberate differences:

* Anthropic models are always called on the native Messages API (the reference sends OpenAI
  clients to Anthropic's OpenAI-compatibility endpoint, which Anthropic itself describes as not
  production-ready and which drops thinking, caching and citations).
* Gemini models are called on the native `generateContent` API (the reference uses Gemini's
  OpenAI-compatibility layer); auth is `x-goog-api-key`.
* Azure OpenAI authenticates with the `api-key` header its API documents.
* An Anthropic client talking to Groq/Gemini/Azure/Zhipu/Qwen gets that provider's real path
  (the reference falls back to a generic `/v1/chat/completions`: inventory §3.5).
* Client headers are never forwarded wholesale: only tracing ids and API feature flags
  (`anthropic-beta`, `openai-beta`) reach the upstream, so client credentials leak nowhere unless
  `passthrough_auth` asks for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from plano.config.model import ModelProvider
from plano.providers.catalog import get_provider_info
from plano.types import ApiKind, ClientApi, Headers

ANTHROPIC_VERSION = "2023-06-01"
AZURE_API_VERSION = "2025-01-01-preview"

# Providers whose OpenAI-compatible Chat endpoint lives under a prefix other than `/v1`.
_CHAT_PREFIX = {
    "groq": "/openai/v1",
    "zhipu": "/api/paas/v4",
    "qwen": "/compatible-mode/v1",
    "gemini": "/v1beta/openai",
}
_NATIVE_RESPONSES = frozenset({"openai", "xai", "chatgpt", "vercel"})
# Headers a client may send that carry API features rather than identity; forwarded as-is.
_FEATURE_HEADERS = {
    "anthropic-messages": ("anthropic-beta",),
    "openai-chat": ("openai-beta",),
    "openai-responses": ("openai-beta",),
}
TRACE_HEADERS = ("x-request-id", "traceparent", "tracestate")


def upstream_api(interface: str, client: ClientApi) -> ApiKind:
    """The API plano speaks to a provider of `interface` for a client speaking `client`."""
    if interface == "anthropic":
        return "anthropic-messages"
    if interface == "amazon_bedrock":
        return "bedrock-converse"
    if interface == "gemini":
        return "gemini"
    if interface == "vercel" and client in ("anthropic-messages", "openai-responses"):
        return client
    if client == "openai-responses" and interface in _NATIVE_RESPONSES:
        return "openai-responses"
    return "openai-chat"


def upstream_path(
    provider: ModelProvider, api: ApiKind, model_id: str, *, is_streaming: bool
) -> str:
    """The request path (and query) on the provider's origin."""
    prefix = f"/{provider.base_url_path_prefix}" if provider.base_url_path_prefix else None
    interface = provider.provider_interface
    if api == "bedrock-converse":
        action = "converse-stream" if is_streaming else "converse"
        return f"{prefix or ''}/model/{quote(model_id, safe='')}/{action}"
    if api == "gemini":
        action = "streamGenerateContent?alt=sse" if is_streaming else "generateContent"
        return f"{prefix or '/v1beta'}/models/{quote(model_id, safe='')}:{action}"
    if api == "anthropic-messages":
        return f"{prefix or '/v1'}/messages"
    if api == "openai-responses":
        return f"{prefix or '/v1'}/responses"
    if interface == "azure_openai":
        deployment = quote(model_id, safe="")
        base = prefix if prefix is not None else "/openai/deployments"
        return f"{base}/{deployment}/chat/completions?api-version={AZURE_API_VERSION}"
    if prefix is not None:
        return f"{prefix}/chat/completions"
    if provider.name.startswith("perplexity/"):
        return "/chat/completions"
    return f"{_CHAT_PREFIX.get(interface, '/v1')}/chat/completions"


def origin_of(provider: ModelProvider) -> str:
    """`scheme://host[:port]` of the provider: its base_url, else the catalog's public URL."""
    if provider.base_url:
        parts = urlsplit(provider.base_url)
        return f"{parts.scheme}://{parts.netloc}"
    info = get_provider_info(provider.provider_interface)
    if info is None or info.default_base_url is None:
        raise ValueError(f"provider {provider.name!r} has no base_url and no public default")
    parts = urlsplit(info.default_base_url)
    return f"{parts.scheme}://{parts.netloc}"


def _default_prefix(provider: ModelProvider) -> ModelProvider:
    """Providers whose catalog URL carries a path (e.g. ChatGPT) use it as their prefix."""
    if provider.base_url or provider.base_url_path_prefix:
        return provider
    info = get_provider_info(provider.provider_interface)
    path = urlsplit(info.default_base_url).path.strip("/") if info and info.default_base_url else ""
    if not path:
        return provider
    from dataclasses import replace

    return replace(provider, base_url_path_prefix=path)


def _auth_header(api: ApiKind, interface: str, credential: str) -> tuple[str, str]:
    if api == "anthropic-messages":
        return ("x-api-key", credential)
    if api == "gemini":
        return ("x-goog-api-key", credential)
    if interface == "azure_openai":
        return ("api-key", credential)
    return ("authorization", f"Bearer {credential}")


def client_credential(headers: Callable[[str], str | None]) -> str | None:
    """The credential a client sent: `Authorization` (Bearer stripped) wins over `x-api-key`."""
    authorization = headers("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token else authorization.strip()
    return headers("x-api-key") or headers("x-goog-api-key") or headers("api-key")


@dataclass(frozen=True, slots=True)
class UpstreamTarget:
    """Everything static about calling one provider model for one client API and stream mode."""

    api: ApiKind
    url: str
    base_headers: tuple[tuple[str, str], ...]
    """Content type, auth (unless passthrough) and the provider's configured `headers`."""
    host_header: str | None
    passthrough_auth: bool
    interface: str
    feature_headers: tuple[str, ...]

    def headers(self, client_header: Callable[[str], str | None]) -> Headers:
        """The upstream request headers for one request (trace ids and feature flags added)."""
        out = list(self.base_headers)
        if self.passthrough_auth:
            credential = client_credential(client_header)
            if credential:
                out.append(_auth_header(self.api, self.interface, credential))
        for name in (*TRACE_HEADERS, *self.feature_headers):
            value = client_header(name)
            if value is not None:
                out.append((name, value))
        return out


def build_target(
    provider: ModelProvider, model_id: str, client: ClientApi, *, is_streaming: bool
) -> UpstreamTarget:
    """The upstream target of a provider model for one client API and stream mode."""
    api = upstream_api(provider.provider_interface, client)
    interface = provider.provider_interface
    provider = _default_prefix(provider)
    url = origin_of(provider) + upstream_path(provider, api, model_id, is_streaming=is_streaming)
    headers: list[tuple[str, str]] = [("content-type", "application/json")]
    if api == "anthropic-messages":
        headers.append(("anthropic-version", ANTHROPIC_VERSION))
    if is_streaming and api == "bedrock-converse":
        headers.append(("accept", "application/vnd.amazon.eventstream"))
    elif is_streaming:
        headers.append(("accept", "text/event-stream"))
    else:
        headers.append(("accept", "application/json"))
    if provider.access_key is not None and not provider.passthrough_auth and interface != "plano":
        headers.append(_auth_header(api, interface, provider.access_key.reveal()))
    configured: Mapping[str, str] = provider.headers
    if configured:
        overridden = {name.lower() for name in configured}
        headers = [(k, v) for k, v in headers if k not in overridden]
        headers.extend((name.lower(), value) for name, value in configured.items())
    return UpstreamTarget(
        api=api,
        url=url,
        base_headers=tuple(headers),
        host_header=provider.http_host,
        passthrough_auth=provider.passthrough_auth,
        interface=interface,
        feature_headers=_FEATURE_HEADERS.get(api, ()),
    )
