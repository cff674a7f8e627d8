"""`platform.count_cases`: a bounded, read-only count of a flow's cases by variable filters.

Runs on both databases: the narrowing LIKE over the variables' JSON text is the one
database-specific part (JSON on SQLite, JSONB on PostgreSQL).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.flows.case_counts import count
from app.models import FlowInstance
from runtime.functions import FunctionInputError

NOW = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)
DEFECT_SKU = {"reason": {"path": "reason", "in": ["defective"]},
              "sku": {"path": "items[].sku", "equals": "HP-ANC-200"}}


def _case(number: str, days_ago: float, reason: str, items: list[dict], flow="returns.rma"):
    db.session.add(FlowInstance(
        public_id=secrets.token_urlsafe(16), case_number=number, flow_key=flow, flow_version=1,
        state={}, created_at=NOW - timedelta(days=days_ago),
        variables={"reason": reason, "items": items, "note": "50% off_sale"}))


def _line(sku: str, quantity: int = 1) -> dict:
    return {"sku": sku, "name": "x", "quantity": quantity}


@pytest.fixture
def cases(app):
    _case("RMA-1", 0.1, "defective", [_line("HP-ANC-200")])
    _case("RMA-2", 3, "defective", [_line("CB-USB-C2", 3), _line("HP-ANC-200", 2)])
    _case("RMA-3", 29.5, "defective", [_line("HP-ANC-200")])  # day 29 before today: inside
    _case("RMA-4", 31, "defective", [_line("HP-ANC-200")])  # outside 30 days
    _case("RMA-5", 1, "size", [_line("HP-ANC-200")])  # another reason
    _case("RMA-6", 1, "defective", [_line("HP-ANC-2000")])  # a SKU that only contains it
    _case("OTHER-1", 1, "defective", [_line("HP-ANC-200")], flow="other.flow")
    db.session.commit()


def test_counts_cases_and_units_of_one_sku_in_the_window(cases):
    out = count({"flow": "returns.rma", "within_days": 30, "filters": DEFECT_SKU,
                 "sum": "items[].quantity"}, NOW)
    assert out["cases"] == ["RMA-3", "RMA-2", "RMA-1"]  # oldest first
    assert (out["count"], out["total"], out["listed_all"]) == (3, "4", True)
    assert (out["from_date"], out["to_date"]) == ("2026-11-08", "2026-12-07")
    assert out["since"] == "2026-11-08T00:00:00+00:00"


def test_filters_on_one_list_must_match_the_same_element(cases):
    same_line = {"sku": {"path": "items[].sku", "equals": "CB-USB-C2"},
                 "qty": {"path": "items[].quantity", "equals": 2}}
    assert count({"flow": "returns.rma", "within_days": 30, "filters": same_line},
                 NOW)["count"] == 0  # RMA-2 has CB-USB-C2 x3 and HP-ANC-200 x2
    without_sum = count({"flow": "returns.rma", "within_days": "7", "filters": {
        "reason": {"path": "reason", "equals": "defective"}}}, NOW)
    assert (without_sum["count"], without_sum["total"]) == (3, "3")


@pytest.mark.parametrize(("inputs", "named"), [
    ({"flow": "Returns; DROP TABLE x", "within_days": 30}, "flow"),
    ({"flow": "returns.rma", "within_days": 0}, "within_days"),
    ({"flow": "returns.rma", "within_days": 400}, "within_days"),
    ({"flow": "returns.rma", "within_days": True}, "within_days"),
    ({"flow": "returns.rma", "within_days": "30.5"}, "within_days"),
    ({"flow": "returns.rma", "within_days": 30, "sql": "1=1"}, "sql"),
    ({"flow": "returns.rma", "within_days": 30,
      "filters": {"x": {"path": "items[0].__class__", "equals": "a"}}}, "path"),
    ({"flow": "returns.rma", "within_days": 30,
      "filters": {"x": {"path": "a[].b[].c", "equals": "a"}}}, "path"),
    ({"flow": "returns.rma", "within_days": 30,
      "filters": {"x": {"path": "reason", "equals": "a", "in": ["a"]}}}, "equals"),
    ({"flow": "returns.rma", "within_days": 30,
      "filters": {"x": {"path": "reason", "in": [{"$ne": 1}]}}}, "values"),
    ({"flow": "returns.rma", "within_days": 30,
      "filters": {f"f{i}": {"path": "reason", "equals": "a"} for i in range(9)}}, "filters"),
])
def test_bad_inputs_are_refused_with_the_input_named(inputs, named):
    with pytest.raises(FunctionInputError, match=named):
        count(inputs, NOW)


def test_wildcards_in_a_value_match_only_themselves(cases):
    """The narrowing LIKE escapes % and _: a value is compared, never a pattern."""
    out = count({"flow": "returns.rma", "within_days": 30,
                 "filters": {"sku": {"path": "items[].sku", "equals": "HP-ANC-20_"}}}, NOW)
    assert out["count"] == 0
    out = count({"flow": "returns.rma", "within_days": 30,
                 "filters": {"note": {"path": "note", "equals": "50% off_sale"}}}, NOW)
    assert out["count"] == 5  # every case of the flow in the window (RMA-4 is older)


def test_too_many_candidates_take_the_error_edge(cases, monkeypatch):
    monkeypatch.setattr("app.flows.case_counts.MAX_SCAN", 2)
    with pytest.raises(FunctionInputError, match="narrow the window"):
        count({"flow": "returns.rma", "within_days": 30}, NOW)
