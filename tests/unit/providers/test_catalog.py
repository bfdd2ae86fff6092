"""The static provider catalog."""

from __future__ import annotations

import dataclasses

import pytest

from plano.providers import get_provider_info, known_provider_names
from plano.providers.catalog import interface_names, resolve_interface

ALL = [
    "openai",
    "anthropic",
    "gemini",
    "groq",
    "mistral",
    "deepseek",
    "xai",
    "together_ai",
    "azure_openai",
    "ollama",
    "amazon_bedrock",
    "moonshotai",
    "zhipu",
    "qwen",
    "chatgpt",
    "digitalocean",
    "vercel",
    "openrouter",
    "edenai",
    "xiaomi",
    "plano",
]


def test_every_reference_provider_is_known() -> None:
    assert set(ALL) <= set(known_provider_names())


@pytest.mark.parametrize(
    ("name", "url", "key"),
    [
        ("openai", "https://api.openai.com", "OPENAI_API_KEY"),
        ("anthropic", "https://api.anthropic.com", "ANTHROPIC_API_KEY"),
        ("gemini", "https://generativelanguage.googleapis.com", "GEMINI_API_KEY"),
        ("groq", "https://api.groq.com", "GROQ_API_KEY"),
        ("mistral", "https://api.mistral.ai", "MISTRAL_API_KEY"),
        ("deepseek", "https://api.deepseek.com", "DEEPSEEK_API_KEY"),
        ("xai", "https://api.x.ai", "XAI_API_KEY"),
        ("together_ai", "https://api.together.xyz", "TOGETHER_API_KEY"),
    ],
)
def test_public_provider_facts(name: str, url: str, key: str) -> None:
    info = get_provider_info(name)
    assert info is not None
    assert (info.default_base_url, info.api_key_env, info.requires_base_url) == (url, key, False)


@pytest.mark.parametrize("name", ["azure_openai", "ollama", "qwen", "amazon_bedrock", "plano"])
def test_providers_without_a_public_endpoint_require_base_url(name: str) -> None:
    info = get_provider_info(name)
    assert info is not None
    assert info.requires_base_url
    assert info.default_base_url is None


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("google", "gemini"),
        ("together", "together_ai"),
        ("amazon", "amazon_bedrock"),
        ("do", "digitalocean"),
        ("do_ai", "digitalocean"),
    ],
)
def test_aliases_resolve_to_the_canonical_provider(alias: str, canonical: str) -> None:
    info = get_provider_info(alias)
    assert info is not None
    assert info.name == canonical


def test_unknown_provider_is_none() -> None:
    assert get_provider_info("vllm") is None


def test_provider_interfaces_match_the_reference_schema() -> None:
    reference = [
        "plano",
        "claude",
        "deepseek",
        "groq",
        "mistral",
        "openai",
        "xiaomi",
        "gemini",
        "chatgpt",
        "digitalocean",
        "vercel",
        "openrouter",
        "moonshotai",
        "edenai",
    ]
    assert set(reference) <= set(interface_names())
    assert resolve_interface("claude") == "anthropic"
    assert resolve_interface("zhipu") is None


def test_provider_info_is_frozen() -> None:
    info = get_provider_info("openai")
    assert info is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.name = "x"  # type: ignore[misc]
