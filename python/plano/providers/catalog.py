"""Static facts about every provider prefix a config's `model:` may start with.

One frozen `ProviderInfo` per provider: its public base URL, whether a config must give
`base_url`, the environment variable zero-config reads its key from, and whether the name is
accepted as `provider_interface` for an unknown prefix. Spec: reference inventory §2.3, §3.4.
Upstream-API choice and path rewriting belong to the model listener and are added there.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """What plano knows about one provider, independent of any config file."""

    name: str
    default_base_url: str | None
    requires_base_url: bool
    api_key_env: str | None
    is_interface: bool
    """True when `provider_interface: <name>` may be used for an unknown prefix."""


def _info(
    name: str,
    base_url: str | None,
    key_env: str | None,
    *,
    requires_base_url: bool = False,
    is_interface: bool = False,
) -> ProviderInfo:
    return ProviderInfo(name, base_url, requires_base_url, key_env, is_interface)


_PROVIDERS: Final = (
    _info("openai", "https://api.openai.com", "OPENAI_API_KEY", is_interface=True),
    _info("anthropic", "https://api.anthropic.com", "ANTHROPIC_API_KEY"),
    _info(
        "gemini", "https://generativelanguage.googleapis.com", "GEMINI_API_KEY", is_interface=True
    ),
    _info("groq", "https://api.groq.com", "GROQ_API_KEY", is_interface=True),
    _info("mistral", "https://api.mistral.ai", "MISTRAL_API_KEY", is_interface=True),
    _info("deepseek", "https://api.deepseek.com", "DEEPSEEK_API_KEY", is_interface=True),
    _info("xai", "https://api.x.ai", "XAI_API_KEY"),
    _info("together_ai", "https://api.together.xyz", "TOGETHER_API_KEY"),
    _info("azure_openai", None, None, requires_base_url=True),
    _info("ollama", None, None, requires_base_url=True),
    _info("amazon_bedrock", None, None, requires_base_url=True),
    _info("moonshotai", "https://api.moonshot.ai", "MOONSHOTAI_API_KEY", is_interface=True),
    _info("zhipu", "https://open.bigmodel.cn", "ZHIPU_API_KEY"),
    _info("qwen", None, None, requires_base_url=True),
    # ChatGPT subscriptions authenticate through a device-code login, not an API key.
    _info("chatgpt", "https://chatgpt.com/backend-api/codex", None, is_interface=True),
    _info("digitalocean", "https://inference.do-ai.run", "DIGITALOCEAN_API_KEY", is_interface=True),
    _info("vercel", "https://ai-gateway.vercel.sh", "VERCEL_API_KEY", is_interface=True),
    _info("openrouter", "https://openrouter.ai/api", "OPENROUTER_API_KEY", is_interface=True),
    _info("edenai", "https://api.edenai.run", "EDENAI_API_KEY", is_interface=True),
    _info("xiaomi", "https://api.xiaomimimo.com", "XIAOMI_API_KEY", is_interface=True),
    # Plano's own hosted models (Arch-Router, Plano-Orchestrator); never sent an auth header.
    _info("plano", None, None, requires_base_url=True, is_interface=True),
)

PROVIDERS: Final = MappingProxyType({p.name: p for p in _PROVIDERS})
"""Every known provider by canonical name, in declaration order."""

ALIASES: Final = MappingProxyType(
    {
        "google": "gemini",
        "together": "together_ai",
        "amazon": "amazon_bedrock",
        "do": "digitalocean",
        "do_ai": "digitalocean",
        "arch": "plano",
    }
)
"""Alternative prefixes accepted in `model:` and the canonical provider each stands for."""

INTERFACE_ALIASES: Final = MappingProxyType({"claude": "anthropic", "arch": "plano"})
"""`provider_interface` spellings the reference schema accepts for a canonical provider."""


def canonical_name(name: str) -> str | None:
    """The canonical provider name for a prefix or alias, or None when plano does not know it."""
    if name in PROVIDERS:
        return name
    return ALIASES.get(name)


def get_provider_info(name: str) -> ProviderInfo | None:
    """The facts for a provider prefix (aliases resolved), or None when it is unknown."""
    canonical = canonical_name(name)
    return PROVIDERS[canonical] if canonical is not None else None


def interface_names() -> tuple[str, ...]:
    """Every value accepted as `provider_interface`, sorted."""
    names = {p.name for p in _PROVIDERS if p.is_interface} | set(INTERFACE_ALIASES)
    return tuple(sorted(names))


def resolve_interface(name: str) -> str | None:
    """The canonical provider a `provider_interface` value selects, or None when invalid."""
    if name in INTERFACE_ALIASES:
        return INTERFACE_ALIASES[name]
    info = PROVIDERS.get(name)
    return info.name if info is not None and info.is_interface else None


def known_provider_names() -> tuple[str, ...]:
    """Every canonical provider name, in catalog order."""
    return tuple(PROVIDERS)
