"""Staff answer tasks from the inbox; a task another team owns stays invisible."""

from __future__ import annotations

from app.extensions import db
from app.models import FlowInstance, Task
from tests.app.flows.test_flow_api import _auth, _start, flow  # noqa: F401  (fixture)
from tests.factories import csrf_token, login, make_user


def test_staff_sees_the_pool_task_opens_it_and_approves(client, flow):  # noqa: F811
    agent = make_user("staff", teams=("cs_agent",))
    case = _start(client, agent, variables={"rma": "RMA-20", "note": "<b>fragile</b>"})
    login(client, agent)
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert "Review the return" in inbox and "RMA-000001" in inbox
    task_id = case["tasks"][0]["id"]
    page = client.get(f"/inbox/tasks/{task_id}").get_data(as_text=True)
    assert "&lt;b&gt;fragile&lt;/b&gt;" in page or "\\u003cb\\u003e" in page
    assert "<b>fragile</b>" not in page
    token = csrf_token(client, f"/inbox/tasks/{task_id}")
    response = client.post(f"/inbox/tasks/{task_id}/complete",
                           data={"outcome": "approve", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, task_id).outcome == "approve"
    after = client.get("/inbox/").get_data(as_text=True)
    assert "Done: Review the return — approve." in after  # the flash
    assert f'href="/inbox/tasks/{task_id}"' not in after


def test_a_late_click_shows_who_won_instead_of_failing(client, flow):  # noqa: F811
    agent = make_user("staff", teams=("cs_agent",))
    colleague = make_user("staff", teams=("cs_agent",), name="Cora Colleague")
    case = _start(client, agent, variables={"rma": "RMA-21"})
    task_id = case["tasks"][0]["id"]
    login(client, agent)
    token = csrf_token(client, f"/inbox/tasks/{task_id}")
    client.post(f"/api/v1/tasks/{task_id}/complete", json={"outcome": "reject"},
                headers=_auth(colleague))
    response = client.post(f"/inbox/tasks/{task_id}/complete",
                           data={"outcome": "approve", "csrf_token": token},
                           follow_redirects=True)
    assert "already completed by Cora Colleague" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(FlowInstance.status)) == "rejected"


def test_outcomes_the_task_does_not_offer_are_refused(client, flow):  # noqa: F811
    agent = make_user("staff", teams=("cs_agent",))
    case = _start(client, agent, variables={"rma": "RMA-22"})
    login(client, agent)
    task_id = case["tasks"][0]["id"]
    token = csrf_token(client, f"/inbox/tasks/{task_id}")
    response = client.post(f"/inbox/tasks/{task_id}/complete",
                           data={"outcome": "refund_twice", "csrf_token": token})
    assert response.status_code == 400
    assert db.session.get(Task, task_id).status == "open"


def test_another_teams_task_is_a_404(client, flow):  # noqa: F811
    agent = make_user("staff", teams=("cs_agent",))
    outsider = make_user("staff", teams=("warehouse_eu",))
    case = _start(client, agent, variables={"rma": "RMA-23"})
    login(client, outsider)
    assert client.get(f"/inbox/tasks/{case['tasks'][0]['id']}").status_code == 404
