"""`plano demo`: starts `plano mock` and the gateway on the bundled demo config, prints how to try
it with curl, and stops both on Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import socket
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from plano.errors import ConfigError
from plano.observability.logs import LOG_LEVELS, configure_logging
from plano.server.supervisor import RunOptions, Supervisor

if TYPE_CHECKING:
    from plano.cli import Subparsers

logger = logging.getLogger("plano.demo")

MOCK_READY_TIMEOUT_S = 20.0


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the gateway on a bundled demo config backed by the local mock provider",
        description=(
            "Start `plano mock` (a simulated OpenAI/Anthropic/Bedrock provider) and the gateway "
            "in front of it, on a bundled config with aliases. No API keys needed."
        ),
    )
    parser.add_argument("--port", type=int, default=12000, help="gateway port (default: 12000)")
    parser.add_argument(
        "--mock-port", type=int, default=12500, help="mock provider port (default: 12500)"
    )
    parser.add_argument("--workers", type=int, default=1, help="gateway workers (default: 1)")
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="Prometheus /metrics port (default: 9092; 0: off)",
    )
    parser.add_argument("--log-level", choices=LOG_LEVELS, default="info")
    parser.add_argument("--log-format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=demo_command)


def demo_config_text(port: int, mock_port: int) -> str:
    """The bundled demo config with its gateway and mock ports set."""
    data: dict[str, Any] = yaml.safe_load(
        files("plano.demo").joinpath("plano_config.yaml").read_text()
    )
    for listener in data["listeners"]:
        listener["port"] = port
    for provider in data["model_providers"]:
        provider["base_url"] = f"http://127.0.0.1:{mock_port}"
    return yaml.safe_dump(data, sort_keys=False)


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + MOCK_READY_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _banner(port: int, mock_port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    chat = '{"model": "fast", "messages": [{"role": "user", "content": "Hello!"}]}'
    messages = (
        '{"model": "smart", "max_tokens": 200, "messages": [{"role": "user", "content": "Hello!"}]}'
    )
    return (
        f"\nplano demo is up: gateway {base}, mock provider http://127.0.0.1:{mock_port}\n"
        "Try it (OpenAI and Anthropic clients, same gateway):\n"
        f"  curl {base}/v1/chat/completions -H 'content-type: application/json' -d '{chat}'\n"
        f"  curl {base}/v1/messages -H 'content-type: application/json' -d '{messages}'\n"
        f"  curl {base}/v1/models\n"
        "Stop with Ctrl-C.\n"
    )


def demo_command(args: argparse.Namespace) -> int:
    from plano.config import load_config

    configure_logging(args.log_level, args.log_format)
    with tempfile.TemporaryDirectory(prefix="plano-demo-") as workdir:
        config_path = Path(workdir) / "plano_config.yaml"
        config_path.write_text(demo_config_text(args.port, args.mock_port))
        try:
            config = load_config(config_path, {})
        except ConfigError as error:
            logger.error("the bundled demo config is invalid (a bug):\n%s", error)
            return 1
        mock = subprocess.Popen(  # noqa: S603 (argv is this interpreter and plano's own module)
            [
                sys.executable,
                "-m",
                "plano",
                "mock",
                "--host",
                "127.0.0.1",
                "--port",
                str(args.mock_port),
            ],
            start_new_session=True,
        )
        try:
            if not _wait_listening(args.mock_port, mock):
                logger.error("the mock provider did not start on port %d", args.mock_port)
                return 1
            options = RunOptions(
                config_path=config_path,
                workers=args.workers,
                log_level=args.log_level,
                log_format=args.log_format,
                grace_period_s=5.0,
                metrics_port=args.metrics_port,
            )
            banner = _banner(args.port, args.mock_port)
            return Supervisor(config, options, on_ready=lambda: print(banner, flush=True)).run()
        finally:
            mock.terminate()
            try:
                mock.wait(timeout=10)
            except subprocess.TimeoutExpired:
                mock.kill()
