"""Notices and e-mails: assigned, escalated, about to breach, reminders, flow messages."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.flows import service
from app.jobs import get_dispatcher
from app.jobs.timers import sweep_due_timers
from app.models import MailMessage, Notice, Task, TeamSla, Timer, User, utcnow
from app.notifications import set_email_enabled
from tests.app.inbox.conftest import PERSONAL, publish, start_case
from tests.factories import csrf_token, login, make_user

REMINDED = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "review", "type": "user_task", "config": {
            "title": "Check the parcel", "outcomes": ["approve"],
            "assignee": {"role": "cs_agent"},
            "timeout": {"after": "PT48H", "action": "escalate", "to": "manager"},
            "reminders": [{"after": "PT1H"}]}},
        {"id": "done", "type": "end"},
    ],
    "edges": [{"from": "start", "to": "review"}, {"from": "review", "to": "done",
                                                   "outcome": "approve"}],
}

NOTIFY = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "tell", "type": "notify", "config": {
            "channel": "email", "to": ["customer.email", {"role": "cs_agent"}],
            "template": {"subject": "Return {{rma}} received",
                         "body": "Hello {{customer.name}},\nwe got your parcel."}}},
        {"id": "done", "type": "end"},
    ],
    "edges": [{"from": "start", "to": "tell"}, {"from": "tell", "to": "done"}],
}


def mails_to(address: str) -> list[MailMessage]:
    return [m for m in db.session.scalars(db.select(MailMessage).order_by(MailMessage.id))
            if address in m.to_addrs]


def fire_due(like: str | None = None) -> None:
    stmt = db.update(Timer).where(Timer.fired_at.is_(None))
    if like:
        stmt = stmt.where(Timer.key.like(like))
    db.session.execute(stmt.values(due_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    sweep_due_timers()
    assert get_dispatcher().wait_idle(10)
    db.session.expire_all()


def test_a_task_assigned_to_a_person_brings_a_notice_and_an_email(client, app):
    fiona = make_user("staff", teams=("finance",), email="fiona@example.test")
    publish("refund.signoff", PERSONAL)
    service.start("refund.signoff", {})
    db.session.commit()
    [notice] = db.session.scalars(db.select(Notice)).all()
    assert (notice.user_id, notice.kind) == (fiona.id, "assigned")
    assert notice.title == "New task for you: Sign off the refund"
    [mail] = mails_to("fiona@example.test")
    assert mail.subject == "New task for you: Sign off the refund"
    assert f"/inbox/tasks/{notice.task_id}" in mail.text
    assert mail.text.count("http://127.0.0.1:5000/inbox/tasks/") == 1  # host from settings
    login(client, fiona)
    html = client.get("/inbox/").get_data(as_text=True)
    assert 'aria-label="1 unread"' in html
    assert "Sign off the refund" in client.get("/inbox/notices").get_data(as_text=True)
    client.post("/inbox/notices/read", data={"csrf_token": csrf_token(client, "/inbox/notices")})
    assert db.session.get(Notice, notice.id).read_at is not None


def test_users_can_turn_emails_off_and_still_get_notices(client, app):
    fiona = make_user("staff", teams=("finance",), email="fiona@example.test")
    publish("refund.signoff", PERSONAL)
    login(client, fiona)
    response = client.post("/inbox/notices/email",
                           data={"csrf_token": csrf_token(client, "/inbox/notices")},
                           follow_redirects=True)
    assert "E-mails are off" in response.get_data(as_text=True)
    service.start("refund.signoff", {})
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(Notice)) == 1
    assert mails_to("fiona@example.test") == []
    client.post("/inbox/notices/email", data={"csrf_token": csrf_token(client, "/inbox/notices"),
                                              "email": "on"})
    service.start("refund.signoff", {})
    db.session.commit()
    assert len(mails_to("fiona@example.test")) == 1


def test_pool_tasks_notify_nobody_until_escalated_then_the_managers_team(app, flows):
    make_user("staff", teams=("cs_agent",), email="agent@example.test")
    lead = make_user("staff", "manager", teams=("cs_lead",), email="lead@example.test")
    task = start_case(rma="RMA-1")
    assert db.session.scalar(db.select(db.func.count()).select_from(Notice)) == 0
    fire_due(like="%timeout%")
    assert db.session.get(Task, task.id).team_key == "cs_lead"
    [notice] = db.session.scalars(db.select(Notice)).all()
    assert (notice.user_id, notice.kind) == (lead.id, "escalated")
    assert notice.title == "Escalated to you: Review the return"
    assert len(mails_to("lead@example.test")) == 1


def test_engine_reminders_become_notices_for_the_pool(app, flows):
    agent = make_user("staff", teams=("cs_agent",), email="agent@example.test")
    publish("parcel.check", REMINDED)
    service.start("parcel.check", {})
    db.session.commit()
    fire_due(like="%reminder%")
    [notice] = db.session.scalars(db.select(Notice)).all()
    assert (notice.user_id, notice.kind, notice.title) == (agent.id, "reminder",
                                                           "Reminder: Check the parcel")
    fire_due(like="%reminder%")  # nothing new is due: still one notice
    assert db.session.scalar(db.select(db.func.count()).select_from(Notice)) == 1


def test_about_to_breach_warning_before_the_deadline(app, flows):
    agent = make_user("staff", teams=("cs_agent",), email="agent@example.test")
    quiet = start_case(rma="RMA-8")  # no team service level yet: the flow's reminders only
    assert quiet.due_at is not None
    assert db.session.scalar(db.select(Timer).where(Timer.kind == "inbox.breach_warning")) \
        is None
    db.session.add(TeamSla(team_key="cs_agent", warn_before_minutes=120))
    db.session.commit()
    task = start_case(rma="RMA-9")
    task.assignee_id, task.status = agent.id, "claimed"
    db.session.commit()
    warning = db.session.scalar(db.select(Timer).where(Timer.kind == "inbox.breach_warning"))
    assert warning is not None and warning.due_at < task.due_at
    fire_due(like="inbox:breach:%")
    notices = db.session.scalars(db.select(Notice).where(Notice.kind == "about_to_breach")).all()
    assert [n.user_id for n in notices] == [agent.id]
    assert notices[0].title.startswith("About to breach: Review the return (due in ")


def test_team_sla_gives_a_deadline_to_tasks_without_one(app, flows):
    db.session.add(TeamSla(team_key="warehouse_eu", business_hours=16, warn_before_minutes=60))
    db.session.commit()
    task = start_case("warehouse.inspect", rma="RMA-3")
    assert task.due_at is not None
    assert task.due_at - task.created_at >= timedelta(hours=16)  # working hours, not wall clock


def test_notify_nodes_send_escaped_emails_to_addresses_and_team_members(app, flows):
    agent = make_user("staff", teams=("cs_agent",), email="agent@example.test")
    publish("parcel.tell", NOTIFY)
    service.start("parcel.tell", {"rma": "RMA-5", "customer": {
        "email": "ana@example.com", "name": "<script>x</script>Ana"}})
    db.session.commit()
    assert get_dispatcher().wait_idle(10)
    db.session.expire_all()
    [to_customer] = mails_to("ana@example.com")
    assert to_customer.subject == "Return RMA-5 received"
    assert "Hello <script>x</script>Ana," in to_customer.text  # plain text is not HTML
    assert "<script>" not in to_customer.html and "&lt;script&gt;x&lt;/script&gt;Ana" in \
        to_customer.html
    assert len(mails_to("agent@example.test")) == 1
    notice = db.session.scalar(db.select(Notice).where(Notice.user_id == agent.id))
    assert notice.kind == "message" and notice.title == "Return RMA-5 received"


def test_mentions_respect_the_email_switch(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    kim = make_user("staff", teams=("cs_agent",), email="kim@example.test")
    set_email_enabled(db.session.get(User, kim.id), False)
    db.session.commit()
    task = start_case(rma="RMA-6")
    login(client, agent)
    page = f"/inbox/tasks/{task.id}"
    client.post(f"{page}/comment", data={"csrf_token": csrf_token(client, page),
                                         "body": "@kim@example.test look"})
    assert db.session.scalar(db.select(Notice.kind).where(Notice.user_id == kim.id)) == "mention"
    assert mails_to("kim@example.test") == []


def test_managers_set_their_teams_service_level(client, flows):
    lead = make_user("staff", "manager", teams=("cs_lead",))
    agent = make_user("staff", teams=("cs_agent",))
    login(client, lead)
    page = client.get("/inbox/teams").get_data(as_text=True)
    assert "warehouse_eu" in page and "cs_agent" in page
    token = csrf_token(client, "/inbox/teams")
    bad = client.post("/inbox/teams", data={"csrf_token": token, "team": "warehouse_eu",
                                            "business_hours": "-3", "warn_before_minutes": "x"})
    assert bad.status_code == 422
    assert client.post("/inbox/teams", data={"csrf_token": token, "team": "finance",
                                             "business_hours": "8",
                                             "warn_before_minutes": "60"}).status_code == 404
    ok = client.post("/inbox/teams", data={"csrf_token": token, "team": "warehouse_eu",
                                           "business_hours": "8", "warn_before_minutes": "30"})
    assert ok.status_code == 302
    sla = db.session.get(TeamSla, "warehouse_eu")
    assert (sla.business_hours, sla.warn_before_minutes) == (8, 30)
    task = start_case("warehouse.inspect", rma="RMA-8")
    assert task.due_at - task.created_at == timedelta(hours=8)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox/")})
    login(client, agent)
    assert client.get("/inbox/teams").status_code == 403


def test_a_failing_notice_never_undoes_the_task(app, monkeypatch):
    from app.notifications import listeners

    make_user("staff", teams=("finance",), email="fiona@example.test")
    publish("refund.signoff", PERSONAL)

    def broken(task):
        db.session.add(Notice(user_id=task.assignee_id, kind="x", key="half-written",
                              title="x", body=""))
        db.session.flush()
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr(listeners, "_assigned", broken)
    instance = service.start("refund.signoff", {})
    db.session.commit()
    assert db.session.scalar(db.select(Task.status).where(Task.instance_id == instance.id)) \
        == "open"
    assert db.session.scalar(db.select(db.func.count()).select_from(Notice)) == 0


def test_notice_emails_escape_what_designers_and_colleagues_typed(client, flows):
    agent = make_user("staff", teams=("cs_agent",), name='<img src=x onerror="alert(1)">')
    make_user("staff", teams=("cs_agent",), email="kim@example.test")
    task = start_case(rma="RMA-7")
    task.title = "<script>alert('title')</script>"
    db.session.commit()
    login(client, agent)
    page = f"/inbox/tasks/{task.id}"
    client.post(f"{page}/comment", data={"csrf_token": csrf_token(client, page),
                                         "body": "@kim <b>look</b> javascript:alert(1)"})
    [mail] = mails_to("kim@example.test")
    assert "<script>" not in mail.html and "<img src=x" not in mail.html
    assert "<b>look</b>" not in mail.html
    assert "&lt;script&gt;" in mail.html and "&lt;b&gt;look&lt;/b&gt;" in mail.html
    assert 'href="javascript' not in mail.html
