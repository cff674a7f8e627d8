"""Bulk answers with a confirmation and per-task results; scan to open; away periods."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.flows import service
from app.models import FlowInstance, Task, User, utcnow
from tests.app.inbox.conftest import PERSONAL, case_of, publish, start_case
from tests.factories import csrf_token, login, make_user


def test_bulk_approve_confirms_first_then_reports_each_task(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    colleague = make_user("staff", teams=("cs_agent",), name="Carla Colleague")
    ok1, ok2, taken, closed = (start_case(rma=f"RMA-{n}") for n in range(4))
    taken.assignee_id, taken.status = colleague.id, "claimed"
    db.session.commit()
    service.complete_task(closed.id, "reject", {}, colleague)
    db.session.commit()
    login(client, agent)
    token = csrf_token(client, "/inbox/")
    ids = [str(t.id) for t in (ok1, ok2, taken, closed)]
    confirm = client.post("/inbox/bulk", data={"csrf_token": token, "action": "approve",
                                               "task_id": ids})
    assert confirm.status_code == 200
    assert "Approve 4 tasks?" in confirm.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Task, ok1.id).status == "open"  # nothing happened yet

    result = client.post("/inbox/bulk", data={"csrf_token": token, "action": "approve",
                                              "task_id": ids, "confirm": "yes"})
    html = result.get_data(as_text=True)
    assert result.status_code == 200
    assert "2 done, 2 not done" in html
    assert "Carla Colleague claimed this task first." in html
    assert "This task was already completed by Carla Colleague." in html
    db.session.expire_all()
    assert [db.session.get(Task, t.id).outcome for t in (ok1, ok2, taken, closed)] == \
        ["approve", "approve", None, "reject"]
    assert {case_of(t).status for t in (ok1, ok2)} == {"completed"}


def test_bulk_refuses_outcomes_a_task_does_not_offer(client, flows):
    agent = make_user("staff", teams=("cs_agent", "warehouse_eu"))
    review = start_case(rma="RMA-1")
    parcel = start_case("warehouse.inspect", rma="RMA-2")  # offers accept/refuse only
    login(client, agent)
    token = csrf_token(client, "/inbox/")
    html = client.post("/inbox/bulk", data={
        "csrf_token": token, "action": "reject", "confirm": "yes",
        "task_id": [str(review.id), str(parcel.id)]}).get_data(as_text=True)
    assert "1 done, 1 not done" in html
    assert "This task cannot be answered &#39;reject&#39;" in html
    assert db.session.get(Task, parcel.id).status == "open"


def test_bulk_reassign_needs_a_manager_and_a_reason(client, flows):
    lead = make_user("staff", "manager", teams=("cs_lead",))
    make_user("staff", teams=("cs_agent",), email="rui@example.test")
    tasks = [start_case(rma=f"RMA-{n}") for n in range(2)]
    login(client, lead)
    token = csrf_token(client, "/inbox/")
    ids = [str(t.id) for t in tasks]
    no_reason = client.post("/inbox/bulk", data={"csrf_token": token, "action": "reassign",
                                                 "confirm": "yes", "to": "rui@example.test",
                                                 "task_id": ids}).get_data(as_text=True)
    assert "0 done, 2 not done" in no_reason
    done = client.post("/inbox/bulk", data={"csrf_token": token, "action": "reassign",
                                            "confirm": "yes", "to": "rui@example.test",
                                            "reason": "holiday cover", "task_id": ids})
    assert "2 done" in done.get_data(as_text=True)
    rui = db.session.scalar(db.select(User).where(User.email == "rui@example.test"))
    db.session.expire_all()
    assert {db.session.get(Task, t.id).assignee_id for t in tasks} == {rui.id}


def test_bulk_with_no_selection_or_a_bad_action(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    login(client, agent)
    token = csrf_token(client, "/inbox/")
    empty = client.post("/inbox/bulk", data={"csrf_token": token, "action": "approve"},
                        follow_redirects=True)
    assert "Select one or more tasks first" in empty.get_data(as_text=True)
    assert client.post("/inbox/bulk", data={"csrf_token": token, "action": "delete",
                                            "task_id": "1"}).status_code == 400
    assert client.post("/inbox/bulk", data={"csrf_token": token, "action": "approve",
                                            "task_id": "x"}).status_code == 400


def test_scan_opens_the_waiting_task_or_says_none_waits(client, flows):
    keeper = make_user("staff", teams=("warehouse_eu",))
    parcel = start_case("warehouse.inspect", rma="RMA-777")
    case_number = case_of(parcel).case_number
    login(client, keeper)
    hit = client.get(f"/inbox/scan?code={case_number.lower()}")
    assert hit.status_code == 302 and hit.headers["Location"].endswith(f"/inbox/tasks/{parcel.id}")
    by_rma = client.get("/inbox/scan?code=RMA-777")
    assert by_rma.headers["Location"].endswith(f"/inbox/tasks/{parcel.id}")
    miss = client.get("/inbox/scan?code=RMA-404", follow_redirects=True)
    assert "No task waits for you on “RMA-404”" in miss.get_data(as_text=True)
    review = start_case(rma="RMA-778")  # a case of another team: nothing for this user
    other = client.get(f"/inbox/scan?code={case_of(review).case_number}", follow_redirects=True)
    assert "No task waits for you" in other.get_data(as_text=True)
    xss = client.get('/inbox/scan?code="><img src=x onerror=alert(1)>', follow_redirects=True)
    assert "<img src=x" not in xss.get_data(as_text=True)


def test_away_sends_new_tasks_to_the_stand_in_and_both_inboxes_say_so(client, app):
    fiona = make_user("staff", teams=("finance",), email="fiona@example.test", name="Fiona")
    stan = make_user("staff", teams=("finance",), email="stan@example.test", name="Stan")
    publish("refund.signoff", PERSONAL)
    login(client, fiona)
    now = utcnow()
    page = client.post("/inbox/away", data={
        "csrf_token": csrf_token(client, "/inbox/away"),
        "away_from": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "away_until": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "stand_in_id": str(stan.id)}, follow_redirects=True)
    assert "new tasks for you go to Stan" in page.get_data(as_text=True)
    assert "new tasks for you go to <strong>Stan</strong>" in client.get("/inbox/").get_data(
        as_text=True)

    instance = service.start("refund.signoff", {})
    db.session.commit()
    task = db.session.scalar(db.select(Task).where(Task.instance_id == instance.id))
    assert task.assignee_id == stan.id and task.data["delegated_from_id"] == fiona.id

    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox/")})
    login(client, stan)
    html = client.get("/inbox/?tab=mine").get_data(as_text=True)
    assert "You are standing in for <strong>Fiona</strong>" in html
    assert "for Fiona" in html and f'href="/inbox/tasks/{task.id}"' in html


def test_away_form_refuses_bad_input(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    login(client, agent)
    token = csrf_token(client, "/inbox/away")
    bad = client.post("/inbox/away", data={"csrf_token": token, "away_from": "tomorrow",
                                           "away_until": "", "stand_in_id": str(agent.id)})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "use the date picker" in text and "choose a colleague to stand in for you" in text
    backwards = client.post("/inbox/away", data={
        "csrf_token": token, "away_from": "2026-12-10T09:00", "away_until": "2026-12-01T09:00",
        "stand_in_id": str(make_user("staff", teams=("cs_agent",)).id)})
    assert backwards.status_code == 422 and "must be after the start" in backwards.get_data(
        as_text=True)
    assert db.session.get(User, agent.id).away_from is None
    assert db.session.scalar(db.select(db.func.count()).select_from(FlowInstance)) == 0
