"""RETURNS.md scenarios at request time, through the portal and the inbox over HTTP.

R1 (auto-approve), R7 (exempt item rejected, reason in the customer's language),
R8 (outside the window), R9 + R14 (manual review; reminder at 16 and escalation to
`cs_lead` at 24 business hours). The ERP answers from the sandbox's seeded orders.
"""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from app.extensions import db
from app.models import FlowInstance, InstanceEvent, Task, Timer
from tests.app.forms.kit import jpeg_bytes
from tests.app.portal.conftest import hidden_fields
from tests.factories import csrf_token, login
from tests.templates.returns.conftest import (
    SQLITE_ONLY,
    fire_timers,
    request_return,
    settle,
    status_page,
    the_case,
)

pytestmark = SQLITE_ONLY


def _decided_by(instance: FlowInstance) -> list[str]:
    events = db.session.scalars(db.select(InstanceEvent).where(
        InstanceEvent.instance_id == instance.id, InstanceEvent.type == "decision_made",
        InstanceEvent.node_id == "policy"))  # not the routing asked before it for a quote
    return [rule for event in events
            for rule in ((event.data or {}).get("data") or {}).get("rules", [])]


def test_r1_size_return_in_the_window_is_auto_approved(returns_app, client):
    response = request_return(client, "SO-DE-10630", "max.mueller@example.de", reason="size")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    settle()
    case = the_case()
    assert case.status == "waiting"  # approved: the label is out, the parcel awaited
    assert case.variables["policy"] == {"decision": "auto_approve", "reason_code": "approved",
                                        "note": "Within the window, no rule asked for a check"}
    assert case.variables["order"]["customer"]["country"] == "DE"  # read from the ERP
    assert case.variables["items"] == [{"sku": "TS-BAS-M", "name": "Basic T-shirt, M",
                                        "quantity": 1}]
    assert db.session.scalar(db.select(db.func.count()).select_from(Task)) == 0
    assert "Your return is approved" in status_page(client, response)


def test_r7_opened_hygiene_seal_is_rejected_with_the_reason_in_chinese(returns_app, client):
    response = request_return(client, "SO-FR-10955", "camille.durand@example.fr",
                              locale="zh-CN", reason="changed_mind", hygiene_seal="opened")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    settle()
    case = the_case()
    assert case.status == "rejected"
    assert case.variables["policy"]["reason_code"] == "exempt_item"
    assert _decided_by(case) == ["exempt_hygiene_opened"]
    html = status_page(client, response, locale="zh-CN")
    assert "已拆封的卫生密封商品" in html
    assert "exempt_item" not in html  # the customer reads words, not codes
    english = status_page(client, response, locale="en")
    assert "opened hygiene-sealed" in english


def test_r8_us_order_delivered_35_days_ago_is_rejected_for_the_window(returns_app, client):
    response = request_return(client, "SO-US-30777", "jake.miller@example.com", reason="size")
    assert response.status_code == 302
    settle()
    case = the_case()
    assert case.status == "rejected"
    assert _decided_by(case) == ["window_elsewhere"]
    assert "30-day return window" in status_page(client, response)
    assert db.session.scalar(db.select(db.func.count()).select_from(Task)) == 0


def test_photos_are_required_for_a_defective_item(returns_app, client):
    response = request_return(client, "SO-DE-10630", "max.mueller@example.de",
                              reason="defective")
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(FlowInstance)) == 0


def test_r9_r14_frequent_returner_goes_to_review_reminded_then_escalated(returns_app, client):
    _app, staff = returns_app
    response = request_return(client, "SO-DE-10711", "sven.koch@example.de", reason="size")
    assert response.status_code == 302
    settle()
    case = the_case()
    assert case.status == "waiting"
    assert _decided_by(case) == ["frequent_returner"]
    [task] = db.session.scalars(db.select(Task)).all()
    assert (task.node_id, task.team_key) == ("review", "cs_agent")
    timers = db.session.scalars(db.select(Timer).where(Timer.instance_id == case.id)).all()
    [reminder] = [t for t in timers if "reminder" in t.key]
    [timeout] = [t for t in timers if "timeout" in t.key]
    # business hours only count working time, so they lie at least that far ahead
    assert reminder.due_at - case.created_at >= timedelta(hours=16)
    assert timeout.due_at - case.created_at >= timedelta(hours=24)
    assert timeout.due_at > reminder.due_at
    assert "A colleague is checking your request" in status_page(client, response)
    assert case.variables["policy"]["note"] == "5 or more returns in the last 90 days"

    fire_timers("%reminder%")
    assert db.session.get(Task, task.id).team_key == "cs_agent"
    fire_timers("%timeout%")
    assert db.session.get(Task, task.id).team_key == "cs_lead"

    login(client, staff["lead"])
    page = f"/inbox/tasks/{task.id}"
    assert "Review return request" in client.get(page).get_data(as_text=True)
    done = client.post(f"{page}/complete", data={"csrf_token": csrf_token(client, page),
                                                 "outcome": "approve"})
    assert done.status_code == 302, done.get_data(as_text=True)[:1500]
    settle()
    assert the_case().status == "waiting"
    assert "Your return is approved" in status_page(client, response)


def test_an_agent_rejects_with_a_reason_the_customer_reads_in_chinese(returns_app, client):
    _app, staff = returns_app
    response = request_return(client, "SO-DE-10711", "sven.koch@example.de",
                              locale="zh-CN", reason="changed_mind")
    settle()
    [task] = db.session.scalars(db.select(Task)).all()
    staff_client = client.application.test_client()
    login(staff_client, staff["agent"])
    page = f"/inbox/tasks/{task.id}"
    done = staff_client.post(f"{page}/complete", data={
        "csrf_token": csrf_token(staff_client, page), "outcome": "reject",
        "reject_reason": "exempt_item", "internal_note": "seal broken in the photos"})
    assert done.status_code == 302, done.get_data(as_text=True)[:1500]
    settle()
    case = the_case()
    assert case.status == "rejected"
    assert case.variables["review"]["data"]["reject_reason"] == "exempt_item"
    html = status_page(client, response, locale="zh-CN")
    assert "已拆封的卫生密封商品" in html
    assert "seal broken in the photos" not in html  # internal notes stay internal


def test_r6_defective_after_45_days_takes_the_warranty_route_with_photos(returns_app, client):
    photo = (BytesIO(jpeg_bytes(size=(320, 240))), "broken.jpg")
    response = request_return(client, "SO-FR-11020", "ines.bernard@example.fr",
                              reason="defective", photos=photo)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    settle()
    case = the_case()
    assert case.status == "waiting"
    assert _decided_by(case) == ["warranty_eu_uk"]
    assert case.variables["policy"]["reason_code"] == "warranty"
    assert len(case.variables["photos"]) == 1
    [task] = db.session.scalars(db.select(Task)).all()
    assert task.team_key == "cs_agent"


def test_an_order_above_300_eur_equivalent_goes_to_review(returns_app, client):
    response = request_return(client, "SO-UK-20377", "oliver.hughes@example.co.uk",
                              reason="size")
    assert response.status_code == 302
    settle()
    case = the_case()
    assert _decided_by(case) == ["high_value_gbp"]  # 287.49 GBP > 260 GBP
    assert case.variables["policy"]["note"] == "Order value above 300 EUR-equivalent"


def test_the_agent_asks_for_more_information_and_the_answer_returns_to_review(returns_app,
                                                                              client):
    _app, staff = returns_app
    response = request_return(client, "SO-DE-10711", "sven.koch@example.de", reason="size")
    settle()
    [task] = db.session.scalars(db.select(Task)).all()
    staff_client = client.application.test_client()
    login(staff_client, staff["agent"])
    page = f"/inbox/tasks/{task.id}"
    asked = staff_client.post(f"{page}/complete", data={
        "csrf_token": csrf_token(staff_client, page), "outcome": "need_info"})
    assert asked.status_code == 302
    settle()
    html = status_page(client, response)
    assert "condition and the problem in more detail" in html
    token = response.headers["Location"].split("/portal/case/", 1)[1].split("/", 1)[0]
    answer = client.post(f"/portal/case/{token}/answer", content_type="multipart/form-data",
                         data={**hidden_fields(html), "details": "Worn once indoors, tags on"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:1000]
    settle()
    case = the_case()
    assert case.variables["more_info"]["details"] == "Worn once indoors, tags on"
    open_tasks = db.session.scalars(db.select(Task).where(Task.status.in_(("open", "claimed"))))
    assert [t.node_id for t in open_tasks] == ["review"]
