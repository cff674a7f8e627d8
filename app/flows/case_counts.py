"""`count_cases`: how many cases of a flow, started in the last N days, match some filters.

Why: rules such as "defect returns of one SKU above 5% of units sold in 30 days" need a
count over the platform's own cases, and a flow must not hold SQL. This built-in action
of the `platform` connector is read-only and bounded: the flow names a flow key, a
window in whole days and up to eight filters on variable paths; every value reaches the
database as a bound parameter and the matching itself runs here, on the variables.

    {"flow": "returns.rma", "within_days": 30,
     "filters": {"reason": {"path": "reason", "in": ["defective"]},
                 "sku": {"path": "items[].sku", "equals": "HP-ANC-200"}},
     "sum": "items[].quantity"}
    -> {"count": 6, "total": "6", "cases": ["RMA-000001", …], "listed_all": true,
        "since": "2026-11-08T00:00:00+00:00", "from_date": "2026-11-08",
        "to_date": "2026-12-07"}

* A path is dotted names with at most one `[]`: "any element of this list". Filters on
  the same list must match the *same* element (SKU and quantity of one line), and `sum`
  over that list adds only the matching elements; without `sum`, `total` is the count.
* The window is calendar days in UTC including today (`within_days: 30` = today and the
  29 days before), so `from_date`/`to_date` can be handed to an outside system asking
  for the same period (sales in the ERP).
* Bounds: at most `MAX_SCAN` candidate cases are read (else the error edge, asking for
  a narrower window or filter), `cases` lists at most `MAX_LISTED` case numbers.
  Text equality filters also narrow the query on the variables' JSON text, so a count
  over one SKU reads only the cases that mention it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import FlowInstance, utcnow
from runtime.functions import FunctionInputError
from runtime.rules.values import equal

MAX_DAYS = 366
MAX_FILTERS = 8
MAX_IN = 100
MAX_SCAN = 20_000
MAX_LISTED = 200
_FLOW_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_PATH = re.compile(r"^[A-Za-z_]\w{0,63}(\[\])?(\.[A-Za-z_]\w{0,63}(\[\])?){0,7}$")
#: Values whose JSON text is the same on SQLite and PostgreSQL, so a LIKE may narrow.
_PLAIN_TEXT = re.compile(r"^[A-Za-z0-9 ._:/-]{1,100}$")


class _Path:
    """`items[].sku` -> list part `items`, element part `sku`; `reason` -> no list."""

    def __init__(self, text: Any, where: str) -> None:
        if not isinstance(text, str) or not _PATH.match(text) or text.count("[]") > 1:
            raise FunctionInputError(f"count_cases: {where}: a path is dotted names with at "
                                     "most one [] (e.g. items[].sku)")
        head, _, tail = text.partition("[]")
        self.list = head if "[]" in text else None
        self.scalar = None if self.list else text
        self.element = tail.lstrip(".") or None

    @staticmethod
    def read(value: Any, dotted: str | None) -> Any:
        for part in (dotted.split(".") if dotted else ()):
            value = value.get(part) if isinstance(value, Mapping) else None
        return value


class _Filter:
    def __init__(self, name: str, doc: Any) -> None:
        where = f"filters/{name}"
        if not _NAME.match(name) or not isinstance(doc, Mapping):
            raise FunctionInputError(f"count_cases: {where}: a filter is "
                                     '{"path": …, "equals": value} or {"path": …, "in": [values]}')
        if set(doc) - {"path", "equals", "in"} or ("equals" in doc) == ("in" in doc):
            raise FunctionInputError(f"count_cases: {where}: give 'path' and one of "
                                     "'equals' or 'in'")
        self.path = _Path(doc.get("path"), where)
        values = [doc["equals"]] if "equals" in doc else doc["in"]
        if not isinstance(values, list) or len(values) > MAX_IN or not all(
                isinstance(v, str | int | bool) for v in values):
            raise FunctionInputError(f"count_cases: {where}: values are text, numbers or "
                                     f"true/false (at most {MAX_IN})")
        self.values = tuple(values)
        single = values[0] if len(values) == 1 else None
        self.needle = single if isinstance(single, str) and _PLAIN_TEXT.match(single) else None

    def test(self, value: Any) -> bool:
        return any(equal(value, wanted) for wanted in self.values)


def count_cases(instance_id: int, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The built-in action (app/flows/builtin_calls.py); `instance_id` is the caller's."""
    return count(inputs, utcnow())


def count(inputs: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    flow, days = inputs.get("flow"), inputs.get("within_days")
    if isinstance(days, str) and days.isdigit() and len(days) <= 3:
        days = int(days)  # a decision table's number column may hold text ("30")
    if set(inputs) - {"flow", "within_days", "filters", "sum"}:
        unknown = sorted(set(inputs) - {"flow", "within_days", "filters", "sum"})
        raise FunctionInputError(f"count_cases: unknown input {unknown[0]!r}")
    if not isinstance(flow, str) or not _FLOW_KEY.match(flow) or len(flow) > 128:
        raise FunctionInputError("count_cases: flow must be a flow key such as returns.rma")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise FunctionInputError(f"count_cases: within_days must be a whole number from 1 "
                                 f"to {MAX_DAYS}, got {days!r}")
    raw = inputs.get("filters") or {}
    if not isinstance(raw, Mapping) or len(raw) > MAX_FILTERS:
        raise FunctionInputError(f"count_cases: filters is an object of at most {MAX_FILTERS}")
    filters = [_Filter(str(name), doc) for name, doc in raw.items()]
    total_path = _Path(inputs["sum"], "sum") if inputs.get("sum") is not None else None
    since = datetime.combine(now.astimezone(UTC).date() - timedelta(days=days - 1), time(0),
                             UTC)
    rows = _candidates(flow, since, filters)
    if len(rows) > MAX_SCAN:
        raise FunctionInputError(f"count_cases: more than {MAX_SCAN} cases of {flow} in "
                                 f"{days} days; narrow the window or add a filter")
    cases: list[str] = []
    total = Decimal(0)
    for case_number, public_id, variables in rows:
        elements = _matching(variables or {}, filters)
        if elements is None:
            continue
        cases.append(case_number or public_id)
        if total_path is not None:
            total += _sum(variables or {}, total_path, elements)
    return {"count": len(cases), "total": str(total if total_path else len(cases)),
            "cases": cases[:MAX_LISTED], "listed_all": len(cases) <= MAX_LISTED,
            "since": since.isoformat(), "from_date": since.date().isoformat(),
            "to_date": now.astimezone(UTC).date().isoformat()}


def _candidates(flow: str, since: datetime, filters: list[_Filter]) -> list[Any]:
    query = (sa.select(FlowInstance.case_number, FlowInstance.public_id, FlowInstance.variables)
             .where(FlowInstance.flow_key == flow, FlowInstance.created_at >= since)
             .order_by(FlowInstance.created_at, FlowInstance.id).limit(MAX_SCAN + 1))
    text = sa.cast(FlowInstance.variables, sa.Text)
    for item in filters:
        if item.needle is not None:  # a superset: the exact test runs on each row below
            query = query.where(text.contains(json.dumps(item.needle), autoescape=True))
    with db.session.no_autoflush:
        return list(db.session.execute(query))


def _matching(variables: Mapping[str, Any], filters: list[_Filter]) -> dict[str, list] | None:
    """None when the case does not match; else per list path the elements that do."""
    by_list: dict[str, list[_Filter]] = {}
    for item in filters:
        if item.path.list is None:
            if not item.test(_Path.read(variables, item.path.scalar)):
                return None
        else:
            by_list.setdefault(item.path.list, []).append(item)
    found: dict[str, list] = {}
    for list_path, group in by_list.items():
        elements = _Path.read(variables, list_path)
        if not isinstance(elements, list):
            return None
        hits = [e for e in elements[:500]
                if all(f.test(_Path.read(e, f.path.element)) for f in group)]
        if not hits:
            return None
        found[list_path] = hits
    return found


def _sum(variables: Mapping[str, Any], path: _Path, matched: dict[str, list]) -> Decimal:
    if path.list is None:
        values = [_Path.read(variables, path.scalar)]
    else:
        elements = matched.get(path.list)
        if elements is None:
            listed = _Path.read(variables, path.list)
            elements = listed[:500] if isinstance(listed, list) else []
        values = [_Path.read(e, path.element) for e in elements]
    return sum((_decimal(v) for v in values), Decimal(0))


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return Decimal(0)  # absent or not a number: adds nothing (never a float)
    try:
        number = Decimal(value)
    except InvalidOperation:
        return Decimal(0)
    return number if number.is_finite() else Decimal(0)
