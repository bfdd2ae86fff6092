"""Typed, located reading of one raw YAML mapping, collecting every problem instead of raising.

`Problems` accumulates `ConfigProblem`s; `Section` wraps one mapping at a location
(`model_providers[2]`), rejects keys it was not told about, and returns typed values with
defaults. A wrong value is reported and replaced by the default so reading can continue and
the user sees every problem at once. Values are never echoed for fields marked secret.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TypeVar

from plano.config.model import Secret
from plano.errors import ConfigProblem

T = TypeVar("T", bound=str)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h)?\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(value: object) -> float | None:
    """Seconds for `30s`, `0.005s`, `300ms`, `5m`, `1h` or a bare number; None if malformed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    if not isinstance(value, str):
        return None
    match = _DURATION.match(value)
    if match is None:
        return None
    return float(match.group(1)) * _UNIT_S[match.group(2)]


def type_name(value: object) -> str:
    """A YAML-flavoured name for a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def unknown_key_message(key: str, allowed: tuple[str, ...]) -> str:
    """`unknown key 'x'`, a close match if there is one, and the keys allowed."""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.75)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown key '{key}'{hint} (allowed here: {', '.join(allowed)})"


def join(location: str, key: str | int) -> str:
    """`a.b` for a key, `a[3]` for an index; the root location is empty."""
    if isinstance(key, int):
        return f"{location}[{key}]"
    return f"{location}.{key}" if location else key


class Problems:
    """Every problem and warning found while reading one config."""

    def __init__(self) -> None:
        self.problems: list[ConfigProblem] = []
        self.warnings: list[str] = []
        self.unresolved: set[str] = set()
        """Locations still holding an unset `$VAR` (only when env is not required)."""

    def add(self, location: str, message: str) -> None:
        """Record a problem that makes the config invalid."""
        self.problems.append(ConfigProblem(location, message))

    def warn(self, message: str) -> None:
        """Record a non-fatal finding."""
        self.warnings.append(message)


class Section:
    """One mapping of the config at `location`, read key by key."""

    def __init__(
        self, problems: Problems, location: str, data: Mapping[str, object], allowed: Iterable[str]
    ) -> None:
        self.problems = problems
        self.location = location
        self.data = data
        allowed_keys = tuple(allowed)
        for key in data:
            if key not in allowed_keys:
                problems.add(join(location, str(key)), unknown_key_message(str(key), allowed_keys))

    @classmethod
    def of(
        cls, problems: Problems, location: str, value: object, allowed: Iterable[str]
    ) -> Section | None:
        """A Section for `value` if it is a mapping; otherwise report it and return None."""
        if not isinstance(value, dict):
            problems.add(location, f"expected a mapping, got {type_name(value)}")
            return None
        return cls(problems, location, value, allowed)

    def at(self, key: str | int) -> str:
        """The location of one key of this section."""
        return join(self.location, key)

    def has(self, key: str) -> bool:
        """True when the key is present and not null."""
        return self.data.get(key) is not None

    def error(self, key: str, message: str) -> None:
        """Report a problem with one key of this section."""
        self.problems.add(self.at(key), message)

    def _get(self, key: str, required: bool) -> object:
        value = self.data.get(key)
        if value is None and required:
            self.problems.add(self.at(key), "is required")
        return value

    def text(self, key: str, *, required: bool = False) -> str | None:
        """A string value, or None when absent or wrong."""
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        self.error(key, f"expected a string, got {type_name(value)}")
        return None

    def required_str(self, key: str) -> str:
        """A required string; "" (already reported) when absent or wrong."""
        return self.text(key, required=True) or ""

    def secret(self, key: str, *, required: bool = False) -> Secret | None:
        """A credential string wrapped in `Secret`."""
        value = self.text(key, required=required)
        return Secret(value) if value is not None else None

    def flag(self, key: str, default: bool) -> bool:
        """A boolean value; YAML `true`/`false` only."""
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        self.error(key, f"expected true or false, got {type_name(value)}")
        return default

    def integer(
        self,
        key: str,
        default: int,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = False,
    ) -> int:
        """An integer within optional bounds."""
        value = self._get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"expected an integer, got {type_name(value)}")
            return default
        return value if self._in_bounds(key, value, minimum, maximum) else default

    def number(
        self,
        key: str,
        default: float | None,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        required: bool = False,
    ) -> float | None:
        """A number (integer or float) within optional bounds."""
        value = self._get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(key, f"expected a number, got {type_name(value)}")
            return default
        number = float(value)
        return number if self._in_bounds(key, number, minimum, maximum) else default

    def _in_bounds(
        self, key: str, value: float, minimum: float | None, maximum: float | None
    ) -> bool:
        if minimum is not None and value < minimum:
            self.error(key, f"must be at least {minimum:g}, got {value:g}")
            return False
        if maximum is not None and value > maximum:
            self.error(key, f"must be at most {maximum:g}, got {value:g}")
            return False
        return True

    def choice(self, key: str, choices: tuple[T, ...], default: T | None) -> T | None:
        """One of `choices` (case-sensitive), or `default` when absent or wrong."""
        value = self.text(key, required=default is None)
        if value is None:
            return default
        for option in choices:
            if value == option:
                return option
        self.error(key, f"must be one of {', '.join(choices)}; got '{value}'")
        return default

    def duration(self, key: str, default: float) -> float:
        """A duration (`30s`, `300ms`, bare seconds) as float seconds."""
        value = self.data.get(key)
        if value is None:
            return default
        seconds = parse_duration(value)
        if seconds is None:
            self.error(key, "expected a duration such as 30s, 300ms or 0.5 (seconds)")
            return default
        return seconds

    def str_list(self, key: str) -> tuple[str, ...]:
        """A list of strings; a wrong item is reported at its index."""
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(key, f"expected a list of strings, got {type_name(value)}")
            return ()
        items: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, str):
                items.append(item)
            else:
                self.problems.add(
                    join(self.at(key), index), f"expected a string, got {type_name(item)}"
                )
        return tuple(items)

    def str_map(self, key: str, *, secret_values: bool = False) -> Mapping[str, str]:
        """A mapping of string keys to string values (numbers are not coerced)."""
        value = self.data.get(key)
        if value is None:
            return MappingProxyType({})
        if not isinstance(value, dict):
            self.error(key, f"expected a mapping of strings, got {type_name(value)}")
            return MappingProxyType({})
        out: dict[str, str] = {}
        for name, item in value.items():
            if isinstance(item, str):
                out[str(name)] = item
            else:
                self.problems.add(
                    join(self.at(key), str(name)), f"expected a string, got {type_name(item)}"
                )
        return MappingProxyType(out)

    def sections(self, key: str, allowed: Iterable[str]) -> Iterator[Section]:
        """Each mapping item of a list value, as a Section at `key[i]`."""
        value = self.data.get(key)
        if value is None:
            return
        if not isinstance(value, list):
            self.error(key, f"expected a list, got {type_name(value)}")
            return
        allowed_keys = tuple(allowed)
        for index, item in enumerate(value):
            section = Section.of(self.problems, join(self.at(key), index), item, allowed_keys)
            if section is not None:
                yield section

    def section(self, key: str, allowed: Iterable[str]) -> Section | None:
        """The mapping value of `key` as a Section, or None when absent or wrong."""
        value = self.data.get(key)
        if value is None:
            return None
        return Section.of(self.problems, self.at(key), value, allowed)
