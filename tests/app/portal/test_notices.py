"""The customer hears by e-mail when their case asks them for more information."""

from __future__ import annotations

from app.extensions import db
from app.flows import service
from app.models import FlowInstance, MailMessage, Task
from tests.app.portal.conftest import publish, returns_flow, status_token_of, submit
from tests.factories import make_user


def _subjects() -> list[str]:
    return list(db.session.scalars(db.select(MailMessage.subject).order_by(MailMessage.id)))


def test_need_info_mails_the_status_link_in_the_customers_language(client, app, contact):
    app.config["PUBLIC_BASE_URL"] = "https://help.shop.example"
    client.get("/portal/language/zh-CN")
    token = status_token_of(submit(client))
    instance = db.session.scalar(db.select(FlowInstance))
    task = db.session.scalar(db.select(Task).where(Task.node_id == "fraud_check"))

    service.complete_task(task.id, "need_info", {}, make_user("staff", teams=("cs_agent",)))
    db.session.commit()

    messages = db.session.scalars(db.select(MailMessage).order_by(MailMessage.id)).all()
    assert len(messages) == 2
    asking = messages[1]
    assert asking.subject == f"您的申请 {instance.case_number} 需要补充信息"
    assert asking.to_addrs == ["ana@example.com"]
    assert f"https://help.shop.example/portal/case/{token}" in asking.text


def test_a_rolled_back_step_mails_nobody(client, contact):
    submit(client)
    task = db.session.scalar(db.select(Task).where(Task.node_id == "fraud_check"))
    service.complete_task(task.id, "need_info", {}, make_user("staff", teams=("cs_agent",)))
    db.session.rollback()
    assert len(_subjects()) == 1


def test_a_case_that_asks_first_gets_one_mail(client, request_forms):
    flow = returns_flow(lookup=False)
    flow["edges"][0] = {"from": "start", "to": "more_info"}
    publish("flow", "portal.asks_first", "Asks first", flow)
    response = client.post("/portal/r/portal.asks_first", content_type="multipart/form-data",
                           data={**_hidden(client, "portal.asks_first"),
                                 "order_number": "SO-1", "email": "ana@example.com",
                                 "reason": "size", "items/0/sku": "A", "items/0/qty": "1"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(Task).where(Task.node_id == "more_info")) is not None
    assert _subjects() == [f"Your request {db.session.scalar(db.select(FlowInstance.case_number))}"]


def test_cases_started_by_staff_are_not_mailed(app, request_forms):
    publish("flow", "portal.simple", "Simple", returns_flow(lookup=False))
    instance = service.start("portal.simple", {"email": "ana@example.com"})
    db.session.commit()
    task = db.session.scalar(db.select(Task).where(Task.instance_id == instance.id))
    service.complete_task(task.id, "need_info", {}, make_user("staff", teams=("cs_agent",)))
    db.session.commit()
    assert _subjects() == []


def _hidden(client, flow_key: str) -> dict:
    from tests.app.portal.conftest import open_form

    return open_form(client, flow_key)
