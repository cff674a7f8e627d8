"""The ERP's `sales_of_sku` action against the simulator's seeded sales, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.exceptions import ClientRejected
from connectors.sandbox import sales


def _period(days: int) -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {"date_from": (today - timedelta(days=days - 1)).isoformat(),
            "date_to": today.isoformat()}


def test_units_sold_in_the_last_30_days_with_the_supplier(sandbox):
    out = sandbox.call("erp", "sales_of_sku", {"sku": "HP-ANC-200", **_period(30)}).outputs
    assert out["quantity_sold"] == 100  # RETURNS.md R17: 6 defect returns are 6%
    assert out["name"] == "Wireless headphones"
    assert out["supplier"]["email"] == "quality@audiotek.example.cn"
    longer = sandbox.call("erp", "sales_of_sku", {"sku": "HP-ANC-200", **_period(60)}).outputs
    assert longer["quantity_sold"] == 100 + 112


def test_daily_figures_vary_like_sales_and_add_up_per_block():
    today = datetime(2026, 12, 7, 12, tzinfo=UTC).date()
    days = sales.daily_sales("HP-ANC-200", today)
    assert len(days) == sales.HISTORY_DAYS and sum(days.values()) == 100 + 112 + 94
    last_30 = [days[today - timedelta(days=i)] for i in range(30)]
    assert sum(last_30) == 100 and min(last_30) >= 1 and len(set(last_30)) > 1
    assert sales.daily_sales("HP-ANC-200", today) == days  # the same on every run


@pytest.mark.parametrize(("inputs", "outcome"), [
    ({"sku": "NO-SUCH-SKU", **_period(30)}, "not_found"),
    ({"sku": "HP-ANC-200", "date_from": "2026-12-07", "date_to": "2026-01-01"}, "invalid"),
])
def test_unknown_sku_and_backwards_period_are_refused(sandbox, inputs, outcome):
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("erp", "sales_of_sku", inputs)
    assert caught.value.outcome == outcome
