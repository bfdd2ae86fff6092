"""`plano mock` is registered on the `plano` command line with its flags."""

from __future__ import annotations

import subprocess
import sys


def test_plano_cli_registers_mock() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "plano.cli", "mock", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for flag in ("--port", "--workers", "--ttft-ms", "--fail-status", "--cut-after"):
        assert flag in result.stdout


def test_invalid_flag_value_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "plano.mock", "--port", "1", "--tokens", "zero"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "--tokens" in result.stderr
