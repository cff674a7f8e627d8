"""Checklist 28: a refund amount tampered with in the browser is ignored; the server computes it.

The returns template's refund is computed by the flow on the server (returns.refund +
returned_lines + refund_amount) from the ERP's order, never from what a browser sent.
Here every form on the way posts amounts of its own - the customer's request (extra
refund/price/total fields), the warehouse's inspection form, and finance's "refund
failed" retry - and the payment sandbox must still receive exactly the server's amount
(R1: one EUR 40.00 T-shirt + EUR 4.95 standard shipping, whole order, grade A = EUR
44.95), once. A request for more units than were bought is refused on the form.
"""

from __future__ import annotations

from app.extensions import db
from app.models import FlowInstance
from tests.app.sandbox.conftest import served  # noqa: F401 - fixture of returns_app
from tests.factories import make_api_token, make_user
from tests.templates.returns.conftest import (
    SQLITE_ONLY,
    answer_task,
    carrier_scan,
    open_task,
    refunds,
    request_return,
    settle,
    the_case,
    warehouse_grades,
)
from tests.templates.returns.conftest import returns_app as returns_app  # the fixture

pytestmark = SQLITE_ONLY

#: What a tampering browser adds to any form: amounts under every name the flow uses.
TAMPERED = {"refund/amount": "9999.00", "refund/amount_minor": "999900",
            "refund/currency": "USD", "refund_amount": "9999.00", "amount": "9999.00",
            "amount_minor": "999900", "refund_calc/amount": "9999.00", "price": "9999.00",
            "shipping_paid": "500.00", "order/amount_total": "9999.00"}
R1_MINOR, R1_AMOUNT = 4495, "44.95"


def _assert_server_amount(case: FlowInstance) -> None:
    assert case.status == "completed", case.variables.get("refund_error")
    assert refunds() == [(R1_MINOR, "EUR")]  # what the payment sandbox was asked to pay
    refund = case.variables["refund"]
    assert (refund["amount"], refund["currency"], refund["status"]) == (
        R1_AMOUNT, "EUR", "succeeded")
    assert case.variables["refund_calc"]["amount"] == R1_AMOUNT
    assert case.variables["order"]["amount_total"] != "9999.00"
    for name in ("refund_amount", "amount", "amount_minor", "price", "shipping_paid"):
        assert name not in case.variables, name


def test_c28_amounts_posted_with_the_request_and_the_inspection_are_ignored(returns_app,
                                                                            client):
    _app, staff = returns_app
    response = request_return(client, "SO-DE-10630", "max.mueller@example.de",
                              reason="size", **TAMPERED, **{
                                  "items/0/unit_price": "9999.00", "items/0/price": "9999.00",
                                  "items/0/name": "Gold bar"})
    assert response.status_code in (302, 422), response.get_data(as_text=True)[:1000]
    if response.status_code == 422:  # refused outright is fine too: then send it clean
        assert refunds() == []
        response = request_return(client, "SO-DE-10630", "max.mueller@example.de",
                                  reason="size")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    settle()
    case = the_case()
    assert case.variables["customs"]["items"][0]["value"] == "40.00"  # from the ERP's order
    carrier_scan(client)
    warehouse_grades(client, staff["warehouse_eu"], "A", **TAMPERED)
    case = the_case()
    _assert_server_amount(case)
    assert "refund" not in case.variables["inspection_task"].get("data", {})


def test_c28_an_amount_posted_with_finance_s_retry_is_ignored(returns_app, client):
    _app, staff = returns_app
    request_return(client, "SO-DE-10630", "max.mueller@example.de", reason="size")
    settle()
    carrier_scan(client)
    _payment_mode(client, "decline")
    warehouse_grades(client, staff["warehouse_eu"], "A")
    assert refunds() == []
    _payment_mode(client, None)
    answer_task(client, staff["finance"], open_task("refund_failed"), "retry",
                note="retry with my own amount", **TAMPERED)
    _assert_server_amount(the_case())


def test_c28_more_units_than_were_bought_are_never_paid_for(returns_app, client):
    response = request_return(client, "SO-DE-10630", "max.mueller@example.de",
                              reason="size", **{"items/0/quantity": "9"})
    # Refused on the form against the signed lookup proof: no case, so no incident later.
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:1000]
    assert "you can send back at most 1" in html
    settle()
    assert refunds() == []
    assert db.session.scalars(db.select(FlowInstance)).first() is None


def _payment_mode(client, mode: str | None) -> None:
    admin = {"Authorization": f"Bearer {make_api_token(make_user('admin'))}"}
    switched = client.post("/sandbox/_control/payment/mode", headers=admin, json={"mode": mode})
    assert switched.status_code == 200, switched.get_data(as_text=True)[:300]
