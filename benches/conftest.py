"""Collects `bench_<concern>.py` files as tests, so `pytest benches` runs every bench once.

Timing is off by default (`--benchmark-disable` in pyproject's addopts); `make bench` passes
`--benchmark-enable`.
"""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("python_files", "bench_*.py")
