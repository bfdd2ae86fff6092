"""Reading a config file: safe YAML, `$VAR`/`${VAR}` substitution, migration, validation.

`load_config(path)` and `parse_config(data)` are the only ways a `Config` is made from a file.
Substitution applies to every string value (never to keys), like the reference's envsubst.
An unset variable is an error naming the variable and the key, or with `require_env=False`
(used by `plano validate`) a warning. Values of substituted variables never appear in messages.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import yaml

from plano.config.migrate import migrate
from plano.config.model import Config
from plano.config.reader import Problems, join
from plano.config.validate import build_config
from plano.errors import ConfigError, ConfigProblem

_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


class ConfigFileError(ConfigError):
    """The config file is missing, unreadable or not YAML (as opposed to an invalid config)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key repeated in one mapping instead of keeping the last."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[object, object]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key '{key}'",
                key_node.start_mark,
            )
        seen.add(key)
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node))


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def read_yaml(path: Path) -> object:
    """The parsed YAML document at `path`; ConfigFileError with line/column when it is not YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigFileError([ConfigProblem("", f"{path}: no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigFileError([ConfigProblem("", f"{path}: cannot read file: {reason}")]) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigFileError([ConfigProblem("", f"{path}: {_describe_yaml_error(exc)}")]) from None


def _describe_yaml_error(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        return (
            f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}{context}"
        )
    return f"not valid YAML: {exc}"


def load_config(
    path: Path, env: Mapping[str, str] | None = None, *, require_env: bool = True
) -> Config:
    """Read, migrate and validate the config at `path`; raise ConfigError with every problem."""
    data = read_yaml(path)
    return parse_config(
        data, os.environ if env is None else env, require_env=require_env, source=str(path)
    )


def parse_config(
    data: object, env: Mapping[str, str] | None = None, *, require_env: bool = True, source: str
) -> Config:
    """Build a Config from an already-parsed YAML document (see `load_config`)."""
    problems = Problems()
    if data is None:
        raise ConfigError([ConfigProblem("", "the config is empty")])
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem("", "the config must be a mapping of keys to values")])
    substituted = substitute_env(
        data, os.environ if env is None else env, problems, require_env=require_env
    )
    assert isinstance(substituted, dict)
    migrated = migrate(substituted, problems)
    config = build_config(migrated, problems, source=source)
    if problems.problems:
        raise ConfigError(problems.problems)
    return replace(config, warnings=tuple(problems.warnings))


def substitute_env(
    value: object,
    env: Mapping[str, str],
    problems: Problems,
    *,
    require_env: bool,
    location: str = "",
) -> object:
    """A copy of `value` with `$VAR`/`${VAR}` replaced in every string (keys untouched)."""
    if isinstance(value, str):
        return _substitute(value, env, problems, require_env=require_env, location=location)
    if isinstance(value, list):
        return [
            substitute_env(item, env, problems, require_env=require_env, location=join(location, i))
            for i, item in enumerate(value)
        ]
    if isinstance(value, dict):
        return {
            key: substitute_env(
                item, env, problems, require_env=require_env, location=join(location, str(key))
            )
            for key, item in value.items()
        }
    return value


def _substitute(
    text: str, env: Mapping[str, str], problems: Problems, *, require_env: bool, location: str
) -> str:
    if "$" not in text:
        return text
    missing: list[str] = []

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name in env:
            return env[name]
        missing.append(name)
        return match.group(0)

    result = _VARIABLE.sub(lookup, text)
    for name in dict.fromkeys(missing):
        message = f"environment variable {name} is not set"
        if require_env:
            problems.add(location, message)
        else:
            problems.warn(f"{location}: {message}")
            problems.unresolved.add(location)
    return result
