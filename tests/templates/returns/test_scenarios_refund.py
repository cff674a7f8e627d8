"""RETURNS.md refund scenarios end to end over HTTP: portal, carrier webhooks, inbox, payment.

Each case is requested in the portal, travels by the sandbox carrier's signed tracking
webhooks, is graded by the warehouse team after scanning its RMA barcode, and is refunded
by the flow: returns.refund + returned_lines + refund_amount on the server, paid through
the payment sandbox in the currency paid (asserted on what the sandbox recorded), then
the ERP credit note, stock move and CRM note.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from app.extensions import db
from app.models import Incident
from app.models.mail import MailMessage
from app.sandbox.store import DatabaseStore
from tests.templates.returns.conftest import (
    SQLITE_ONLY,
    answer_task,
    carrier_scan,
    open_task,
    refunds,
    request_return,
    settle,
    status_page,
    the_case,
    warehouse_grades,
)

pytestmark = SQLITE_ONLY


def test_r1_grade_a_refunds_44_95_eur_to_the_card_then_erp_and_crm(returns_app, client):
    _app, staff = returns_app
    response = request_return(client, "SO-DE-10630", "max.mueller@example.de", reason="size")
    settle()
    assert the_case().status == "waiting"
    assert "please send the parcel" in status_page(client, response)
    carrier_scan(client, "in_transit")
    case = the_case()
    assert case.variables["transit"]["first_scan_at"] and refunds() == []
    assert "on its way to our returns centre" in status_page(client, response)
    warehouse_grades(client, staff["warehouse_eu"], "A")
    case = the_case()
    assert db.session.scalars(db.select(Incident)).all() == []
    assert case.status == "completed", case.variables
    assert refunds() == [(4495, "EUR")]
    refund = case.variables["refund"]
    assert {k: refund[k] for k in ("amount", "currency", "method", "status")} == {
        "amount": "44.95", "currency": "EUR", "method": "original_payment",
        "status": "succeeded"}
    assert refund["id"].startswith("re_3")
    assert case.variables["inspection"]["disposition"] == "restock"
    assert case.variables["transit"]["delivered_at"] >= case.variables["transit"]["first_scan_at"]
    store = DatabaseStore()
    [note] = store.list("erp.credit_note")
    assert (note["order_number"], note["rma_number"], note["currency"]) == \
        ("SO-DE-10630", case.case_number, "EUR")
    assert [(line["sku"], line["quantity"]) for line in note["lines"]] == [("TS-BAS-M", 1)]
    [move] = store.list("erp.stock_move")
    assert (move["sku"], move["quantity"], move["location_dest"]) == ("TS-BAS-M", 1, "WH-EU/Stock")
    [crm] = store.list("crm.note")
    assert crm["properties"]["hs_note_body"] == (
        f"Return {case.case_number} closed: 44.95 EUR as original_payment; grade A (restock); "
        f"ERP credit note {note['name']}.")
    assert "refund has been issued" in status_page(client, response)
    [mail] = db.session.scalars(db.select(MailMessage).where(
        MailMessage.subject == f"Your return {case.case_number} is complete")).all()
    assert mail.to_addrs == ["max.mueller@example.de"]
    assert "We have issued 44.95 EUR (original_payment" in mail.text
    [link] = re.findall(r"https?://\S+/portal/case/\S+", mail.text)  # the case's status link
    assert link.startswith(_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/portal/case/")
    page = client.get(urlsplit(link).path).get_data(as_text=True)
    assert "refund has been issued" in page and "<dd>€44.95</dd>" in page
    updates = db.session.scalars(db.select(MailMessage.text).where(  # approved, then received
        MailMessage.subject == f"Your request {case.case_number}: an update")).all()
    assert [u.split("\n")[0] for u in updates] == [
        "Your return is approved: please send the parcel",
        "Your parcel has arrived; we are checking the items"]
    assert all(link in u for u in updates)


@pytest.mark.parametrize(("order", "email", "keep", "team", "grade", "paid", "parts"), [
    pytest.param("SO-FR-11230", "lea.petit@example.fr", (), "warehouse_eu", "A",
                 (6495, "EUR"), {"shipping_refund": "4.95"}, id="R2-express-paid"),
    pytest.param("SO-FR-11230", "lea.petit@example.fr", (), "warehouse_eu", "B",
                 (5895, "EUR"), {"loss_of_value": "6.00", "shipping_refund": "4.95"},
                 id="R3-grade-B"),
    pytest.param("SO-UK-20415", "amelia.clarke@example.co.uk", (1,), "warehouse_uk", "A",
                 (8101, "GBP"), {"label_fee": "3.99", "vat_adjustment": "14.17",
                                 "shipping_refund": "0.00"}, id="R4-uk-part"),
    pytest.param("SO-CA-60135", "sophie.tremblay@example.ca", (), "warehouse_us", "A",
                 (13500, "CAD"), {"label_fee": "0.00"}, id="R13-cad"),
])
def test_refund_in_the_currency_paid(returns_app, client, order, email, keep, team, grade,
                                     paid, parts):
    _app, staff = returns_app
    response = request_return(client, order, email, keep=keep, reason="size")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    settle()
    assert the_case().variables["policy"]["decision"] == "auto_approve"
    carrier_scan(client)
    warehouse_grades(client, staff[team], grade)
    case = the_case()
    assert case.status == "completed", case.variables.get("refund_error")
    assert refunds() == [paid]
    amount = f"{paid[0] // 100}.{paid[0] % 100:02d}"
    assert (case.variables["refund"]["amount"], case.variables["refund"]["currency"]) == \
        (amount, paid[1])
    assert {k: case.variables["refund_calc"][k] for k in parts} == parts
    if "vat_adjustment" in parts:  # recorded on the case for that month's VAT return
        assert case.variables["refund"]["vat_adjustment"] == parts["vat_adjustment"]


def test_gold_tier_is_refunded_at_the_first_scan_then_inspected(returns_app, client):
    _app, staff = returns_app
    request_return(client, "SO-DE-10421", "anna.schmidt@example.de", reason="size")
    settle()
    assert the_case().variables["order"]["customer"]["tier"] == "gold"
    carrier_scan(client)
    case = the_case()
    assert refunds() == [(28880, "EUR")], case.variables.get("refund_error")
    assert case.status == "waiting" and case.variables["refund"]["status"] == "succeeded"
    assert "inspection" not in case.variables
    warehouse_grades(client, staff["warehouse_eu"], "A")
    case = the_case()
    assert case.status == "completed"
    assert refunds() == [(28880, "EUR")]  # inspection after the refund pays nothing more
    assert case.variables["inspection"]["grade"] == "A"


def test_a_parcel_graded_missing_refunds_nothing_and_opens_an_investigation(returns_app,
                                                                            client):
    _app, staff = returns_app
    response = request_return(client, "SO-DE-10630", "max.mueller@example.de", reason="size")
    settle()
    carrier_scan(client)
    warehouse_grades(client, staff["warehouse_eu"], "missing", items_match="false")
    case = the_case()
    assert case.variables["inspection"]["disposition"] == "investigate"
    assert case.variables["inspection"]["items_match"] is False
    task = open_task("investigate")
    assert task.team_key == "cs_lead"
    assert "did not contain the items we expected" in status_page(client, response)
    answer_task(client, staff["lead"], task, "closed")
    assert the_case().status == "completed"
    assert refunds() == [] and DatabaseStore().list("erp.credit_note") == []
