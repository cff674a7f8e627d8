"""The CRM (HubSpot-style) and FX presets against their simulators over real HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from connectors import Transport
from connectors.exceptions import ClientRejected, ConnectorTimeout
from connectors.sandbox import fx


def test_contact_ticket_update_and_note(sandbox):
    contact = sandbox.call("crm", "find_contact", {"email": "lucie.martin@example.fr"}).outputs
    assert (contact["first_name"], contact["last_name"]) == ("Lucie", "Martin")
    assert sandbox.requests[-1].path == "/crm/v3/objects/contacts/lucie.martin@example.fr"
    assert sandbox.requests[-1].arg("idProperty") == "email"
    ticket = sandbox.call("crm", "create_ticket", {
        "subject": "Return RMA-1: wrong size", "content": "<b>size 39 too small</b>",
        "priority": "HIGH", "contact_id": contact["contact_id"]}, key="t1").outputs
    assert ticket["stage"] == "1"
    stored = sandbox.store.get("crm.ticket", ticket["ticket_id"])
    assert stored["properties"]["hs_ticket_priority"] == "HIGH"
    assert stored["associations"][0]["to"]["id"] == contact["contact_id"]
    updated = sandbox.call("crm", "update_ticket", {"ticket_id": ticket["ticket_id"],
                                                    "stage": "4"}, key="t2").outputs
    assert updated["stage"] == "4"
    note = sandbox.call("crm", "add_note", {"body": "Refund of 59.00 EUR issued",
                                            "contact_id": contact["contact_id"]}, key="n1")
    assert note.status == 201 and note.outputs["note_id"].isdigit()


def test_crm_not_found_and_invalid(sandbox):
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("crm", "find_contact", {"email": "nobody@example.org"})
    assert caught.value.outcome == "not_found"
    assert caught.value.details["category"] == "OBJECT_NOT_FOUND"
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("crm", "update_ticket", {"ticket_id": "12345", "stage": "2"})
    assert caught.value.status == 404


def test_crm_hang_hits_the_read_timeout(sandbox):
    sandbox.mode("crm", "hang", seconds=1)
    with pytest.raises(ConnectorTimeout):
        sandbox.call("crm", "find_contact", {"email": "lucie.martin@example.fr"},
                     transport=Transport(sleep=lambda s: None), retry={"max_attempts": 1},
                     timeouts={"connect_seconds": 1, "read_seconds": 0.3})


def test_fx_rates_are_deterministic_plausible_decimals(sandbox):
    day = (datetime.now(UTC).date() - timedelta(days=3)).isoformat()
    out = sandbox.call("fx", "get_rate", {"base": "EUR", "quote": "GBP", "date": day}).outputs
    again = sandbox.call("fx", "get_rate", {"base": "EUR", "quote": "GBP", "date": day}).outputs
    assert out == again and out["date"] == day
    assert Decimal("0.84") < Decimal(out["rate"]) < Decimal("0.88")
    assert len(out["rate"].split(".")[1]) == 6
    assert "access_key=" not in str(out)
    back = sandbox.call("fx", "get_rate", {"base": "GBP", "quote": "EUR", "date": day}).outputs
    product = Decimal(out["rate"]) * Decimal(back["rate"])
    assert abs(product - 1) < Decimal("0.00001")
    assert sandbox.requests[-1].arg("access_key") == sandbox.settings.key_for("fx")


def test_fx_rates_move_from_day_to_day_within_bounds():
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(60)]
    rates = {fx.rate("EUR", "USD", d) for d in days}
    assert len(rates) > 30
    assert all(Decimal("1.068") < r < Decimal("1.102") for r in rates)


def test_fx_refuses_unknown_currencies_and_future_dates(sandbox):
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("fx", "get_rate", {"base": "EUR", "quote": "XXX"})
    assert caught.value.outcome == "unsupported"
    future = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("fx", "get_rate", {"base": "EUR", "quote": "USD", "date": future})
    assert caught.value.details["error"]["code"] == "date_in_future"
