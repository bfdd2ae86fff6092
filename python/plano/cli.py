"""The `plano` command line.

Each concern owns its subcommands in a `command.py` module exposing
`register(subparsers) -> None`; that function adds its parsers and sets `handler`, a callable
taking the parsed namespace and returning the process exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TypeAlias

from plano import __version__

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Register: TypeAlias = Callable[[Subparsers], None]


def _registrations() -> tuple[Register, ...]:
    # Imported here so `plano --version` stays fast and a broken concern cannot hide the others.
    from plano.bench import command as bench_command
    from plano.config import command as config_command
    from plano.demo import command as demo_command
    from plano.mock import command as mock_command
    from plano.server import command as server_command

    return (
        server_command.register,
        config_command.register,
        demo_command.register,
        mock_command.register,
        bench_command.register,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plano",
        description="plano: an AI-native gateway for agentic applications.",
    )
    parser.add_argument("--version", action="version", version=f"plano {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for register in _registrations():
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
