"""One table of rule cases, evaluated by Python here and by forms.js in Chromium.

Every condition is paired with every variable set; the expected answer is whatever
runtime.rules says, so the browser test (tests/e2e/test_forms_parity.py) proves the
port agrees with the server on all of them, null rule and decimals included.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from runtime.rules import compile_condition

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
NOW_ISO = "2026-11-22T10:00:00+00:00"

VALUES: list[Any] = [
    None,
    0,
    1,
    3,
    30,
    30.0,
    0.1,
    0.3,
    -2,
    "30",
    "30.00",
    "007",
    "7",
    "0.3",
    "abc",
    "ABC",
    "size",
    "damaged",
    "",
    "  ",
    True,
    False,
    [],
    ["a", "b"],
    [1, 2],
    {"k": 1},
    "2026-11-01",
    "2026-10-01",
    "2025-11-22",
    "2026-11-22T09:00:00+00:00",
    "2026-11-22T23:30:00-05:00",
    "not-a-date",
    "2026-02-30",
]

CONDITIONS: list[Any] = [
    True,
    False,
    {"var": "x", "op": "==", "value": 30},
    {"var": "x", "op": "==", "value": "30"},
    {"var": "x", "op": "==", "value": "abc", "ignore_case": True},
    {"var": "x", "op": "==", "value": True},
    {"var": "x", "op": "!=", "value": 30},
    {"var": "x", "op": "!=", "value": {"var": "y"}},
    {"var": "x", "op": "<", "value": 30},
    {"var": "x", "op": "<=", "value": 0.3},
    {"var": "x", "op": ">", "value": "7"},
    {"var": "x", "op": ">=", "value": {"var": "y"}},
    {"var": "x", "op": "in", "value": ["size", "damaged", 30]},
    {"var": "x", "op": "not_in", "value": ["size", "damaged"]},
    {"var": "x", "op": "contains", "value": "b"},
    {"var": "x", "op": "contains", "value": 1},
    {"var": "x", "op": "starts_with", "value": "da"},
    {"var": "x", "op": "ends_with", "value": "BC", "ignore_case": True},
    {"var": "x", "op": "matches", "value": "^[a-z]+$"},
    {"var": "x", "op": "matches", "value": "^\\d{1,3}$"},
    {"var": "x", "op": "between", "value": [1, 30]},
    {"var": "x", "op": "between", "value": ["2026-10-01", "2026-11-30"]},
    {"var": "x", "op": "is_null"},
    {"var": "x", "op": "is_not_null"},
    {"var": "x", "op": "is_empty"},
    {"var": "x", "op": "is_not_empty"},
    {"var": "x", "op": "before", "value": "2026-11-01"},
    {"var": "x", "op": "after", "value": "2026-10-15"},
    {"var": "x", "op": "on_or_before", "value": "2026-11-22"},
    {"var": "x", "op": "on_or_after", "value": "2026-11-22T08:00:00+00:00"},
    {"var": "x", "op": "within_last", "value": "P30D"},
    {"var": "x", "op": "older_than", "value": "P1M"},
    {"var": "x", "op": "within_last", "value": "PT12H"},
    {"not": {"var": "x", "op": "==", "value": 1}},
    {"all": [{"var": "x", "op": "is_not_empty"}, {"var": "y", "op": "==", "value": 3}]},
    {"any": [{"var": "x", "op": "==", "value": "size"}, {"var": "y", "op": ">", "value": 1}]},
    {"var": "order.items[0].qty", "op": ">=", "value": 2},
    {"var": "order.items.1.sku", "op": "==", "value": "B"},
    {"var": "refund.amount", "op": "<=", "value": 30},
]

Y_VALUES: list[Any] = [None, 3, "7"]


def cases() -> list[dict[str, Any]]:
    """[{condition, variables, expected}] for every condition x value (x a few y values)."""
    order = {"items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": "1"}]}
    out = []
    for condition in CONDITIONS:
        compiled = compile_condition(condition)
        for x in VALUES:
            for y in Y_VALUES:
                variables: dict[str, Any] = {"order": order, "refund": {"amount": "29.99"}}
                if x is not None:
                    variables["x"] = x
                if y is not None:
                    variables["y"] = y
                expected = compiled.evaluate(variables, NOW)
                out.append({"condition": condition, "variables": variables, "expected": expected})
    return out
