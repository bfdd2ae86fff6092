"""plano: an AI-native gateway for agentic applications.

Python orchestrates (config, routing, agents, state); the byte-level hot paths live in the Rust
extension `plano._core`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("plano")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
