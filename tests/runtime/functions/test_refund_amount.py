"""The refund calculator against the scenarios of RETURNS.md (amounts exact, as text).

The policy numbers below are what the returns template's `returns.refund` table gives
for each region; the function only does the arithmetic.
"""

from decimal import Decimal

import pytest

from runtime import functions
from runtime.exceptions import NotFound
from runtime.functions import FunctionInputError

NO_FEE = ["defective", "damaged", "wrong_item"]
EU = {"label_fee": "0", "loss_of_value_pct": "10", "loss_of_value_grades": ["B"],
      "no_fee_reasons": NO_FEE, "no_refund_grades": ["missing", "wrong_item"],
      "store_credit_bonus_pct": "10"}
UK = {**EU, "label_fee": "3.99", "vat_rate_pct": "20"}
US = {"label_fee": "0", "restocking_pct": "15", "no_fee_reasons": NO_FEE,
      "no_refund_grades": ["missing", "wrong_item"], "store_credit_bonus_pct": "10"}


def refund(policy, items, currency="EUR", **order):
    return functions.call("refund_amount", {**policy, "currency": currency,
                                            "items": items, **order})


def test_r1_whole_order_grade_a_refunds_item_and_standard_shipping():
    out = refund(EU, [{"price": "40.00", "quantity": 1, "reason": "size", "grade": "A"}],
                 whole_order=True, shipping_paid="4.95", standard_shipping="4.95")
    assert (out["amount"], out["amount_minor"], out["kind"]) == ("44.95", 4495, "refund")


def test_r2_express_shipping_is_refunded_at_the_standard_rate_only():
    out = refund(EU, [{"price": "60", "quantity": 1, "reason": "changed_mind", "grade": "A"}],
                 whole_order=True, shipping_paid="9.90", standard_shipping="4.95")
    assert (out["amount"], out["shipping_refund"]) == ("64.95", "4.95")


def test_r3_grade_b_loses_ten_percent_of_the_item_value():
    out = refund(EU, [{"price": "60", "quantity": 1, "reason": "changed_mind", "grade": "B"}],
                 whole_order=True, shipping_paid="9.90", standard_shipping="4.95")
    assert (out["amount"], out["loss_of_value"], out["items_refund"]) == \
        ("58.95", "6.00", "54.00")


def test_r4_uk_label_fee_deducted_and_vat_adjustment_recorded():
    out = refund(UK, [{"price": "85.00", "quantity": 1, "reason": "size", "grade": "A"}],
                 currency="GBP", whole_order=False, shipping_paid="4.99",
                 standard_shipping="4.99")
    assert (out["amount"], out["label_fee"], out["vat_adjustment"], out["shipping_refund"]) \
        == ("81.01", "3.99", "14.17", "0.00")
    assert Decimal(out["amount"]) + Decimal(out["label_fee"]) == Decimal("85.00")


def test_label_fee_is_never_deducted_for_a_defective_item():
    out = refund(UK, [{"price": "85.00", "quantity": 1, "reason": "defective", "grade": "C"}],
                 currency="GBP")
    assert (out["amount"], out["label_fee"]) == ("85.00", "0.00")


def test_r11_opened_laptop_pays_a_fifteen_percent_restocking_fee():
    out = refund(US, [{"price": "600", "quantity": 1, "reason": "changed_mind",
                       "grade": "B", "restocking": True}], currency="USD")
    assert (out["amount"], out["restocking_fee"], out["amount_minor"]) == ("510.00", "90.00",
                                                                           51000)


def test_r12_store_credit_waives_the_fee_and_adds_the_bonus():
    out = refund(US, [{"price": "600", "quantity": 1, "reason": "changed_mind",
                       "grade": "B", "restocking": True}], currency="USD",
                 resolution="store_credit")
    assert (out["amount"], out["kind"], out["restocking_fee"], out["store_credit_bonus"]) == \
        ("660.00", "store_credit", "0.00", "60.00")


def test_r13_refund_in_the_currency_paid_without_reconversion():
    out = refund(US, [{"price": "135", "quantity": 1, "reason": "size", "grade": "A"}],
                 currency="CAD")
    assert (out["amount"], out["currency"]) == ("135.00", "CAD")


def test_missing_or_wrong_item_refunds_nothing_and_no_shipping():
    out = refund(EU, [{"price": "40", "quantity": 2, "reason": "size", "grade": "missing"}],
                 whole_order=True, shipping_paid="4.95", standard_shipping="4.95")
    assert (out["amount"], out["shipping_refund"], out["lines"][0]["gross"]) == \
        ("0.00", "0.00", "80.00")


def test_jpy_has_no_minor_unit_and_fees_never_make_a_negative_refund():
    out = refund({"label_fee": "1500", "loss_of_value_pct": "10",
                  "loss_of_value_grades": ["B"]},
                 [{"price": "1005", "quantity": 1, "grade": "B"}], currency="JPY")
    assert (out["amount"], out["amount_minor"], out["loss_of_value"]) == ("0", 0, "101")
    assert out["label_fee"] == "904"  # only what there was to deduct (1005 - 101)


def test_quantities_multiply_before_percentages_are_rounded_once():
    out = refund(US, [{"price": "0.15", "quantity": 3, "restocking": True}], currency="USD")
    assert (out["items_refund"], out["restocking_fee"]) == ("0.38", "0.07")


@pytest.mark.parametrize(("inputs", "message"), [
    ({"currency": "EUR", "items": [{"price": 40.5, "quantity": 1}]}, "price"),
    ({"currency": "EUR", "items": [{"price": "abc", "quantity": 1}]}, "price"),
    ({"currency": "EURO", "items": [{"price": "1", "quantity": 1}]}, "ISO 4217"),
    ({"currency": "EUR", "items": []}, "items"),
    ({"currency": "EUR", "items": [{"price": "1", "quantity": 0}]}, "quantity"),
    ({"currency": "EUR", "items": [{"price": "1", "quantity": 1}], "restocking_pct": "-5"},
     "restocking_pct"),
    ({"currency": "EUR", "items": [{"price": "1", "quantity": 1}], "surprise": 1}, "surprise"),
    ([1, 2], "object"),
])
def test_bad_inputs_are_refused_with_the_field_named(inputs, message):
    with pytest.raises(FunctionInputError, match=message):
        functions.call("refund_amount", inputs)


def test_unknown_functions_are_not_found_and_the_registry_lists_names():
    assert "refund_amount" in functions.names()
    with pytest.raises(NotFound):
        functions.call("rm_rf", {})
