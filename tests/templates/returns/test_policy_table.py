"""`returns.policy` and `returns.routing` as shipped, row by row, as pure functions.

The scenario tests drive a few rows through HTTP; these pin every row of RETURNS.md's
default policy to the decision it gives, so an edit to the bundle that changes the
policy shows up here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from runtime.rules.tables import compile_table
from tests.templates.returns.conftest import BUNDLE

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _table(name: str):
    doc = json.loads((BUNDLE / f"decision_tables/{name}.json").read_text(encoding="utf-8"))
    return compile_table(doc["body"])


def _case(country="DE", days=10, reason="size", seal="not_applicable", currency="EUR",
          total="40.00", **customer):
    delivered = (NOW - timedelta(days=days)).date().isoformat() if days is not None else None
    return {"order": {"customer": {"country": country, **customer}, "delivery_date": delivered,
                      "currency": currency, "amount_total": total},
            "reason": reason, "hygiene_seal": seal}


@pytest.mark.parametrize(("case", "decision", "rule"), [
    (_case(), "auto_approve", None),
    (_case(seal="opened"), "reject", "exempt_hygiene_opened"),
    (_case(seal="sealed"), "auto_approve", None),
    (_case(country="FR", days=45, reason="defective"), "manual_review", "warranty_eu_uk"),
    (_case(country="GB", days=700, reason="defective"), "manual_review", "warranty_eu_uk"),
    (_case(country="FR", days=800, reason="defective"), "reject", "window_eu_uk"),
    (_case(country="US", days=200, reason="defective"), "manual_review", "warranty_elsewhere"),
    (_case(country="US", days=400, reason="defective"), "reject", "window_elsewhere"),
    (_case(country="DE", days=30), "auto_approve", None),
    (_case(country="DE", days=31), "reject", "window_eu_uk"),
    (_case(country="GB", days=20), "auto_approve", None),
    (_case(country="US", days=35), "reject", "window_elsewhere"),
    (_case(country="AU", days=29), "auto_approve", None),
    (_case(days=None), "manual_review", "not_delivered"),
    (_case(watchlist=True), "manual_review", "watchlist"),
    (_case(returns_90d=5), "manual_review", "frequent_returner"),
    (_case(returns_90d=4), "auto_approve", None),
    (_case(return_rate="0.5"), "manual_review", "high_return_rate"),
    (_case(reason="wrong_item"), "manual_review", "inspect_reason"),
    (_case(reason="damaged"), "manual_review", "inspect_reason"),
    (_case(total="300.01"), "manual_review", "high_value_eur"),
    (_case(total="300.00"), "auto_approve", None),
    (_case(country="GB", currency="GBP", total="287.49"), "manual_review", "high_value_gbp"),
    (_case(country="US", currency="USD", total="139.95"), "auto_approve", None),
    (_case(country="CN", currency="CNY", total="1196.00"), "auto_approve", None),
])
def test_policy_rows(case, decision, rule):
    result = _table("returns.policy").evaluate(case, NOW)
    assert result.outputs["decision"] == decision
    assert list(result.matched_rule_ids) == ([rule] if rule else [])
    assert result.outputs["note"]


@pytest.mark.parametrize(("country", "reason", "decision", "expected"), [
    ("NL", "size", "auto_approve", ("EU-BER", "warehouse_eu", "hub")),
    ("FR", "defective", "manual_review", ("EU-BER", "warehouse_eu", "return_centre")),
    ("GB", "size", "manual_review", ("UK-MAN", "warehouse_uk", "return_centre")),
    ("CA", "size", "auto_approve", ("US-SEA", "warehouse_us", "hub")),
    ("NZ", "size", "auto_approve", ("AU-SYD", "warehouse_au", "hub")),
    ("CN", "size", "auto_approve", ("CN-SHA", "warehouse_cn", "home")),
    ("CH", "defective", "manual_review", ("CN-SHA", "warehouse_cn", "home")),
])
def test_routing_rows(country, reason, decision, expected):
    variables = {"order": {"customer": {"country": country}}, "reason": reason,
                 "policy": {"decision": decision}}
    out = _table("returns.routing").evaluate(variables, NOW).outputs
    assert (out["warehouse"], out["team"], out["route"]) == expected
