"""How rule operators see values: numbers as Decimal, ISO text as dates, emptiness.

Money arrives as ints, floats, Decimals or strings ("44.95") depending on where it came
from (a form, a connector, a literal typed in the builder). Comparing it as binary
floats gets `0.1 + 0.2 != 0.3`-style answers at a threshold, so every numeric
comparison converts both sides to `Decimal` first - floats through their shortest
`repr`, which is the number a person typed.

The rules, in full:

* **numbers**: when either side is a number (int, float, Decimal; never a bool), both
  sides are converted to Decimal; a numeric string ("40.00", "-3", ".5") converts, any
  other value makes the comparison false. Two *strings* that both look numeric are
  ordered as numbers by `<`, `<=`, `>`, `>=` and `between`, but `==` and `in` compare
  them as text, so order number "007" is not "7".
* **booleans** equal only booleans and have no order.
* **dates**: `to_temporal` reads `date`/`datetime` objects and ISO-8601 text
  (`2026-03-01`, `2026-03-01T10:00:00+01:00`, `...Z`); a naive datetime is taken as
  UTC. A date compared with a datetime is compared with the datetime's calendar day.
* **text** compares by code point; with `ignore_case` both sides are case-folded.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from runtime.rules.safety import MISSING

_NUMERIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_MAX_NUMERIC_TEXT = 50
_MAX_DATE_TEXT = 40


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def to_decimal(value: Any) -> Decimal | None:
    """The exact Decimal for a number or numeric string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str) and len(value) <= _MAX_NUMERIC_TEXT:
        text = value.strip()
        if _NUMERIC.match(text):
            try:
                return Decimal(text)
            except InvalidOperation:  # pragma: no cover - the regex admits only digits
                return None
    return None


def to_temporal(value: Any) -> date | datetime | None:
    """A date or an aware datetime from a value or ISO-8601 text; None when not one."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not 8 <= len(value) <= _MAX_DATE_TEXT:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def order_temporal(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 comparing two dates/datetimes; None when either is not one."""
    ta, tb = to_temporal(a), to_temporal(b)
    if ta is None or tb is None:
        return None
    if isinstance(ta, datetime) != isinstance(tb, datetime):
        ta = ta.date() if isinstance(ta, datetime) else ta
        tb = tb.date() if isinstance(tb, datetime) else tb
    return _sign(ta, tb)


def order(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 for `<`, `<=`, `>`, `>=`, `between`; None when not comparable."""
    if type(a) in _EXACT and type(b) in _EXACT and _finite(a) and _finite(b):
        return _sign(a, b)  # ints and Decimals compare exactly as they are (hot path)
    if isinstance(a, bool) or isinstance(b, bool):
        return None
    if is_number(a) or is_number(b) or (_numeric_text(a) and _numeric_text(b)):
        da, db = to_decimal(a), to_decimal(b)
        return None if da is None or db is None else _sign(da, db)
    if isinstance(a, date) or isinstance(b, date):
        return order_temporal(a, b)
    if isinstance(a, str) and isinstance(b, str):
        return _sign(a, b)
    return None


def equal(a: Any, b: Any, ignore_case: bool = False) -> bool:
    """Equality for `==`, `!=`, `in`, `contains` and table cells."""
    if type(a) is str and type(b) is str:  # the common case first (table cells, `in`)
        return a.casefold() == b.casefold() if ignore_case else a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) or is_number(b):
        da, db = to_decimal(a), to_decimal(b)
        return da is not None and db is not None and da == db
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold() if ignore_case else a == b
    if isinstance(a, date) or isinstance(b, date):
        return order_temporal(a, b) == 0
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(equal(x, y, ignore_case) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def is_empty(value: Any) -> bool:
    """Missing, null, blank text, or an empty list or object."""
    if value is MISSING or value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value
    return False


def fold(text: str, ignore_case: bool) -> str:
    return text.casefold() if ignore_case else text


def _numeric_text(value: Any) -> bool:
    return isinstance(value, str) and to_decimal(value) is not None


#: Exact number types that compare with each other without conversion (not bool, not
#: float: a float is compared as the decimal it prints as, see `to_decimal`).
_EXACT = frozenset({int, Decimal})


def _finite(value: int | Decimal) -> bool:
    return type(value) is int or value.is_finite()


def _sign(a: Any, b: Any) -> int:
    return (a > b) - (a < b)
