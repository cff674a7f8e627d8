"""`returned_lines`: returned SKUs priced from the order, ready for `refund_amount`."""

import pytest

from runtime import functions
from runtime.functions import FunctionInputError

LINES = [{"sku": "LT-PRO-14", "quantity": 1, "unit_price": "600.00", "category": "electronics"},
         {"sku": "SL-NEO-14", "quantity": 2, "unit_price": "24.50"}]
POLICY = {"restocking_categories": ["electronics"], "restocking_grades": ["B"]}


def _call(returned, grade="B", **more):
    return functions.call("returned_lines", {"currency": "USD", "lines": LINES,
                                             "returned": returned, "reason": "changed_mind",
                                             "grade": grade, **POLICY, **more})


def test_prices_the_returned_lines_and_flags_restocking_by_category_and_grade():
    out = _call([{"sku": "LT-PRO-14", "quantity": 1}, {"sku": "SL-NEO-14", "quantity": 1}])
    assert out["items"] == [
        {"sku": "LT-PRO-14", "price": "600.00", "quantity": 1, "reason": "changed_mind",
         "grade": "B", "restocking": True},
        {"sku": "SL-NEO-14", "price": "24.50", "quantity": 1, "reason": "changed_mind",
         "grade": "B", "restocking": False}]
    assert out["whole_order"] is False  # one sleeve of two stays with the customer
    assert _call([{"sku": "LT-PRO-14", "quantity": 1}], grade="A")["items"][0]["restocking"] \
        is False


def test_whole_order_and_shipping_paid_versus_the_standard_rate():
    out = _call([{"sku": "LT-PRO-14", "quantity": 1}, {"sku": "SL-NEO-14", "quantity": 2}],
                shipping={"amount": "9.90", "standard_rate": "4.95"})
    assert (out["whole_order"], out["shipping_paid"], out["standard_shipping"]) == \
        (True, "9.90", "4.95")
    plain = _call([{"sku": "SL-NEO-14", "quantity": 1}], shipping=None)
    assert (plain["shipping_paid"], plain["standard_shipping"]) == ("0.00", "0.00")


@pytest.mark.parametrize(("returned", "message"), [
    ([{"sku": "XX-1", "quantity": 1}], "not on the order"),
    ([{"sku": "SL-NEO-14", "quantity": 3}], "2 ordered"),
])
def test_refuses_what_was_not_ordered(returned, message):
    with pytest.raises(FunctionInputError, match=message):
        _call(returned)


def test_feeds_refund_amount_directly():
    lines = _call([{"sku": "LT-PRO-14", "quantity": 1}])
    out = functions.call("refund_amount", {"currency": "USD", "items": lines["items"],
                                           "whole_order": lines["whole_order"],
                                           "restocking_pct": "15"})
    assert out["amount"] == "510.00"


def test_format_text_fills_placeholders_and_names_a_missing_one():
    out = functions.call("format_text", {"template": "{{rma}}: {{ amount }} {{cur}} ({{note}})",
                                         "values": {"rma": "RMA-000001", "amount": "44.95",
                                                    "cur": "EUR", "note": None}})
    assert out["text"] == "RMA-000001: 44.95 EUR ()"
    with pytest.raises(FunctionInputError, match=r"no value for \{\{grade\}\}"):
        functions.call("format_text", {"template": "grade {{grade}}", "values": {}})
