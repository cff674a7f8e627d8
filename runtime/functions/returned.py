"""`returned_lines`: the returned items priced from the order, in the shape `refund_amount` takes.

Why a function: the refund calculator needs per item the price paid, the reason, the
inspection grade and whether a restocking fee may apply, plus whether the whole order
came back and what shipping was paid - a join of the order's lines with the returned
SKUs and quantities that a mapping cannot express (it has no lookup or comparison).

Policy stays data: which line categories carry a restocking fee (`restocking_categories`)
and for which grades (`restocking_grades`, e.g. only opened goods) come from a decision
table. `shipping` is the order's shipping as the ERP reports it (`amount` paid,
`standard_rate`); both are passed through as decimal text, never computed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime import money
from runtime.functions import FunctionInputError, register
from runtime.functions.customs import _returned_quantities

_TEXT = {"type": "string", "maxLength": 200}
_NAMES = {"type": ["array", "null"], "items": {"type": "string", "maxLength": 64},
          "maxItems": 50}
SCHEMA = {
    "type": "object",
    "required": ["currency", "lines", "returned"],
    "additionalProperties": False,
    "properties": {
        "currency": {"type": "string"},
        "lines": {"type": "array", "maxItems": 200, "items": {
            "type": "object", "required": ["sku", "quantity", "unit_price"],
            "properties": {"sku": _TEXT, "category": {"type": ["string", "null"]},
                           "quantity": {"type": "integer", "minimum": 1},
                           "unit_price": {"type": ["string", "integer"]}}}},
        "returned": {"type": "array", "minItems": 1, "maxItems": 200, "items": {
            "type": "object", "required": ["sku", "quantity"],
            "properties": {"sku": _TEXT, "quantity": {"type": "integer", "minimum": 1}}}},
        "reason": {"type": ["string", "null"], "maxLength": 64},
        "grade": {"type": ["string", "null"], "maxLength": 32},
        "restocking_categories": _NAMES,
        "restocking_grades": _NAMES,
        "shipping": {"type": ["object", "null"], "properties": {
            "amount": {"type": ["string", "integer"]},
            "standard_rate": {"type": ["string", "integer"]}}},
    },
}


@register("returned_lines", "Returned items priced from the order lines, whole-order flag and "
          "shipping paid, for refund_amount", SCHEMA)
def returned_lines(inputs: Mapping[str, Any]) -> dict[str, Any]:
    cur = money.currency_code(inputs["currency"])
    wanted = _returned_quantities(inputs["returned"])
    ordered = {line["sku"]: line for line in inputs["lines"]}
    unknown = sorted(set(wanted) - set(ordered))
    if unknown:
        raise FunctionInputError(f"returned_lines: returned SKU {unknown[0]!r} is not on the "
                                 "order")
    grade = inputs.get("grade")
    opened = grade in (inputs.get("restocking_grades") or ())
    categories = set(inputs.get("restocking_categories") or ())
    items = []
    for sku, line in ordered.items():
        if sku not in wanted:
            continue
        if wanted[sku] > line["quantity"]:
            raise FunctionInputError(f"returned_lines: {wanted[sku]} x {sku!r} returned, "
                                     f"{line['quantity']} ordered")
        price = money.money(line["unit_price"], cur, "lines[].unit_price")
        items.append({"sku": sku, "price": money.to_text(price, cur), "quantity": wanted[sku],
                      "reason": inputs.get("reason"), "grade": grade,
                      "restocking": opened and line.get("category") in categories})
    whole = all(wanted.get(sku, 0) >= line["quantity"] for sku, line in ordered.items())
    shipping = inputs.get("shipping") or {}
    paid = money.money(shipping.get("amount", 0), cur, "shipping.amount")
    standard = money.money(shipping.get("standard_rate", paid), cur, "shipping.standard_rate")
    return {"items": items, "whole_order": whole, "currency": cur,
            "shipping_paid": money.to_text(paid, cur),
            "standard_shipping": money.to_text(standard, cur)}
