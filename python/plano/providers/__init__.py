"""Model providers: static facts about every provider plano knows (`catalog.py`)."""

from plano.providers.catalog import ProviderInfo, get_provider_info, known_provider_names

__all__ = ["ProviderInfo", "get_provider_info", "known_provider_names"]
