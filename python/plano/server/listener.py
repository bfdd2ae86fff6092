"""One listener's server process: Granian on the listener's address and port with N workers.

Started by the supervisor as `python -m plano.server.listener`; everything it needs arrives in
environment variables (see `app.py`) and its arguments. Granian's main process handles
SIGTERM/SIGINT: it stops its workers, each of which stops accepting and finishes in-flight
requests, waiting at most the grace period before they are killed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from granian import Granian
from granian.constants import HTTPModes, Interfaces, Loops
from granian.log import LogLevels

APP_FACTORY = "plano.server.app:create_app"


def granian_log_config(log_format: str) -> dict[str, Any]:
    """Routes Granian's own log lines through plano's formatter on stderr."""
    formatter = (
        "plano.observability.logs.JsonFormatter"
        if log_format == "json"
        else "plano.observability.logs.TextFormatter"
    )
    return {
        "formatters": {"generic": {"()": formatter}},
        "handlers": {
            "console": {
                "formatter": "generic",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {"_granian": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plano.server.listener")
    parser.add_argument("--address", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--grace-period", type=float, default=30.0)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--log-format", default="text")
    args = parser.parse_args(argv)
    # Granian logs its lifecycle at info; keep that out of the way unless asked for.
    granian_level = LogLevels.info if args.log_level == "debug" else LogLevels.warning
    server = Granian(
        APP_FACTORY,
        address=args.address,
        port=args.port,
        interface=Interfaces.RSGI,
        workers=args.workers,
        loop=Loops.uvloop,
        http=HTTPModes.auto,
        factory=True,
        log_level=granian_level,
        log_dictconfig=granian_log_config(args.log_format),
        log_access=False,
        workers_kill_timeout=max(1, round(args.grace_period)),
    )
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
