"""Flows through the real app on both databases: start, tasks, timers, messages, races."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.jobs import get_dispatcher
from app.jobs.timers import sweep_due_timers
from app.models import FlowInstance, InstanceEvent, MessageWait, Task, Timer, utcnow
from app.services import definitions
from app.services.users import ensure_team
from runtime.flows import events_from_log, new_state, replay
from tests.factories import make_api_token, make_user

APPROVAL = {
    "case_number": {"prefix": "RMA-", "digits": 6},
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "review", "type": "user_task", "config": {
            "title": "Review the return", "outcomes": ["approve", "reject"],
            "assignee": {"role": "cs_agent"},
            "timeout": {"after": "PT24H", "action": "escalate", "to": "manager"}}},
        {"id": "transit", "type": "wait", "config": {
            "until": "message",
            "message": {"name": "carrier_scan", "correlate": "rma", "output": "scan"}}},
        {"id": "approved", "type": "end"},
        {"id": "rejected", "type": "end", "config": {"status": "rejected"}},
    ],
    "edges": [
        {"from": "start", "to": "review"},
        {"from": "review", "to": "transit", "outcome": "approve"},
        {"from": "review", "to": "rejected", "outcome": "reject"},
        {"from": "transit", "to": "approved"},
    ],
}


@pytest.fixture
def flow(app):
    ensure_team("cs_lead")
    ensure_team("cs_agent", manager="cs_lead")
    definitions.save_draft("flow", "returns.approval", "Return approval", APPROVAL)
    definitions.publish("flow", "returns.approval")
    db.session.commit()
    return "returns.approval"


def _pass_deadlines() -> None:
    """Time travel: every pending timer of the test falls due now."""
    db.session.execute(db.update(Timer).where(Timer.fired_at.is_(None))
                       .values(due_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def _auth(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_api_token(user)}"}


def _start(client, user, **body):
    response = client.post("/api/v1/flows/returns.approval/instances", json=body,
                           headers=_auth(user))
    assert response.status_code == 201, response.json
    return response.json


def test_the_case_number_is_a_variable_the_caller_cannot_forge(client, flow):
    agent = make_user("staff", teams=("cs_agent",))
    body = _start(client, agent, variables={"case_number": "RMA-999999"})
    instance = db.session.scalar(db.select(FlowInstance))
    assert body["case_number"] == "RMA-000001"
    assert instance.variables["case_number"] == "RMA-000001"  # correlations can use it


def test_start_creates_a_case_with_a_pool_task_and_a_deadline(client, flow):
    agent = make_user("staff", teams=("cs_agent",))
    body = _start(client, agent, variables={"rma": "RMA-9"})
    assert body["case_number"] == "RMA-000001"
    assert body["status"] == "waiting"
    [task] = body["tasks"]
    assert (task["node"], task["team"], task["assignee_id"], task["status"]) == \
        ("review", "cs_agent", None, "open")
    timer = db.session.scalar(db.select(Timer))
    assert timer.kind == "flow.timer"
    assert timedelta(hours=23) < timer.due_at - utcnow() <= timedelta(hours=24)
    assert task["due_at"] == timer.due_at.isoformat()  # the deadline is the task's due time


def test_the_same_start_token_starts_one_case(client, flow):
    agent = make_user("staff", teams=("cs_agent",))
    first = _start(client, agent, variables={"rma": "RMA-1"}, start_token="tok-123")
    second = _start(client, agent, variables={"rma": "RMA-1"}, start_token="tok-123")
    assert first["id"] == second["id"]
    assert db.session.scalar(db.select(db.func.count()).select_from(FlowInstance)) == 1


def test_approve_then_correlated_message_completes_the_case(client, flow):
    agent = make_user("staff", teams=("cs_agent",))
    body = _start(client, agent, variables={"rma": "RMA-7"})
    task_id = body["tasks"][0]["id"]
    done = client.post(f"/api/v1/tasks/{task_id}/complete", json={"outcome": "approve"},
                       headers=_auth(agent))
    assert done.status_code == 200, done.json
    assert done.json["status"] == "waiting"
    assert db.session.scalar(db.select(Timer.cancelled_at)) is not None
    assert db.session.scalar(db.select(MessageWait.correlation)) == "RMA-7"
    other = client.post("/api/v1/messages", json={"name": "carrier_scan", "correlation": "RMA-8"},
                        headers=_auth(agent))
    assert other.json == {"delivered": []}
    hit = client.post("/api/v1/messages", json={"name": "carrier_scan", "correlation": "RMA-7",
                                                "data": {"hub": "NL"}}, headers=_auth(agent))
    assert hit.json == {"delivered": [body["id"]]}
    state = client.get(f"/api/v1/instances/{body['id']}", headers=_auth(agent)).json
    assert state["status"] == "completed"
    assert state["variables"]["scan"] == {"hub": "NL"}
    assert db.session.scalar(db.select(db.func.count()).select_from(MessageWait)) == 0


def test_a_second_completion_gets_409_with_a_clear_message(client, flow):
    agent = make_user("staff", teams=("cs_agent",))
    colleague = make_user("staff", teams=("cs_agent",))
    body = _start(client, agent, variables={"rma": "RMA-2"})
    task_id = body["tasks"][0]["id"]
    assert client.post(f"/api/v1/tasks/{task_id}/complete", json={"outcome": "reject"},
                       headers=_auth(agent)).status_code == 200
    late = client.post(f"/api/v1/tasks/{task_id}/complete", json={"outcome": "approve"},
                       headers=_auth(colleague))
    assert late.status_code == 409
    assert "already completed by" in late.json["error"]["message"]
    instance = db.session.scalar(db.select(FlowInstance))
    assert instance.status == "rejected"


def test_someone_outside_the_team_may_not_complete(client, flow):
    agent = make_user("staff", teams=("cs_agent",))
    stranger = make_user("staff", teams=("finance",))
    body = _start(client, agent, variables={"rma": "RMA-3"})
    response = client.post(f"/api/v1/tasks/{body['tasks'][0]['id']}/complete",
                           json={"outcome": "approve"}, headers=_auth(stranger))
    assert response.status_code == 403
    assert db.session.scalar(db.select(Task.status)) == "open"


def test_deadline_escalates_to_the_manager_team_once(app, client, flow):
    agent = make_user("staff", teams=("cs_agent",))
    _start(client, agent, variables={"rma": "RMA-4"})
    _pass_deadlines()
    assert len(sweep_due_timers()) == 1
    assert get_dispatcher().wait_idle(10)
    assert sweep_due_timers() == []  # fired once; nothing due any more
    db.session.expire_all()
    task = db.session.scalar(db.select(Task))
    escalated = (task.team_key, task.status, task.data.get("reassigned"))
    assert escalated == ("cs_lead", "open", "escalate")


def test_unknown_fields_and_bad_types_are_refused(client, flow):
    agent = make_user("staff", teams=("cs_agent",))
    response = client.post("/api/v1/flows/returns.approval/instances",
                           json={"variables": [], "role": "admin"}, headers=_auth(agent))
    assert response.status_code == 422
    pointers = {d["pointer"] for d in response.json["error"]["details"]}
    assert pointers == {"/role", "/variables"}


def test_unknown_flow_is_a_404(client, app):
    response = client.post("/api/v1/flows/nope/instances", json={},
                           headers=_auth(make_user("staff")))
    assert response.status_code == 404


def test_the_stored_history_replays_to_the_stored_state(client, flow):
    agent = make_user("staff", teams=("cs_agent",))
    body = _start(client, agent, variables={"rma": "RMA-5"})
    client.post(f"/api/v1/tasks/{body['tasks'][0]['id']}/complete", json={"outcome": "approve"},
                headers=_auth(agent))
    instance = db.session.scalar(db.select(FlowInstance))
    rows = db.session.scalars(db.select(InstanceEvent).where(
        InstanceEvent.instance_id == instance.id).order_by(InstanceEvent.seq)).all()
    from app.flows import specs

    spec = specs.flow_spec(instance.flow_key, instance.flow_version)
    rebuilt = replay(spec, events_from_log([r.data for r in rows]),
                     lambda at: specs.environment(at), instance_id=instance.public_id)
    assert rebuilt.to_dict() == instance.state
    assert new_state(instance.public_id).to_dict() != instance.state


def _publish_v2(review_id: str) -> None:
    v2 = {**APPROVAL, "nodes": [dict(n, id=review_id) if n["id"] == "review" else n
                               for n in APPROVAL["nodes"]],
          "edges": [{**e, **({"from": review_id} if e["from"] == "review" else {}),
                     **({"to": review_id} if e["to"] == "review" else {})}
                    for e in APPROVAL["edges"]]}
    definitions.save_draft("flow", "returns.approval", "Return approval", v2)
    definitions.publish("flow", "returns.approval")
    db.session.commit()


def test_publishing_leaves_running_cases_on_their_version(client, flow):
    agent = make_user("staff", teams=("cs_agent",))
    old = _start(client, agent, variables={"rma": "RMA-10"})
    _publish_v2("check")
    new = _start(client, agent, variables={"rma": "RMA-11"})
    assert (old["version"], new["version"]) == (1, 2)
    assert client.post(f"/api/v1/tasks/{old['tasks'][0]['id']}/complete",
                       json={"outcome": "approve"}, headers=_auth(agent)).status_code == 200


def test_admin_migrates_a_case_with_a_node_map_and_bad_maps_are_refused(client, flow):
    agent = make_user("staff", teams=("cs_agent",))
    admin = make_user("admin")
    case = _start(client, agent, variables={"rma": "RMA-12"})
    _publish_v2("check")
    url = f"/api/v1/instances/{case['id']}/migrate"
    refused = client.post(url, json={"to_version": 2, "node_map": {"review": "nowhere"}},
                          headers=_auth(admin))
    assert refused.status_code == 422
    assert refused.json["error"]["details"][0]["pointer"].startswith("/node_map/review")
    assert client.post(url, json={"to_version": 2, "node_map": {"review": "check"}},
                       headers=_auth(agent)).status_code == 403
    moved = client.post(url, json={"to_version": 2, "node_map": {"review": "check"}},
                        headers=_auth(admin))
    assert moved.status_code == 200, moved.json
    assert moved.json["version"] == 2
    assert moved.json["tasks"][0]["node"] == "check"
    done = client.post(f"/api/v1/tasks/{case['tasks'][0]['id']}/complete",
                       json={"outcome": "reject"}, headers=_auth(agent))
    assert done.status_code == 200
    assert done.json["status"] == "rejected"
