"""The `plano validate` and `plano init` commands.

`validate FILE`: exit 0 with a one-line summary on stdout (warnings on stderr); exit 1 with
every located problem on stderr, one per line; exit 2 when the file is missing, unreadable or
not YAML. Environment variables are not required (unset ones are warnings).
`init [PATH]`: write a starter config from a bundled template (`plano/templates/*.yaml`).
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from plano.config.load import ConfigFileError, load_config
from plano.config.model import Config
from plano.errors import ConfigError

if TYPE_CHECKING:
    from plano.cli import Subparsers

DEFAULT_TEMPLATE = "model_proxy"
DEFAULT_CONFIG_NAME = "plano_config.yaml"


def register(subparsers: Subparsers) -> None:
    """Add the `validate` and `init` subcommands."""
    validate = subparsers.add_parser(
        "validate",
        help="check a config file and report every problem",
        description=(
            "Check a plano config file (the reference Plano format) without starting anything. "
            "Prints a one-line summary and exits 0 when it is valid; prints every problem with "
            "its location and exits 1 when it is not; exits 2 when the file cannot be read or "
            "is not YAML. Environment variables need not be set: unset ones are warnings."
        ),
    )
    validate.add_argument("file", type=Path, metavar="FILE", help="the config file to check")
    validate.set_defaults(handler=run_validate)

    init = subparsers.add_parser(
        "init",
        help="write a starter config file",
        description="Write a commented starter config from a bundled template.",
    )
    init.add_argument(
        "path",
        type=Path,
        nargs="?",
        default=Path(DEFAULT_CONFIG_NAME),
        metavar="PATH",
        help=f"where to write it (default ./{DEFAULT_CONFIG_NAME}; a directory gets "
        f"{DEFAULT_CONFIG_NAME} inside it)",
    )
    init.add_argument(
        "--template",
        default=DEFAULT_TEMPLATE,
        metavar="NAME",
        help=f"which starter to write (default {DEFAULT_TEMPLATE}; see --list-templates)",
    )
    init.add_argument("--list-templates", action="store_true", help="list the templates and exit")
    init.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    init.set_defaults(handler=run_init)


def summarize(config: Config, name: str) -> str:
    """One line describing a valid config."""
    counts = (
        _count(len(config.listeners), "listener"),
        _count(len(config.model_providers), "model provider"),
        _count(len(config.model_aliases), "alias", "aliases"),
        _count(len(config.agents), "agent"),
    )
    return f"valid: {name} — {', '.join(counts)}"


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def run_validate(args: argparse.Namespace) -> int:
    """Handler of `plano validate FILE`."""
    path: Path = args.file
    try:
        config = load_config(path, require_env=False)
    except ConfigFileError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        count = len(exc.problems)
        print(f"invalid: {path} — {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    for warning in config.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(summarize(config, path.name))
    return 0


def template_names() -> tuple[str, ...]:
    """The bundled template names, sorted."""
    files = resources.files("plano.templates").iterdir()
    return tuple(sorted(f.name.removesuffix(".yaml") for f in files if f.name.endswith(".yaml")))


def template_text(name: str) -> str:
    """The text of one bundled template."""
    return resources.files("plano.templates").joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def _description(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    return first.removeprefix("#").strip()


def run_init(args: argparse.Namespace) -> int:
    """Handler of `plano init`."""
    names = template_names()
    if args.list_templates:
        width = max(len(n) for n in names)
        for name in names:
            marker = " (default)" if name == DEFAULT_TEMPLATE else ""
            print(f"{name:<{width}}  {_description(template_text(name))}{marker}")
        return 0
    if args.template not in names:
        print(
            f"error: unknown template '{args.template}'; choose one of {', '.join(names)}",
            file=sys.stderr,
        )
        return 2
    path: Path = args.path
    if path.is_dir():
        path = path / DEFAULT_CONFIG_NAME
    if path.exists() and not args.force:
        print(f"error: {path} already exists; use --force to overwrite it", file=sys.stderr)
        return 1
    try:
        path.write_text(template_text(args.template), encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {path} (template {args.template})")
    print(f"next: set the API keys it names, then `plano validate {path}`")
    return 0
