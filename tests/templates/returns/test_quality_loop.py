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

import pytest

from app.extensions import db
from app.flows import service
from app.models import FlowInstance, MailMessage, Task
from tests.factories import make_user
from tests.templates.returns.conftest import FLOW, settle

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


def test_the_check_opens_one_claim_above_five_percent_and_attaches_later_cases(returns_app):
    make_user("staff", teams=("purchasing",), email="buyer@example.test")
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
