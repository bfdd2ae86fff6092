"""Zero-config: the Config plano runs with when no config file is given.

One model listener `llm` on 0.0.0.0:<port> and a wildcard provider (`openai/*`, …) for every
catalog provider whose API-key variable is set, keyed from it (reference inventory §11.2).
With no key set the Config is still valid, has no providers, and says so in `warnings`.
"""

from __future__ import annotations

from collections.abc import Mapping

from plano.config.model import Config, Listener, ModelProvider, Secret
from plano.providers.catalog import PROVIDERS

LISTENER_NAME = "llm"


def zero_config(env: Mapping[str, str], port: int = 12000) -> Config:
    """The zero-config Config for these environment variables."""
    providers = tuple(
        ModelProvider(
            name=f"{info.name}/*",
            model=f"{info.name}/*",
            provider=info.name,
            model_id="*",
            provider_interface=info.name,
            is_wildcard=True,
            access_key=Secret(env[info.api_key_env]),
        )
        for info in PROVIDERS.values()
        if info.api_key_env is not None and env.get(info.api_key_env)
    )
    warnings: tuple[str, ...] = ()
    if not providers:
        names = ", ".join(
            info.api_key_env for info in PROVIDERS.values() if info.api_key_env is not None
        )
        warnings = (
            "zero-config: no provider API key is set, so no models are available; "
            f"set one of {names} or pass a config file",
        )
    return Config(
        version="v0.4.0",
        listeners=(Listener(name=LISTENER_NAME, type="model", address="0.0.0.0", port=port),),
        model_providers=providers,
        source="zero-config",
        warnings=warnings,
    )
