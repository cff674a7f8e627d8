"""`customs_items`: CN23 lines with line totals, only for what is returned, exact."""

import pytest

from runtime import functions
from runtime.functions import FunctionInputError

LINES = [
    {"sku": "JK-2041-M", "name": "Merino wool jacket, M", "quantity": 1, "unit_price": "189.00",
     "hs_code": "6201.30", "weight_kg": "0.950", "origin_country": "PT"},
    {"sku": "SC-0107", "name": "Cashmere scarf, grey", "quantity": 2, "unit_price": "49.90",
     "hs_code": "6117.10", "weight_kg": "0.180", "origin_country": "IT"},
]


def test_declares_the_returned_lines_with_their_totals():
    out = functions.call("customs_items", {"currency": "EUR", "lines": LINES,
                                           "returned": [{"sku": "SC-0107", "quantity": 2}]})
    assert out["items"] == [{"sku": "SC-0107", "description": "Cashmere scarf, grey",
                             "hs_code": "6117.10", "quantity": 2, "value": "99.80",
                             "weight_kg": "0.360", "origin_country": "IT"}]
    assert (out["total_weight_kg"], out["total_value"], out["units"]) == ("0.360", "99.80", 2)


def test_several_lines_in_order_line_order():
    out = functions.call("customs_items", {
        "currency": "EUR", "lines": LINES,
        "returned": [{"sku": "SC-0107", "quantity": 1}, {"sku": "JK-2041-M", "quantity": 1}]})
    assert [i["sku"] for i in out["items"]] == ["JK-2041-M", "SC-0107"]
    assert (out["total_weight_kg"], out["total_value"]) == ("1.130", "238.90")


@pytest.mark.parametrize(("returned", "message"), [
    ([{"sku": "NOPE", "quantity": 1}], "not on the order"),
    ([{"sku": "JK-2041-M", "quantity": 2}], "1 ordered"),
    ([], "returned"),
])
def test_what_was_not_ordered_cannot_be_declared(returned, message):
    with pytest.raises(FunctionInputError, match=message):
        functions.call("customs_items", {"currency": "EUR", "lines": LINES,
                                         "returned": returned})


def test_a_float_weight_is_refused():
    lines = [{**LINES[0], "weight_kg": 0.95}]
    with pytest.raises(FunctionInputError, match="weight_kg"):
        functions.call("customs_items", {"currency": "EUR", "lines": lines,
                                         "returned": [{"sku": "JK-2041-M", "quantity": 1}]})
