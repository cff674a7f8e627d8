"""The comparison operators: what each one accepts as `value` and how it tests.

One registry keyed by name (STYLE 9): adding an operator is one `Operator(...)` line
and, when needed, one test function. `compile_operand` turns the raw `value` of a
comparison into a frozen operand once, recording problems with JSON pointers; the
test functions then work on plain values. Missing/null operands never reach a test
function except for the null-aware ones (conditions.py applies the null rule).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from runtime.exceptions import DefinitionError, ErrorDetail
from runtime.rules.errors import join_pointer
from runtime.rules.operands import Literal, PatternOperand, Range, ValueList, Var, Window
from runtime.rules.pattern import PatternError, SafePattern
from runtime.rules.safety import MISSING, path_problem
from runtime.rules.values import (
    equal,
    fold,
    is_empty,
    order,
    order_temporal,
    to_decimal,
    to_temporal,
)
from runtime.timeutil.durations import parse_duration

MAX_LIST_ITEMS = 1_000

Test = Callable[[Any, Any, bool], bool]


@dataclass(frozen=True)
class Operator:
    """`operand` names the kind of `value` accepted (see `compile_operand`)."""

    name: str
    operand: str
    test: Test
    text_option: bool = False
    null_aware: bool = False
    needs_now: bool = False


def _ordered(predicate: Callable[[int], bool], by: Callable[[Any, Any], int | None]) -> Test:
    def test(left: Any, right: Any, ignore_case: bool) -> bool:
        result = by(left, right)
        return result is not None and predicate(result)

    return test


def _in(left: Any, right: Any, ignore_case: bool) -> bool:
    if not isinstance(right, list | tuple) or isinstance(left, list | tuple | dict):
        return False
    return any(equal(left, item, ignore_case) for item in right)


def _not_in(left: Any, right: Any, ignore_case: bool) -> bool:
    if not isinstance(right, list | tuple) or isinstance(left, list | tuple | dict):
        return False
    return not _in(left, right, ignore_case)


def _contains(left: Any, right: Any, ignore_case: bool) -> bool:
    if isinstance(left, str):
        return isinstance(right, str) and fold(right, ignore_case) in fold(left, ignore_case)
    if isinstance(left, list | tuple):
        return any(equal(item, right, ignore_case) for item in left)
    return False


def _text(check: Callable[[str, str], bool]) -> Test:
    def test(left: Any, right: Any, ignore_case: bool) -> bool:
        if not (isinstance(left, str) and isinstance(right, str)):
            return False
        return check(fold(left, ignore_case), fold(right, ignore_case))

    return test


def _matches(left: Any, pattern: SafePattern, ignore_case: bool) -> bool:
    return isinstance(left, str) and pattern.search(left)


def _between(left: Any, bounds: Any, ignore_case: bool) -> bool:
    low, high = bounds
    above, below = order(low, left), order(left, high)
    return above is not None and below is not None and above <= 0 and below <= 0


def _window(inside: bool) -> Test:
    def test(left: Any, window: tuple[datetime, datetime], ignore_case: bool) -> bool:
        threshold, now = window
        moment = to_temporal(left)
        if moment is None:
            return False
        if not isinstance(moment, datetime):
            threshold, now = threshold.date(), now.date()  # type: ignore[assignment]
        return threshold <= moment <= now if inside else moment < threshold  # type: ignore[operator]

    return test


_OPERATORS = [
    Operator("==", "scalar", lambda a, b, ic: equal(a, b, ic), text_option=True),
    Operator("!=", "scalar", lambda a, b, ic: not equal(a, b, ic), text_option=True),
    Operator("<", "scalar", _ordered(lambda r: r < 0, order)),
    Operator("<=", "scalar", _ordered(lambda r: r <= 0, order)),
    Operator(">", "scalar", _ordered(lambda r: r > 0, order)),
    Operator(">=", "scalar", _ordered(lambda r: r >= 0, order)),
    Operator("in", "list", _in, text_option=True),
    Operator("not_in", "list", _not_in, text_option=True),
    Operator("contains", "scalar", _contains, text_option=True),
    Operator("starts_with", "text", _text(str.startswith), text_option=True),
    Operator("ends_with", "text", _text(str.endswith), text_option=True),
    Operator("matches", "pattern", _matches, text_option=True),
    Operator("between", "range", _between),
    Operator("is_null", "none", lambda a, b, ic: a is MISSING, null_aware=True),
    Operator("is_not_null", "none", lambda a, b, ic: a is not MISSING, null_aware=True),
    Operator("is_empty", "none", lambda a, b, ic: is_empty(a), null_aware=True),
    Operator("is_not_empty", "none", lambda a, b, ic: not is_empty(a), null_aware=True),
    Operator("before", "date", _ordered(lambda r: r < 0, order_temporal)),
    Operator("after", "date", _ordered(lambda r: r > 0, order_temporal)),
    Operator("on_or_before", "date", _ordered(lambda r: r <= 0, order_temporal)),
    Operator("on_or_after", "date", _ordered(lambda r: r >= 0, order_temporal)),
    Operator("within_last", "duration", _window(inside=True), needs_now=True),
    Operator("older_than", "duration", _window(inside=False), needs_now=True),
]
OPERATORS: dict[str, Operator] = {op.name: op for op in _OPERATORS}


def compile_operand(
    operator: Operator,
    doc: dict[str, Any],
    pointer: str,
    errors: list[ErrorDetail],
    ignore_case: bool,
) -> Any:
    """The frozen operand for `doc["value"]`, or None after recording an error."""
    at = join_pointer(pointer, "value")
    kind, name = operator.operand, operator.name
    if kind == "none":
        if "value" in doc:
            errors.append(ErrorDetail(at, f"operator {name!r} takes no value"))
        return None
    if "value" not in doc:
        errors.append(ErrorDetail(pointer, f"operator {name!r} needs a 'value'"))
        return None
    value = doc["value"]
    if kind == "pattern":
        if not isinstance(value, str):
            errors.append(ErrorDetail(at, "'matches' needs a pattern string written in the rule"))
            return None
        try:
            return PatternOperand(SafePattern(value, ignore_case))
        except PatternError as exc:
            errors.append(ErrorDetail(at, f"pattern refused: {exc}"))
            return None
    if kind == "duration":
        try:
            return Window(parse_duration(value, at))
        except DefinitionError as exc:
            errors.append(ErrorDetail(exc.pointer, exc.reason))
            return None
    if kind == "list" and isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            errors.append(ErrorDetail(at, f"a list has at most {MAX_LIST_ITEMS} items"))
            return None
        items = [_literal(item, join_pointer(at, i), errors) for i, item in enumerate(value)]
        return None if any(i is None for i in items) else ValueList(tuple(i.value for i in items))
    if kind == "range":
        if not (isinstance(value, list) and len(value) == 2):
            errors.append(ErrorDetail(at, "'between' needs [low, high]"))
            return None
        low, high = (_scalar(v, join_pointer(at, i), errors) for i, v in enumerate(value))
        if low is None or high is None:
            return None
        if (
            isinstance(low, Literal)
            and isinstance(high, Literal)
            and order(low.value, high.value) == 1
        ):
            errors.append(ErrorDetail(at, "the low end of 'between' is above the high end"))
            return None
        return Range(low, high)
    operand = _scalar(value, at, errors, list_kind=kind == "list")
    if isinstance(operand, Literal) and kind == "text" and not isinstance(operand.value, str):
        errors.append(ErrorDetail(at, f"operator {name!r} needs a text value"))
        return None
    if isinstance(operand, Literal) and kind == "date":
        moment = to_temporal(operand.value)
        if moment is None:
            errors.append(ErrorDetail(at, "expected an ISO date such as '2026-03-01'"))
            return None
        return Literal(moment)
    return operand


def var_reference(value: Any, pointer: str, errors: list[ErrorDetail]) -> Var | None:
    """Compile `{"var": "path"}`; record an error and return None when it is not one."""
    if set(value) != {"var"}:
        errors.append(ErrorDetail(pointer, 'a reference to a variable is {"var": "path"}'))
        return None
    problem = path_problem(value["var"])
    if problem:
        errors.append(ErrorDetail(join_pointer(pointer, "var"), problem))
        return None
    return Var(value["var"])


def _scalar(
    value: Any, pointer: str, errors: list[ErrorDetail], list_kind: bool = False
) -> Var | Literal | None:
    if isinstance(value, dict):
        return var_reference(value, pointer, errors)
    if list_kind:
        errors.append(ErrorDetail(pointer, 'expected a list of values or {"var": "path"}'))
        return None
    return _literal(value, pointer, errors)


def _literal(value: Any, pointer: str, errors: list[ErrorDetail]) -> Literal | None:
    if value is None:
        errors.append(ErrorDetail(pointer, "null is not a value to compare with; use is_null"))
        return None
    if isinstance(value, str | bool | int | Decimal) or (
        isinstance(value, float) and to_decimal(value) is not None
    ):
        return Literal(value)
    errors.append(ErrorDetail(pointer, 'expected text, a number, true/false or {"var": "path"}'))
    return None
