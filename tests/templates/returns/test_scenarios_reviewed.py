"""Refunds of returns a person reviewed first: R9 (gold, but reviewed for fraud signals:
refund only after inspection), R11 (US opened laptop, 15% restocking fee), R12 (the
same as store credit: fee waived, 10% bonus, nothing sent to the card) and the tail of
R6 (warranty, grade C: repair or replace, or a refund without fees)."""

from __future__ import annotations

from io import BytesIO

from app.sandbox.store import DatabaseStore
from tests.app.forms.kit import jpeg_bytes
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

pytestmark = SQLITE_ONLY


def _reviewed(client, staff, order, email, reason="changed_mind", **answers):
    response = request_return(client, order, email, reason=reason, **answers)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    settle()
    assert the_case().variables["policy"]["decision"] == "manual_review"
    answer_task(client, staff["agent"], open_task("review"), "approve")
    carrier_scan(client)


def test_r9_gold_frequent_returner_is_refunded_only_after_inspection(returns_app, client):
    _app, staff = returns_app
    _reviewed(client, staff, "SO-DE-10711", "sven.koch@example.de")
    case = the_case()
    assert case.variables["order"]["customer"]["tier"] == "gold"
    assert case.variables["transit"]["first_scan_at"] and refunds() == []
    assert "refund" not in case.variables
    warehouse_grades(client, staff["warehouse_eu"], "A")
    assert the_case().status == "completed"
    assert refunds() == [(11900, "EUR")]


def test_r11_opened_laptop_refunds_510_dollars_after_the_restocking_fee(returns_app, client):
    _app, staff = returns_app
    _reviewed(client, staff, "SO-US-30890", "daniel.brooks@example.com")
    warehouse_grades(client, staff["warehouse_us"], "B")
    case = the_case()
    assert case.status == "completed"
    assert refunds() == [(51000, "USD")]
    assert case.variables["refund_calc"]["restocking_fee"] == "90.00"
    assert case.variables["refund"]["method"] == "original_payment"


def test_r12_store_credit_of_660_dollars_waives_the_fee(returns_app, client):
    _app, staff = returns_app
    _reviewed(client, staff, "SO-US-30890", "daniel.brooks@example.com",
              resolution="store_credit")
    warehouse_grades(client, staff["warehouse_us"], "B")
    case = the_case()
    assert case.status == "completed"
    assert refunds() == []  # store credit is not a card refund
    refund = case.variables["refund"]
    assert (refund["amount"], refund["currency"], refund["method"], refund["status"]) == \
        ("660.00", "USD", "store_credit", "issued")
    assert case.variables["refund_calc"]["restocking_fee"] == "0.00"
    [note] = DatabaseStore().list("crm.note")
    assert "660.00 USD as store_credit" in note["properties"]["hs_note_body"]


def test_r6_warranty_grade_c_goes_to_repair_or_replace_and_refunds_without_fees(returns_app,
                                                                               client):
    _app, staff = returns_app
    _reviewed(client, staff, "SO-FR-11020", "ines.bernard@example.fr", reason="defective",
              photos=(BytesIO(jpeg_bytes(size=(320, 240))), "broken.jpg"))
    assert the_case().variables["policy"]["reason_code"] == "warranty"
    warehouse_grades(client, staff["warehouse_eu"], "C")
    task = open_task("repair_or_replace")
    assert (task.team_key, task.data["outcomes"]) == ("cs_agent", ["repair", "replace", "refund"])
    assert refunds() == []
    answer_task(client, staff["agent"], task, "refund", remedy_note="no spare part left")
    case = the_case()
    assert case.status == "completed"
    assert refunds() == [(18000, "EUR")]  # the full price: no label fee, no loss of value
    calc = case.variables["refund_calc"]
    assert (calc["label_fee"], calc["loss_of_value"]) == ("0.00", "0.00")
    assert case.variables["inspection"]["disposition"] == "refurbish"
