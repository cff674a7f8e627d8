"""The ERP preset against the Odoo-style simulator over real HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from connectors import Transport
from connectors.exceptions import ClientRejected, ServerFailed
from connectors.sandbox import seed

DE = {"order_number": "SO-DE-10421", "email": "anna.schmidt@example.de"}


def test_lookup_returns_the_whole_order(sandbox):
    out = sandbox.call("erp", "lookup_order", DE).outputs
    assert out["currency"] == "EUR" and out["amount_total"] == "288.80"
    assert out["payment_reference"] == seed.payment_intent_id("SO-DE-10421")
    assert out["customer"]["tier"] == "gold" and out["customer"]["country"] == "DE"
    jacket = out["lines"][0]
    assert jacket == {**jacket, "sku": "JK-2041-M", "quantity": 1, "unit_price": "189.00",
                      "hs_code": "6201.30", "weight_kg": "0.950", "origin_country": "PT",
                      "quantity_credited": 0}
    delivered = date.fromisoformat(out["delivery_date"])
    assert delivered == datetime.now(UTC).date() - timedelta(days=6)
    assert out["return_history"] == []
    sent = sandbox.requests[-1]
    assert sent.arg("email") == DE["email"] and sent.header("authorization").startswith("Basic ")


@pytest.mark.parametrize("order", [
    {"order_number": "SO-DE-10421", "email": "someone.else@example.de"},
    {"order_number": "SO-DE-99999", "email": "anna.schmidt@example.de"},
])
def test_a_mismatch_is_not_found_either_way(sandbox, order):
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("erp", "lookup_order", order)
    assert (caught.value.status, caught.value.outcome) == (404, "not_found")
    assert caught.value.details["error"]["message"].startswith("No order matches")


def test_seed_covers_countries_and_currencies():
    orders = seed.seed_orders(datetime.now(UTC))
    assert {o["currency"] for o in orders} >= {"EUR", "GBP", "USD", "AUD", "CNY"}
    assert {o["customer"]["country"] for o in orders} >= {"DE", "FR", "GB", "US", "AU", "CN"}
    for order in orders:
        shipping = Decimal((order["shipping"] or {}).get("amount", "0"))
        total = shipping + sum(Decimal(line["unit_price"]) * line["quantity"]
                               for line in order["lines"])
        assert Decimal(order["amount_total"]) == total
        assert all(line["hs_code"] and Decimal(line["weight_kg"]) > 0 for line in order["lines"])


def test_credit_note_amounts_come_from_the_order_and_never_exceed_it(sandbox):
    note = {"order_number": "SO-DE-10421", "rma_number": "RMA-9", "currency": "EUR",
            "lines": [{"sku": "SC-0107", "quantity": 1}]}
    out = sandbox.call("erp", "create_credit_note", note, key="cn-1").outputs
    assert out["amount_total"] == "49.90" and out["state"] == "posted"
    assert out["credit_note_number"].startswith("RINV/")
    assert sandbox.call("erp", "create_credit_note", note, key="cn-1").outputs == out
    sandbox.call("erp", "create_credit_note", note, key="cn-2")
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("erp", "create_credit_note", note, key="cn-3")
    assert (caught.value.status, caught.value.outcome) == (422, "rejected")
    assert "only 0 of SC-0107" in caught.value.details["error"]["message"]
    looked = sandbox.call("erp", "lookup_order", DE, key="l").outputs
    assert [line["quantity_credited"] for line in looked["lines"]] == [0, 2]


def test_credit_note_refuses_unknown_skus_and_other_currencies(sandbox):
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("erp", "create_credit_note",
                     {"order_number": "SO-DE-10421", "lines": [{"sku": "NOPE", "quantity": 1}]})
    assert caught.value.details["error"]["code"] == "unknown_sku"
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("erp", "create_credit_note",
                     {"order_number": "SO-DE-10421", "currency": "USD",
                      "lines": [{"sku": "SC-0107", "quantity": 1}]}, key="k2")
    assert caught.value.details["error"]["code"] == "currency_mismatch"


def test_stock_move_into_a_chosen_location(sandbox):
    out = sandbox.call("erp", "create_stock_move", {"sku": "JK-2041-M", "quantity": 1,
                                                     "location": "WH-EU/Quarantine",
                                                     "origin": "RMA-9"}).outputs
    assert out["state"] == "done" and out["location"] == "WH-EU/Quarantine"
    assert out["move_reference"].startswith("WH/RET/")
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("erp", "create_stock_move", {"sku": "JK-2041-M", "quantity": 1,
                                                  "location": "Mars/Stock"}, key="m2")
    assert caught.value.details["error"]["code"] == "unknown_location"


def test_error_modes_reach_the_erp_too(sandbox):
    sandbox.mode("erp", "rate_limited", retry_after=1, remaining=1)
    sleeps = []
    result = sandbox.call("erp", "lookup_order", DE, transport=Transport(sleep=sleeps.append))
    assert result.attempts == 2 and sleeps == [1.0]
    sandbox.mode("erp", "error_500")
    with pytest.raises(ServerFailed):
        sandbox.call("erp", "lookup_order", DE, transport=Transport(sleep=lambda s: None))
    sandbox.mode("erp", "not_found", remaining=1)
    with pytest.raises(ClientRejected):
        sandbox.call("erp", "lookup_order", DE)


def test_the_erp_wants_its_own_key(sandbox):
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("erp", "lookup_order", DE, secrets={"api_key": sandbox.settings.key_for(
            "payment")})
    assert caught.value.status == 401
