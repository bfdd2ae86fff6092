"""Model resolution: from what a client asked for to one configured provider and model id.

Order (reference inventory §2.3, §2.6, §3.2), first match wins:

1. the `x-arch-llm-provider-hint` header when present (`default` = the default provider),
   otherwise the request's `model`;
2. a `model_aliases` key (exact, case-sensitive; aliases do not chain);
3. a provider `name` (`openai/gpt-4o`, or a custom name);
4. a non-wildcard provider's bare model id (`gpt-4o`);
5. `prefix/model` against a wildcard provider `prefix/*` (the model id is passed through);
6. a bare id against the wildcard providers: the one whose model family it belongs to
   (`claude-…` → anthropic, `gpt-…` → openai, …), or — when the config has nothing but one
   wildcard provider (the zero-config shape) — that one;
7. no model at all: the `default: true` provider (the reference rejects a missing model; a
   default provider is exactly what a user configured for that case).

Anything else is `ModelNotFound`, listing what is configured.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from plano.config import Config
from plano.config.model import ModelProvider
from plano.errors import ModelNotFound
from plano.providers.catalog import canonical_name

HINT_HEADER = "x-arch-llm-provider-hint"
_MAX_LISTED = 25

# Model-id families, to place a bare id on the right wildcard provider.
_FAMILIES: dict[str, re.Pattern[str]] = {
    "openai": re.compile(r"^(gpt-|o[1-9](-|$)|chatgpt-|codex-|text-embedding-|dall-e|whisper)"),
    "anthropic": re.compile(r"^claude-"),
    "gemini": re.compile(r"^(gemini-|gemma-|learnlm-)"),
    "mistral": re.compile(r"^(mistral-|codestral-|magistral-|ministral-|pixtral-|devstral-)"),
    "deepseek": re.compile(r"^deepseek-"),
    "xai": re.compile(r"^grok-"),
    "moonshotai": re.compile(r"^(kimi-|moonshot-)"),
    "zhipu": re.compile(r"^glm-"),
    "qwen": re.compile(r"^(qwen|qwq-)"),
    "amazon_bedrock": re.compile(
        r"^([a-z]{2}\.)?(amazon|anthropic|meta|cohere|mistral|ai21|deepseek|openai|qwen|writer)\."
    ),
}


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """One provider model a request will be sent to."""

    provider: ModelProvider
    model_id: str
    """The id the upstream knows the model by (a wildcard's requested remainder)."""

    @property
    def name(self) -> str:
        """`provider/model_id`, the name used in logs, metrics and response headers."""
        return f"{self.provider.provider}/{self.model_id}"

    @property
    def provider_name(self) -> str:
        return self.provider.provider


class ModelRegistry:
    """Resolves requested model names against one config; built once per worker."""

    def __init__(self, config: Config) -> None:
        self._aliases = dict(config.model_aliases)
        self._default = config.default_provider
        self._by_name: dict[str, ModelProvider] = {}
        self._by_id: dict[str, ModelProvider] = {}
        self._wildcards: dict[str, ModelProvider] = {}
        for provider in config.model_providers:
            if provider.is_wildcard:
                self._wildcards.setdefault(provider.provider, provider)
                continue
            self._by_name.setdefault(provider.name, provider)
            self._by_id.setdefault(provider.model_id, provider)
        self._providers = config.model_providers
        self._cache: dict[str | None, ResolvedModel] = {}

    def resolve(self, requested: str | None) -> ResolvedModel:
        """The provider model for a requested name; raises `ModelNotFound`."""
        cached = self._cache.get(requested)
        if cached is not None:
            return cached
        resolved = self._resolve(requested)
        if len(self._cache) < 4096:  # wildcards admit unbounded names: cap the memo
            self._cache[requested] = resolved
        return resolved

    def _resolve(self, requested: str | None) -> ResolvedModel:
        if not requested or requested == "default":
            if self._default is not None:
                return ResolvedModel(self._default, self._default.model_id)
            raise ModelNotFound(
                "the request names no model and no provider is marked default: true; "
                f"configured models: {self.describe()}"
            )
        target = self._aliases.get(requested, requested)
        provider = self._by_name.get(target) or self._by_id.get(target)
        if provider is not None:
            return ResolvedModel(provider, provider.model_id)
        prefix, slash, rest = target.partition("/")
        if slash and rest:
            wildcard = self._wildcards.get(canonical_name(prefix) or prefix)
            if wildcard is not None:
                return ResolvedModel(wildcard, rest)
        elif self._wildcards:
            wildcard = self._wildcard_for_bare_id(target)
            if wildcard is not None:
                return ResolvedModel(wildcard, target)
        shown = f"{requested!r} (alias of {target!r})" if target != requested else repr(requested)
        raise ModelNotFound(
            f"model {shown} is not configured; configured models: {self.describe()}"
        )

    def _wildcard_for_bare_id(self, model_id: str) -> ModelProvider | None:
        for prefix, provider in self._wildcards.items():
            family = _FAMILIES.get(prefix)
            if family is not None and family.match(model_id):
                return provider
        if len(self._wildcards) == 1 and not self._by_name:
            return next(iter(self._wildcards.values()))
        return None

    def names(self) -> Iterable[str]:
        """Every name a client may use: provider names, wildcards and aliases."""
        yield from (p.name for p in self._providers)
        yield from self._aliases

    def describe(self) -> str:
        names = list(self.names())
        if not names:
            return "none (add model_providers to the config, or set a provider key variable)"
        shown = ", ".join(names[:_MAX_LISTED])
        return shown if len(names) <= _MAX_LISTED else f"{shown}, … ({len(names)} in all)"

    def listed_models(self) -> list[tuple[str, str]]:
        """`(id, owned_by)` for `GET /v1/models`: concrete providers, then aliases."""
        out = [(p.name, p.provider) for p in self._providers if not p.is_wildcard]
        out.extend((alias, "alias") for alias in self._aliases)
        return out
