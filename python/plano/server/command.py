"""`plano run`: the gateway in the foreground."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from plano.errors import ConfigError
from plano.observability.logs import LOG_LEVELS, LogFormat, configure_logging
from plano.server.supervisor import RunOptions, Supervisor, find_config_file

if TYPE_CHECKING:
    from plano.cli import Subparsers
    from plano.config import Config

logger = logging.getLogger("plano")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the gateway in the foreground",
        description=(
            "Serve every listener of a Plano config. Without --config, plano looks for "
            "$PLANO_CONFIG, then ./plano_config.yaml, then ./config.yaml; with none of them it "
            "runs zero-config: a model listener on 0.0.0.0:12000 with a provider for every known "
            "provider whose API key variable is set (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...)."
        ),
    )
    parser.add_argument("--config", "-c", metavar="FILE", help="the Plano config file to serve")
    parser.add_argument(
        "--workers",
        "-w",
        type=_positive_int,
        default=1,
        help="worker processes per listener, sharing its port (default: 1)",
    )
    parser.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default=os.environ.get("LOG_LEVEL", "info").lower()
        if os.environ.get("LOG_LEVEL", "info").lower() in LOG_LEVELS
        else "info",
        help="log level (default: $LOG_LEVEL or info)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="log line format on stderr (default: text)",
    )
    parser.add_argument(
        "--listener-port",
        type=_positive_int,
        default=12000,
        metavar="PORT",
        help="zero-config only: the model listener's port (default: 12000)",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        metavar="PORT",
        help="Prometheus /metrics port (default: the config's metrics.port, 9092; 0: off)",
    )
    parser.add_argument(
        "--grace-period",
        type=_non_negative_float,
        default=30.0,
        metavar="SECONDS",
        help="on SIGTERM/SIGINT, how long in-flight requests and streams may finish (default: 30)",
    )
    parser.set_defaults(handler=run_command)


def load_run_config(config_path: Path | None, zero_config_port: int) -> Config:
    """The config to serve; raises `ConfigError` or `OSError`."""
    from plano.config import load_config, zero_config

    if config_path is None:
        return zero_config(os.environ, port=zero_config_port)
    return load_config(config_path, os.environ)


def run_command(args: argparse.Namespace) -> int:
    log_format: LogFormat = args.log_format
    configure_logging(args.log_level, log_format)
    config_path = find_config_file(args.config, os.environ, Path.cwd())
    if config_path is not None and not config_path.is_file():
        logger.error("config file %s does not exist", config_path)
        return 1
    try:
        config = load_run_config(config_path, args.listener_port)
    except ConfigError as error:
        logger.error("cannot run %s\n%s", config_path or "zero-config", error)
        return 1
    except OSError as error:
        logger.error("cannot read %s: %s", config_path, error)
        return 1
    for warning in config.warnings:
        logger.warning("%s", warning)
    logger.info("serving %s", config_path or "zero-config (no config file found)")
    options = RunOptions(
        config_path=config_path,
        workers=args.workers,
        log_level=args.log_level,
        log_format=log_format,
        grace_period_s=args.grace_period,
        zero_config_port=args.listener_port,
        metrics_port=args.metrics_port,
    )
    return Supervisor(config, options).run()
