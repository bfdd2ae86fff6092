"""`plano mock`: run the simulated LLM provider on Granian (RSGI, uvloop).

Knob flags set the defaults that `x-mock-*` request headers override per request. With
`--workers N > 1` every worker process keeps its own request log and fault counters.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from plano.mock.app import AppSettings, create_app
from plano.mock.knobs import KNOB_NAMES, Knobs, parse_knob

if TYPE_CHECKING:
    from plano.cli import Subparsers

logger = logging.getLogger(__name__)

_KNOB_HELP = {
    "ttft_ms": "time to first token, ms",
    "tokens": "output tokens (content chunks) per reply",
    "itl_ms": "delay between tokens, ms",
    "size_bytes": "exact UTF-8 size of the reply text (0: natural size)",
    "model": "model name to report (default: echo the request's model)",
    "headers_delay_ms": "delay before the response headers, ms",
    "fail_status": "HTTP status of injected failures (0: off)",
    "fail_count": "how many requests per fail key fail before success (-1: every one)",
    "retry_after": "Retry-After header value on injected failures",
    "cut_after": "close the connection abruptly after this many stream events (0: off)",
    "malformed_chunk": "make stream event number N (1-based) malformed (0: off)",
    "stream_error_after": "after N stream events send the provider's error event and end (0: off)",
    "reasoning": "emit reasoning/thinking content (1/0)",
    "tool_call": "tool to call when tools are offered ('*': the first one)",
}
_CLI_KNOBS = tuple(name for name in KNOB_NAMES if name != "fail_key")


def register(subparsers: Subparsers) -> None:
    """Add the `mock` subcommand."""
    parser = subparsers.add_parser(
        "mock",
        help="run a simulated LLM provider (OpenAI, Anthropic, Bedrock, Gemini wire formats)",
        description="Run a fast simulated LLM provider. Every knob flag is a default that the "
        "matching x-mock-<name> request header overrides (e.g. --ttft-ms / x-mock-ttft-ms).",
    )
    add_arguments(parser)
    parser.set_defaults(handler=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `plano mock` flags (shared with `python -m plano.mock`)."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="port to bind (default 8090)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument(
        "--record-limit",
        type=int,
        default=200,
        help="requests kept for GET /__mock/requests, per worker (default 200; 0 disables)",
    )
    parser.add_argument(
        "--models",
        default="mock-model",
        help="comma-separated model ids listed by GET /v1/models (default mock-model)",
    )
    parser.add_argument(
        "--shutdown-timeout",
        type=int,
        default=2,
        help="seconds in-flight responses may finish after SIGINT/SIGTERM before workers are "
        "stopped (default 2)",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=("debug", "info", "warning", "error"),
        help="server log level (default warning)",
    )
    defaults = Knobs()
    knobs = parser.add_argument_group("reply knobs (defaults; x-mock-<name> headers override)")
    for name in _CLI_KNOBS:
        knobs.add_argument(
            "--" + name.replace("_", "-"),
            dest="knob_" + name,
            metavar="VALUE",
            default=None,
            help=f"{_KNOB_HELP[name]} (default {getattr(defaults, name)!r})",
        )


def settings_from_args(args: argparse.Namespace) -> AppSettings:
    """Validate the flags into frozen app settings."""
    changes: dict[str, Any] = {}
    for name in _CLI_KNOBS:
        value = getattr(args, "knob_" + name)
        if value is not None:
            try:
                changes[name] = parse_knob(name, value)
            except ValueError as exc:
                raise SystemExit(f"plano mock: --{name.replace('_', '-')}: {exc}") from None
    knobs = dataclasses.replace(Knobs(), **changes)
    models = tuple(model.strip() for model in args.models.split(",") if model.strip())
    return AppSettings(defaults=knobs, record_limit=args.record_limit, models=models)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; exit 0 on a clean shutdown."""
    from granian import Granian
    from granian.constants import Interfaces, Loops
    from granian.log import LogLevels

    settings = settings_from_args(args)
    if args.workers < 1:
        raise SystemExit("plano mock: --workers must be >= 1")
    server = Granian(
        "plano.mock.app:create_app",
        address=args.host,
        port=args.port,
        interface=Interfaces.RSGI,
        workers=args.workers,
        loop=Loops.uvloop,
        log_level=LogLevels(args.log_level),
        log_access=False,
        backlog=2048,
        workers_kill_timeout=max(1, args.shutdown_timeout),
    )
    print(  # CLI output: where to point clients
        f"plano mock: http://{args.host}:{args.port} "
        f"({args.workers} worker{'s' if args.workers != 1 else ''})",
        flush=True,
    )
    server.serve(target_loader=partial(create_app, settings), wrap_loader=False)
    return 0
