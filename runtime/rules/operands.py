"""The right-hand sides of comparisons, compiled: literals, variables, lists, ranges.

Each operand is a frozen value with `resolve(context)`; evaluation never looks at the
raw JSON again. `Var` is the only way to read a variable, and it re-checks its path
on construction and on every read (safety.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from runtime.rules.errors import RuleError
from runtime.rules.pattern import SafePattern
from runtime.rules.safety import MISSING, parse_var_path, read_path
from runtime.timeutil.durations import Duration


@dataclass(frozen=True)
class Context:
    """What an evaluation sees: the instance's variables and the engine's `now`."""

    variables: Mapping[str, Any]
    now: datetime | None = None

    def __post_init__(self) -> None:
        if type(self.variables) is not dict and not isinstance(self.variables, Mapping):
            raise TypeError("rule variables must be a mapping")
        if self.now is not None and (self.now.tzinfo is None or self.now.utcoffset() is None):
            raise RuleError("'now' must be an aware datetime (with a time zone)")


class Operand(Protocol):
    def resolve(self, context: Context) -> Any: ...

    def var_paths(self) -> Iterator[str]: ...


@dataclass(frozen=True)
class Var:
    """A variable path such as `order.items[0].sku`, read through dicts and lists only."""

    path: str
    segments: tuple[str | int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", parse_var_path(self.path))

    def resolve(self, context: Context) -> Any:
        return read_path(context.variables, self.segments)

    def var_paths(self) -> Iterator[str]:
        yield self.path


@dataclass(frozen=True)
class Literal:
    """A constant typed into the rule (a date literal is already parsed)."""

    value: Any

    def resolve(self, context: Context) -> Any:
        return self.value

    def var_paths(self) -> Iterator[str]:
        return iter(())


@dataclass(frozen=True)
class ValueList:
    """The literal list of `in` / `not_in`."""

    items: tuple[Any, ...]

    def resolve(self, context: Context) -> tuple[Any, ...]:
        return self.items

    def var_paths(self) -> Iterator[str]:
        return iter(())


@dataclass(frozen=True)
class Range:
    """The `[low, high]` of `between`; either end may be a variable."""

    low: Var | Literal
    high: Var | Literal

    def resolve(self, context: Context) -> Any:
        low, high = self.low.resolve(context), self.high.resolve(context)
        return MISSING if low is MISSING or high is MISSING else (low, high)

    def var_paths(self) -> Iterator[str]:
        yield from self.low.var_paths()
        yield from self.high.var_paths()


@dataclass(frozen=True)
class PatternOperand:
    """A pattern compiled at load time; never taken from a variable."""

    pattern: SafePattern

    def resolve(self, context: Context) -> SafePattern:
        return self.pattern

    def var_paths(self) -> Iterator[str]:
        return iter(())


@dataclass(frozen=True)
class Window:
    """`within_last` / `older_than`: resolves to (now - duration, now)."""

    duration: Duration

    def resolve(self, context: Context) -> tuple[datetime, datetime]:
        if context.now is None:
            raise RuleError("this condition compares with 'now', but no 'now' was given")
        return self.duration.subtract_from(context.now), context.now

    def var_paths(self) -> Iterator[str]:
        return iter(())
