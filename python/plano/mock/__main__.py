"""`python -m plano.mock [flags]`: the same as `plano mock [flags]`, without other subcommands."""

from __future__ import annotations

import argparse
import sys

from plano.mock.command import add_arguments, run


def main() -> int:
    parser = argparse.ArgumentParser(prog="plano mock")
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
