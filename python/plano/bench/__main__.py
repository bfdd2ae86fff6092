"""`python -m plano.bench run|load ...`: the same as `plano bench ...`, without other commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from plano.bench.command import register


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` (default: the command line) as `plano bench` arguments and run them."""
    parser = argparse.ArgumentParser(prog="plano")
    register(parser.add_subparsers())
    args = parser.parse_args(["bench", *(sys.argv[1:] if argv is None else argv)])
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
