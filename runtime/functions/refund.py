"""`refund_amount`: the refund (or store credit) for a return, from its items and the policy.

Only the arithmetic lives here. Every number of the policy - label fee, restocking %,
loss-of-value %, store-credit bonus %, VAT rate, which reasons waive the label fee, which
grades lose value or get nothing - is an input, normally the output of a decision table
(`returns.refund` in the returns template), so an operations manager changes policy in
the builder, not in Python.

Per item: gross = price x quantity; a grade in `no_refund_grades` refunds nothing;
restocking % applies to items flagged `restocking` (waived for store credit); loss of
value % applies to grades in `loss_of_value_grades`; each deduction is rounded once.
Outbound shipping: when the whole order comes back (and no item is graded as refunding
nothing), the standard rate, never more than was paid. The label fee is deducted unless
an item's reason is in `no_fee_reasons`. The total never goes below zero; store credit
adds the bonus % on top. `vat_adjustment` is the tax contained in the refunded items'
prices at `vat_rate_pct` (0 when no adjustment is due).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from runtime import money
from runtime.functions import register

_AMOUNT = {"type": ["string", "integer"]}
_NAMES = {"type": "array", "items": {"type": "string", "maxLength": 64}, "maxItems": 50}

SCHEMA = {
    "type": "object",
    "required": ["currency", "items"],
    "additionalProperties": False,
    "properties": {
        "currency": {"type": "string"},
        "resolution": {"enum": ["refund", "store_credit"]},
        "items": {
            "type": "array", "minItems": 1, "maxItems": 200,
            "items": {
                "type": "object", "required": ["price", "quantity"],
                "properties": {
                    "price": _AMOUNT,
                    "quantity": {"type": "integer", "minimum": 1, "maximum": 100000},
                    "reason": {"type": ["string", "null"]},
                    "grade": {"type": ["string", "null"]},
                    "restocking": {"type": "boolean"},
                },
            },
        },
        "whole_order": {"type": "boolean"},
        "shipping_paid": _AMOUNT,
        "standard_shipping": _AMOUNT,
        "label_fee": _AMOUNT,
        "no_fee_reasons": _NAMES,
        "restocking_pct": _AMOUNT,
        "loss_of_value_pct": _AMOUNT,
        "loss_of_value_grades": _NAMES,
        "no_refund_grades": _NAMES,
        "store_credit_bonus_pct": _AMOUNT,
        "vat_rate_pct": _AMOUNT,
    },
}


PERCENTAGES = ("restocking_pct", "loss_of_value_pct", "store_credit_bonus_pct", "vat_rate_pct")


def _line(item: Mapping[str, Any], inputs: Mapping[str, Any], pct: Mapping[str, Decimal],
          cur: str, store_credit: bool) -> dict[str, Decimal]:
    price = money.money(item["price"], cur, "items[].price")
    gross = money.quantize(price * item["quantity"], cur)
    zero = Decimal(0)
    if item.get("grade") in (inputs.get("no_refund_grades") or ()):
        return {"gross": gross, "restocking_fee": zero, "loss_of_value": zero,
                "refund": money.quantize(zero, cur)}
    restocking = zero
    if item.get("restocking") and not store_credit:
        restocking = money.share(gross, pct["restocking_pct"], cur)
    loss = zero
    if item.get("grade") in (inputs.get("loss_of_value_grades") or ()):
        loss = money.share(gross, pct["loss_of_value_pct"], cur)
    return {"gross": gross, "restocking_fee": restocking, "loss_of_value": loss,
            "refund": max(gross - restocking - loss, zero)}


@register("refund_amount", "Refund or store credit for returned items under a policy", SCHEMA)
def refund_amount(inputs: Mapping[str, Any]) -> dict[str, Any]:
    cur = money.currency_code(inputs["currency"])
    store_credit = inputs.get("resolution") == "store_credit"
    items = inputs["items"]
    pct = {name: money.percent(inputs.get(name, 0), name) for name in PERCENTAGES}
    lines = [_line(item, inputs, pct, cur, store_credit) for item in items]
    items_refund = sum((line["refund"] for line in lines), Decimal(0))

    no_refund = set(inputs.get("no_refund_grades") or ())
    shipping = Decimal(0)
    if inputs.get("whole_order") and not any(i.get("grade") in no_refund for i in items):
        paid = money.money(inputs.get("shipping_paid", 0), cur, "shipping_paid")
        standard = money.money(inputs.get("standard_shipping", 0), cur, "standard_shipping")
        shipping = min(paid, standard)

    label_fee = money.money(inputs.get("label_fee", 0), cur, "label_fee")
    if any(i.get("reason") in (inputs.get("no_fee_reasons") or ()) for i in items):
        label_fee = Decimal(0)
    total = max(items_refund + shipping - label_fee, Decimal(0))
    label_fee = min(label_fee, items_refund + shipping)  # what was really deducted

    bonus = Decimal(0)
    if store_credit:
        bonus = money.share(total, pct["store_credit_bonus_pct"], cur)
    amount = total + bonus
    refunded_gross = sum((line["gross"] for line in lines if line["refund"] > 0), Decimal(0))
    vat = money.contained_tax(refunded_gross, pct["vat_rate_pct"], cur)

    def text(value: Decimal) -> str:
        return money.to_text(value, cur)

    return {
        "amount": text(amount),
        "amount_minor": money.to_minor(amount, cur),
        "currency": cur,
        "kind": "store_credit" if store_credit else "refund",
        "items_refund": text(items_refund),
        "shipping_refund": text(shipping),
        "label_fee": text(label_fee),
        "restocking_fee": text(sum((ln["restocking_fee"] for ln in lines), Decimal(0))),
        "loss_of_value": text(sum((ln["loss_of_value"] for ln in lines), Decimal(0))),
        "store_credit_bonus": text(bonus),
        "vat_adjustment": text(vat),
        "lines": [{k: text(v) for k, v in line.items()} for line in lines],
    }
