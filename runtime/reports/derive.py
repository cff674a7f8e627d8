"""Derived projection columns: values computed from other columns or from lists in the
case's variables, after the plain `from` and `on` columns are known.

One function per `derive` name (`DERIVES`), so a projection definition can say
*what* a column means (a duration, a sum, a conversion, a stage) and stay editable JSON,
while the arithmetic lives here once. Every derive returns None when an input is
missing: a measure the flow does not produce yet shows as empty, never as a crash.

Money is added and multiplied as `Decimal` and rounded to cents only when stored
(projection numbers are floats; the ledger of record stays in the connected systems).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
Derive = Callable[[Any, dict, Mapping[str, Any], Any], Any]
DERIVES: dict[str, Derive] = {}


def derive(name: str) -> Callable[[Derive], Derive]:
    def register(fn: Derive) -> Derive:
        DERIVES[name] = fn
        return fn
    return register


def number(value: Any) -> Decimal | None:
    """A decimal from a number, a decimal string or a money object; None otherwise."""
    if isinstance(value, dict):
        value = value.get("amount")
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def money(value: Decimal | None) -> float | None:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP)) if value is not None else None


@derive("hours_between")
def hours_between(col, row, variables, spec) -> float | None:
    start, end = row.get(col.args[0]), row.get(col.args[1])
    return (end - start).total_seconds() / 3600 if start and end else None


@derive("over")
def over(col, row, variables, spec) -> bool:
    value = row.get(col.args[0])
    return value is not None and col.limit is not None and value > col.limit


@derive("sum")
def sum_columns(col, row, variables, spec) -> float | None:
    """Sum of number columns; None only when every one of them is missing."""
    parts = [number(row.get(name)) for name in col.args]
    present = [p for p in parts if p is not None]
    return money(sum(present, Decimal(0))) if present else None


@derive("list_sum")
def list_sum(col, row, variables, spec) -> float | None:
    """Sum of one field over a list in the variables (`["items", "quantity"]`)."""
    from runtime.reports.projection import lookup

    items = lookup(variables, col.args[0], row)
    if not isinstance(items, list) or not items:
        return None
    values = [number(i.get(col.args[1])) for i in items if isinstance(i, dict)]
    present = [v for v in values if v is not None]
    return float(sum(present, Decimal(0))) if present else None


@derive("priced_total")
def priced_total(col, row, variables, spec) -> float | None:
    """Value of the returned lines: quantity returned x the order line's unit price.

    `args`: the returned lines and the order lines (`["items", "order.lines"]`), matched
    on `key` (default `sku`); the price field is `price` (default `unit_price`). A
    returned SKU missing from the order makes the value unknown (None), not smaller.
    """
    from runtime.reports.projection import lookup

    returned, ordered = lookup(variables, col.args[0], row), lookup(variables, col.args[1], row)
    if not isinstance(returned, list) or not returned or not isinstance(ordered, list):
        return None
    key, price_field = col.options.get("key", "sku"), col.options.get("price", "unit_price")
    prices = {line.get(key): number(line.get(price_field))
              for line in ordered if isinstance(line, dict)}
    total = Decimal(0)
    for item in returned:
        if not isinstance(item, dict):
            return None
        price, quantity = prices.get(item.get(key)), number(item.get("quantity", 1))
        if price is None or quantity is None:
            return None
        total += price * quantity
    return money(total)


@derive("to_base")
def to_base(col, row, variables, spec) -> float | None:
    """An amount column converted to the projection's base currency (`rates`).

    `args`: the amount, then currency columns in order of preference (a refund's own
    currency, else the order's).
    """
    amount = number(row.get(col.args[0]))
    currency = next((row.get(c) for c in col.args[1:] if row.get(c)), None)
    rate = number(spec.rates.get(str(currency or "").upper()))
    if amount is None or rate is None:
        return None
    return money(amount * rate)


@derive("scaled")
def scaled(col, row, variables, spec) -> float | None:
    """A number column times a factor picked by another column (`factors`)."""
    amount, factor = number(row.get(col.args[0])), number(col.options.get("factors", {})
                                                          .get(row.get(col.args[1])))
    if amount is None or factor is None:
        return None
    return money(amount * factor)


@derive("latest")
def latest(col, row, variables, spec) -> str | None:
    """The label of the last step reached: `steps` is `[[column, label], ...]` in order.

    A case's stage: the furthest milestone that has a value, else `default`.
    """
    reached = col.options.get("default")
    for name, label in col.options.get("steps", ()):
        if row.get(name) not in (None, "", False):
            reached = label
    return reached
