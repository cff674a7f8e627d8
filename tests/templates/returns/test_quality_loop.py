"""RETURNS.md stage 10 and R17: the quality loop of the returns template.

Defect-type returns of one SKU above 5% of the units sold in the last 30 days (the
sandbox ERP sold exactly 100 HP-ANC-200 in that window) open one quality claim against
the supplier: a task for purchasing and an e-mail to the supplier with the case
numbers. Later qualifying returns join the open claim instead of opening another.
The check counts the template's own cases (platform.count_cases), asks the ERP for the
sales (erp.sales_of_sku), and opens or messages the claim (platform.message_or_start).
SQLite only: the database-specific parts have their own tests in tests/app/flows.
"""

from __future__ import annotations

import secrets
from io import BytesIO

import pytest

from app.extensions import db
from app.flows import service
from app.models import FlowInstance, MailMessage, Task
from tests.app.forms.kit import jpeg_bytes
from tests.factories import csrf_token, login, make_user
from tests.templates.returns.conftest import FLOW, request_return, settle

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
SKU = "HP-ANC-200"
SUPPLIER = "quality@audiotek.example.cn"


def _claims() -> list[FlowInstance]:
    return list(db.session.scalars(db.select(FlowInstance).where(
        FlowInstance.flow_key == "returns.quality_claim").order_by(FlowInstance.id)))


def _claim_tasks() -> list[Task]:
    return list(db.session.scalars(db.select(Task).where(Task.team_key == "purchasing")))


def _supplier_mails() -> list[MailMessage]:
    return [m for m in db.session.scalars(db.select(MailMessage)) if SUPPLIER in m.to_addrs]


def _return_case(number: int, reason: str = "defective", sku: str = SKU) -> str:
    """A returns.rma case as the portal leaves it (only what the count reads)."""
    case_number = f"RMA-{number:06d}"
    db.session.add(FlowInstance(
        public_id=secrets.token_urlsafe(16), case_number=case_number, flow_key=FLOW,
        flow_version=1, state={}, status="waiting",
        variables={"case_number": case_number, "reason": reason,
                   "items": [{"sku": sku, "name": "Wireless headphones", "quantity": 1}]}))
    db.session.commit()
    return case_number


def _check(case_number: str) -> FlowInstance:
    check = service.start("returns.quality_check",
                          {"sku": SKU, "reason": "defective", "rma": case_number})
    db.session.commit()
    settle()
    return db.session.get(FlowInstance, check.id)


def test_the_check_opens_one_claim_above_five_percent_and_attaches_later_cases(returns_app,
                                                                              client):
    buyer = make_user("staff", teams=("purchasing",), email="buyer@example.test")
    cases = [_return_case(n) for n in range(1, 6)]
    _return_case(90, reason="size")  # not a defect reason: not counted
    _return_case(91, sku="CB-USB-C2")  # another SKU
    below = _check(cases[-1])
    assert below.variables["returned"]["count"] == 5
    assert below.variables["sales"]["quantity_sold"] == 100
    assert below.variables["rate"]["percent"] == "5.00"  # not above 5%
    assert (below.status, _claims()) == ("completed", [])

    cases.append(_return_case(6))
    opened = _check(cases[-1])
    assert opened.variables["claim"]["outcome"] == "started"
    [claim] = _claims()
    assert claim.variables["cases"] == cases and claim.variables["percent"] == "6.00"
    assert claim.variables["supplier"]["name"] == "Shenzhen Audiotek Electronics Co., Ltd."
    [task] = _claim_tasks()
    assert (task.instance_id, task.form_key, task.status) == (
        claim.id, "returns.quality_claim", "open")
    [mail] = _supplier_mails()
    assert claim.case_number in mail.subject and SKU in mail.subject
    assert ", ".join(cases) in mail.text and "6.00%" in mail.text and "100 units" in mail.text

    cases.append(_return_case(7))
    attached = _check(cases[-1])
    assert attached.variables["claim"] == {**opened.variables["claim"], "outcome": "delivered"}
    [claim] = _claims()
    assert claim.variables["cases"] == cases and claim.variables["case_count"] == 7
    assert claim.status == "waiting" and len(_claim_tasks()) == 1 and len(_supplier_mails()) == 1

    login(client, buyer)  # purchasing reads the cases on the task and closes the claim
    page = f"/inbox/tasks/{task.id}"
    assert ", ".join(cases) in client.get(page).get_data(as_text=True)
    done = client.post(f"{page}/complete", data={
        "csrf_token": csrf_token(client, page), "outcome": "close", "remedy": "credit_note",
        "supplier_reference": "AT-QC-2026-118"})
    assert done.status_code == 302, done.get_data(as_text=True)[:1000]
    settle()
    claim = db.session.get(FlowInstance, claim.id)
    assert claim.status == "completed"
    assert claim.variables["resolution"]["data"]["remedy"] == "credit_note"
    cases.append(_return_case(8))
    assert _check(cases[-1]).variables["claim"]["outcome"] == "started"  # a new claim
    assert [c.status for c in _claims()] == ["completed", "waiting"]


BUYERS = [("SO-FR-11020", "ines.bernard@example.fr"), ("SO-DE-10988", "lukas.braun@example.de"),
          ("SO-NL-70214", "sanne.devries@example.nl")]


def _portal_defect_return(client, number: int) -> str:
    order, email = BUYERS[number % len(BUYERS)]
    photo = (BytesIO(jpeg_bytes(size=(64, 48))), "broken.jpg")
    response = request_return(client, order, email, reason="defective", photos=photo)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    settle()
    [case] = db.session.scalars(db.select(FlowInstance).where(FlowInstance.flow_key == FLOW)
                                .order_by(FlowInstance.id.desc()).limit(1)).all()
    return case.case_number


def test_r17_six_defective_portal_returns_of_one_sku_open_one_claim_a_seventh_joins_it(
        returns_app, client):
    make_user("staff", teams=("purchasing",), email="buyer@example.test")
    cases = [_portal_defect_return(client, n) for n in range(6)]
    assert len(set(cases)) == 6
    [claim] = _claims()
    assert claim.variables["cases"] == cases  # the six cases, in the order they came
    assert (claim.variables["units_sold"], claim.variables["percent"]) == (100, "6.00")
    [task] = _claim_tasks()
    assert task.instance_id == claim.id and task.status == "open"
    [mail] = _supplier_mails()
    assert ", ".join(cases) in mail.text
    checks = db.session.scalars(db.select(FlowInstance).where(
        FlowInstance.flow_key == "returns.quality_check")).all()
    assert sorted(c.status for c in checks) == ["completed"] * 6
    customer_cases = db.session.scalars(db.select(FlowInstance).where(
        FlowInstance.flow_key == FLOW)).all()
    assert {c.status for c in customer_cases} == {"waiting"}  # on to review, not held up

    cases.append(_portal_defect_return(client, 6))
    [claim] = _claims()
    assert claim.variables["cases"] == cases and claim.variables["case_count"] == 7
    assert len(_claim_tasks()) == 1 and len(_supplier_mails()) == 1
