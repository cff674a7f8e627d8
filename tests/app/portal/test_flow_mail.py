"""A flow's `notify` e-mail to the case's customer: their language and their status link.

The flow mails the customer right after the request (a `notify` node before the staff
task), so each test drives the real portal submit, engine, outbox and mail table.
"""

# ruff: noqa: RUF001  (Chinese text uses full-width punctuation on purpose)

from __future__ import annotations

import pytest

from app.extensions import db
from app.flows import service
from app.jobs import get_dispatcher
from app.models import MailMessage, Task
from tests.app.portal.conftest import open_form, publish, returns_flow, status_token_of, submit
from tests.factories import make_user

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
pytestmark = SQLITE_ONLY  # mail rendering does not differ by database

NOTIFY = {
    "channel": "email",
    "to": ["email", "ops@shop.example"],
    "template": {"subject": "Request {{case}} received",
                 "body": "Hello, follow <your> case here: {{status_link}}\nNote: {{notes}}"},
    "translations": {"zh-CN": {"subject": "已收到申请 {{case}}",
                               "body": "您好，请在此查看进度：{{status_link}}"}},
    "variables": {"case": "case_number", "notes": "notes", "status_link": "notes"},
}


@pytest.fixture
def mailing(request_forms) -> None:
    publish_mailing(NOTIFY)


def publish_mailing(notify: dict) -> None:
    flow = returns_flow(lookup=False)
    flow["nodes"].insert(1, {"id": "tell", "type": "notify", "config": notify})
    flow["edges"][0] = {"from": "start", "to": "tell"}
    flow["edges"].insert(1, {"from": "tell", "to": "fraud_check"})
    publish("flow", "portal.mailing", "Mailing", flow)


def _flow_mail(to: str) -> MailMessage:
    assert get_dispatcher().wait_idle(5)  # the outbox delivers after the commit
    db.session.expire_all()
    rows = db.session.scalars(db.select(MailMessage).order_by(MailMessage.id)).all()
    [found] = [m for m in rows if m.to_addrs == [to] and "{{" not in m.text
               and ("received" in m.subject or "已收到" in m.subject)]
    return found


def test_customer_copy_has_the_configured_link_even_with_a_forged_host(client, app, mailing):
    app.config["PUBLIC_BASE_URL"] = "https://help.shop.example"
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    response = client.post(
        "/portal/r/portal.mailing", content_type="multipart/form-data", headers=forged,
        data={**open_form(client, "portal.mailing", **forged), "order_number": "SO-1",
              "email": "Ana@Example.com", "reason": "size", "items/0/sku": "A",
              "items/0/qty": "1", "notes": "https://phish.example/x <b>hi</b>"},
    )
    link = f"https://help.shop.example/portal/case/{status_token_of(response)}"
    mine = _flow_mail("ana@example.com")
    assert mine.subject.startswith("Request RMA-")
    assert link in mine.text and "evil.example" not in mine.text
    # the customer's own `notes` never stands in for the link; the HTML escapes it
    assert "phish.example" not in mine.text.split("Note:")[0]
    assert f'<a href="{link}">{link}</a>' in mine.html
    assert "&lt;your&gt;" in mine.html and "&lt;b&gt;hi&lt;/b&gt;" in mine.html
    assert "<b>" not in mine.html
    staff = _flow_mail("ops@shop.example")  # the link is the customer's key: not for others
    assert "/portal/case/" not in staff.text and "here: \nNote" in staff.text


def test_customer_reads_the_translation_in_the_language_they_wrote_in(client, mailing):
    client.get("/portal/language/zh-CN")
    token = status_token_of(submit(client, "portal.mailing"))
    mine = _flow_mail("ana@example.com")
    assert mine.subject.startswith("已收到申请 RMA-")
    assert f"/portal/case/{token}" in mine.text and "您好" in mine.text
    assert _flow_mail("ops@shop.example").subject.startswith("Request RMA-")  # staff: default


def test_a_missing_translation_falls_back_to_the_default_template(client, request_forms):
    publish_mailing(dict(NOTIFY, translations={"fr": {"body": "Bonjour {{status_link}}"}}))
    client.get("/portal/language/zh-CN")
    token = status_token_of(submit(client, "portal.mailing"))
    mine = _flow_mail("ana@example.com")
    assert mine.subject.startswith("Request RMA-") and f"/portal/case/{token}" in mine.text


def test_a_step_marked_email_mails_the_customer_its_label_and_link(client, request_forms):
    flow = returns_flow(lookup=False)
    flow["portal"]["steps"]["inspect"]["email"] = True
    publish("flow", "portal.simple", "Simple", flow)
    client.get("/portal/language/zh-CN")
    token = status_token_of(submit(client))
    task = db.session.scalar(db.select(Task).where(Task.node_id == "fraud_check"))
    staff = make_user("staff", teams=("cs_agent",))
    db.session.commit()
    service.complete_task(task.id, "ok", {}, staff)
    db.session.rollback()  # a step undone mails nobody
    service.complete_task(task.id, "ok", {}, staff)
    db.session.commit()
    rows = db.session.scalars(db.select(MailMessage).order_by(MailMessage.id)).all()
    assert len(rows) == 2  # the confirmation, then the step "inspect" (fraud_check is unnamed)
    assert rows[1].subject.endswith("有新进展") and rows[1].to_addrs == ["ana@example.com"]
    assert rows[1].text.startswith("仓库正在检查您的退货\n\n我们将在 2 个工作日内检查包裹。")
    assert f"/portal/case/{token}" in rows[1].text
