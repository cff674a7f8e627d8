"""RETURNS.md R5, returnless refunds, end to end over HTTP (portal, carrier quote, payment).

AU, a A$60 shirt whose return label the sandbox carrier quotes at A$35 (more than half of
its value): the customer keeps it and is refunded A$60 without a label, a parcel or an
inspection. The same customer's second returnless request for that SKU within 12 months
(she bought the shirt again) goes to manual review instead.
"""

from __future__ import annotations

from app.extensions import db
from app.models import FlowInstance, Incident, InstanceEvent
from app.models.mail import MailMessage
from app.sandbox.store import DatabaseStore
from tests.templates.returns.conftest import (
    SQLITE_ONLY,
    open_task,
    refunds,
    request_return,
    settle,
)

pytestmark = SQLITE_ONLY
EMAIL = "mia.taylor@example.com.au"


def case_of(order_number: str) -> FlowInstance:
    [case] = [c for c in db.session.scalars(db.select(FlowInstance)).all()
              if (c.variables.get("order") or {}).get("order_number") == order_number]
    return case


def entered(case: FlowInstance) -> set[str]:
    return set(db.session.scalars(db.select(InstanceEvent.node_id).where(
        InstanceEvent.instance_id == case.id, InstanceEvent.type == "node_entered")))


def test_r5_keep_the_shirt_refund_a60_then_second_returnless_is_reviewed(returns_app, client):
    first = request_return(client, "SO-AU-40150", EMAIL, reason="changed_mind")
    assert first.status_code == 302, first.get_data(as_text=True)[:1000]
    settle()
    case = case_of("SO-AU-40150")
    assert db.session.scalars(db.select(Incident)).all() == []
    assert case.status == "completed", case.variables
    assert case.variables["label_quote"] == {"amount": "35.00", "currency": "AUD",
                                             "zone": "domestic"}
    assert case.variables["label_share"]["percent"] == "58.33"
    assert case.variables["returnless_check"]["why"] == "label_cost"
    assert case.variables["policy"]["decision"] == "returnless"
    assert case.variables["policy"]["reason_code"] == "keep_item"
    assert case.variables["returnless"] is True
    refund = case.variables["refund"]
    assert (refund["amount"], refund["currency"], refund["status"]) == ("60.00", "AUD",
                                                                        "succeeded")
    assert case.variables["refund_calc"]["label_fee"] == "0.00"  # AU charges A$9.95 otherwise
    assert refunds() == [(6000, "AUD")]
    nodes = entered(case)
    assert "routing" in nodes  # the boards count it as approved
    assert not nodes & {"customs", "label", "asn", "in_transit", "inspect", "stock_move"}
    store = DatabaseStore()
    assert store.list("carrier.shipment") == []  # a quote, never a label
    [note] = store.list("erp.credit_note")
    assert (note["order_number"], [line["sku"] for line in note["lines"]]) == (
        "SO-AU-40150", ["SH-LIN-M"])
    assert store.list("erp.stock_move") == []
    mails = {m.subject: m.text for m in db.session.scalars(db.select(MailMessage))
             if EMAIL in m.to_addrs}  # the receipt, then "keep it", not "received and checked"
    assert set(mails) == {f"Your request {case.case_number}",
                          f"Your return {case.case_number}: please keep the item"}
    mail = mails[f"Your return {case.case_number}: please keep the item"]
    assert "please keep the item" in mail and "60.00 AUD" in mail

    second = request_return(client, "SO-AU-40188", EMAIL, reason="changed_mind")
    assert second.status_code == 302, second.get_data(as_text=True)[:1000]
    settle()
    again = case_of("SO-AU-40188")
    assert again.variables["returnless_check"]["eligible"] is True
    assert again.variables["prior_returnless"]["cases"] == [case.case_number]
    assert again.variables["policy"] == {
        "decision": "manual_review", "reason_code": "review",
        "note": "Second returnless refund for this customer and SKU within 12 months"}
    assert again.status == "waiting" and open_task("review").instance_id == again.id
    assert "returnless" not in again.variables
    assert refunds() == [(6000, "AUD")]
