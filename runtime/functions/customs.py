"""`customs_items`: the CN23 item block of a return parcel, from the order lines returned.

A customs declaration lists per item the line's totals (value = unit price x quantity,
net weight = unit weight x quantity) and the parcel's total weight, which a request
template cannot compute (it has no arithmetic). Only the lines the customer returns
(`returned`: SKU and quantity) are declared, each with at most the quantity ordered.
Values round half-up to the currency's minor unit, weights to grams (3 decimals).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from runtime import money
from runtime.functions import FunctionInputError, register

_TEXT = {"type": "string", "maxLength": 200}
SCHEMA = {
    "type": "object",
    "required": ["currency", "lines", "returned"],
    "additionalProperties": False,
    "properties": {
        "currency": {"type": "string"},
        "lines": {"type": "array", "maxItems": 200, "items": {
            "type": "object",
            "required": ["sku", "quantity", "unit_price", "weight_kg"],
            "properties": {"sku": _TEXT, "name": _TEXT, "hs_code": _TEXT,
                           "origin_country": _TEXT,
                           "quantity": {"type": "integer", "minimum": 1},
                           "unit_price": {"type": ["string", "integer"]},
                           "weight_kg": {"type": ["string", "integer"]}}}},
        "returned": {"type": "array", "minItems": 1, "maxItems": 200, "items": {
            "type": "object", "required": ["sku", "quantity"],
            "properties": {"sku": _TEXT, "quantity": {"type": "integer", "minimum": 1}}}},
    },
}
GRAM = Decimal("0.001")


def _returned_quantities(returned: list[Mapping[str, Any]]) -> dict[str, int]:
    quantities: dict[str, int] = {}
    for item in returned:
        quantities[item["sku"]] = quantities.get(item["sku"], 0) + item["quantity"]
    return quantities


@register("customs_items", "CN23 items (line totals) and parcel totals for returned lines",
          SCHEMA)
def customs_items(inputs: Mapping[str, Any]) -> dict[str, Any]:
    cur = money.currency_code(inputs["currency"])
    wanted = _returned_quantities(inputs["returned"])
    ordered = {line["sku"]: line for line in inputs["lines"]}
    unknown = sorted(set(wanted) - set(ordered))
    if unknown:
        raise FunctionInputError(f"customs_items: returned SKU {unknown[0]!r} is not on the order")
    items, weight, value = [], Decimal(0), Decimal(0)
    for sku, line in ordered.items():
        if sku not in wanted:
            continue
        quantity = wanted[sku]
        if quantity > line["quantity"]:
            raise FunctionInputError(f"customs_items: {quantity} x {sku!r} returned, "
                                     f"{line['quantity']} ordered")
        line_value = money.quantize(money.decimal(line["unit_price"], "unit_price") * quantity,
                                    cur)
        line_weight = (money.decimal(line["weight_kg"], "weight_kg") * quantity).quantize(
            GRAM, rounding=ROUND_HALF_UP)
        items.append({"sku": sku, "description": str(line.get("name") or sku)[:100],
                      "hs_code": line.get("hs_code"), "quantity": quantity,
                      "value": money.to_text(line_value, cur), "weight_kg": f"{line_weight:f}",
                      "origin_country": line.get("origin_country")})
        weight += line_weight
        value += line_value
    return {"items": [{k: v for k, v in item.items() if v is not None} for item in items],
            "total_weight_kg": f"{weight:f}", "total_value": money.to_text(value, cur),
            "currency": cur, "units": sum(wanted.values())}
