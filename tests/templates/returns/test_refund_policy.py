"""`returns.refund` as shipped + the `refund_amount` platform function: RETURNS.md amounts.

The table gives the policy numbers for the customer's country (and order total), the
function does the arithmetic; together they must give the scenario amounts exactly.
This is the refund step's calculation without the flow around it; the scenario tests
(test_scenarios_refund.py) run the same amounts through the whole flow.
"""

from __future__ import annotations

import json

import pytest

from runtime import functions
from runtime.rules.tables import compile_table
from tests.templates.returns.conftest import BUNDLE


def _policy(country: str, total: str) -> dict:
    doc = json.loads((BUNDLE / "decision_tables/returns.refund.json").read_text("utf-8"))
    table = compile_table(doc["body"])
    outputs = table.evaluate({"order": {"customer": {"country": country},
                                        "amount_total": total}}).outputs
    # which lines carry the restocking fee is returned_lines' business, not refund_amount's
    return {k: v for k, v in outputs.items()
            if k not in ("restocking_categories", "restocking_grades")}


def _refund(country, currency, total, items, **order):
    return functions.call("refund_amount", {**_policy(country, total), "currency": currency,
                                            "items": items, **order})


def _item(price, grade="A", reason="size", **flags):
    return {"price": price, "quantity": 1, "grade": grade, "reason": reason, **flags}


@pytest.mark.parametrize(("name", "args", "amount"), [
    ("R1", ("DE", "EUR", "44.95", [_item("40.00")],
            {"whole_order": True, "shipping_paid": "4.95", "standard_shipping": "4.95"}),
     "44.95"),
    ("R2", ("FR", "EUR", "69.90", [_item("60.00")],
            {"whole_order": True, "shipping_paid": "9.90", "standard_shipping": "4.95"}),
     "64.95"),
    ("R3", ("FR", "EUR", "69.90", [_item("60.00", grade="B")],
            {"whole_order": True, "shipping_paid": "9.90", "standard_shipping": "4.95"}),
     "58.95"),
    ("R4", ("GB", "GBP", "120.00", [_item("85.00")], {"whole_order": False}), "81.01"),
    ("R11", ("US", "USD", "600.00", [_item("600.00", grade="B", restocking=True)], {}),
     "510.00"),
    ("R12", ("US", "USD", "600.00", [_item("600.00", grade="B", restocking=True)],
             {"resolution": "store_credit"}), "660.00"),
    ("R13", ("CA", "CAD", "135.00", [_item("135.00")], {}), "135.00"),
])
def test_scenario_amounts_from_the_shipped_table(name, args, amount):
    country, currency, total, items, order = args
    out = _refund(country, currency, total, items, **order)
    assert (out["amount"], out["currency"]) == (amount, currency), name


def test_r4_vat_adjustment_is_recorded_for_uk_orders_up_to_135_pounds():
    out = _refund("GB", "GBP", "120.00", [_item("85.00")], whole_order=False)
    assert (out["vat_adjustment"], out["label_fee"]) == ("14.17", "3.99")
    over = _refund("GB", "GBP", "300.00", [_item("85.00")], whole_order=False)
    assert (over["vat_adjustment"], over["amount"]) == ("0.00", "81.01")


def test_au_label_fee_and_no_fees_for_faulty_goods():
    assert _refund("AU", "AUD", "60", [_item("60.00")])["amount"] == "50.05"
    faulty = _refund("GB", "GBP", "85", [_item("85.00", grade="C", reason="defective")])
    assert (faulty["amount"], faulty["label_fee"]) == ("85.00", "0.00")
    eu_restock = _refund("DE", "EUR", "600", [_item("600.00", restocking=True)])
    assert eu_restock["restocking_fee"] == "0.00", "never a restocking fee in the EU"
