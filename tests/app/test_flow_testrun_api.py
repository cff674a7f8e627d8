"""`POST /api/v1/builder/test-run`: who may run a draft, what it answers, what it refuses.

Runs on SQLite only: the endpoint stores nothing and reads only published decision
tables, so the PostgreSQL run would test nothing the SQLite one does not.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import FlowInstance, OutboxEntry, Task
from app.services import definitions
from tests.factories import csrf_token, login, make_api_token, make_user

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

URL = "/api/v1/builder/test-run"
STARTED = "2026-03-02T09:00:00+00:00"


def bearer(*roles: str) -> dict:
    return {"Authorization": f"Bearer {make_api_token(make_user(*roles))}"}


def body() -> dict:
    """start -> routing table decision -> review task -> end / rejected end."""
    return {
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "route", "type": "decision",
             "config": {"decision_table": "tr.routing", "output": "routing"}},
            {"id": "review", "type": "user_task",
             "config": {"assignee": {"role": "cs_agent"}, "outcomes": ["approve", "reject"],
                        "timeout": {"after": "P2D", "action": "auto_complete",
                                    "outcome": "approve"}}},
            {"id": "done", "type": "end"},
            {"id": "rejected", "type": "end", "config": {"status": "rejected"}},
        ],
        "edges": [
            {"id": "e1", "from": "start", "to": "route"},
            {"id": "e2", "from": "route", "to": "review", "default": True},
            {"id": "e3", "from": "review", "to": "done", "outcome": "approve"},
            {"id": "e4", "from": "review", "to": "rejected", "outcome": "reject"},
        ],
    }


@pytest.fixture
def routing_table(app):
    definitions.save_draft("decision_table", "tr.routing", "Routing", {
        "hit_policy": "first",
        "inputs": [{"id": "country", "type": "string"}],
        "outputs": [{"id": "hub", "type": "string"}],
        "rules": [{"id": "eu", "when": {"country": "DE"}, "then": {"hub": "NL"}}],
        "default": {"hub": "CN"},
    })
    definitions.publish("decision_table", "tr.routing")
    db.session.commit()


def test_a_builder_runs_a_draft_step_by_step_and_nothing_is_stored(client, routing_table):
    auth = bearer("builder")
    first = client.post(URL, json={"body": body(), "variables": {"country": "DE"},
                                   "started_at": STARTED}, headers=auth)
    assert first.status_code == 200, first.json
    data = first.json
    assert data["variables"]["routing"] == {"hub": "NL"}  # the published table answered
    assert (data["status"], data["active"], data["started_at"]) == ("waiting", ["review"], STARTED)
    task = next(p for p in data["pending"] if p["kind"] == "task")
    timer = next(p for p in data["pending"] if p["kind"] == "timer")
    assert task["outcomes"] == ["approve", "reject"]
    assert timer["due_at"] == "2026-03-04T09:00:00+00:00"

    choices = [{"type": "complete_task", "task": task["key"], "outcome": "reject"}]
    last = client.post(URL, json={"body": body(), "variables": {"country": "DE"},
                                  "choices": choices, "started_at": STARTED}, headers=auth).json
    assert (last["status"], last["ended"], last["pending"]) == ("rejected", True, [])
    assert last["visited"] == ["start", "route", "review", "rejected"]
    assert last["edges_taken"] == [0, 1, 3]
    assert [h["action"]["type"] for h in last["history"]] == ["start", "complete_task"]

    timed_out = client.post(URL, json={
        "body": body(), "started_at": STARTED,
        "choices": [{"type": "fire_timer", "timer": timer["key"]}]}, headers=auth).json
    assert (timed_out["status"], timed_out["now"]) == ("completed", "2026-03-04T09:00:00+00:00")
    for model in (FlowInstance, Task, OutboxEntry):
        assert db.session.scalar(db.select(db.func.count()).select_from(model)) == 0


def test_only_builders_and_admins_may_run_and_a_session_needs_the_csrf_header(client):
    request = {"body": body()}
    assert client.post(URL, json=request).status_code == 401
    for role in ("staff", "manager"):
        assert client.post(URL, json=request, headers=bearer(role)).status_code == 403
    assert client.post(URL, json=request, headers=bearer("admin")).status_code == 200
    login(client, make_user("builder"))
    assert client.post(URL, json=request).status_code == 400  # no CSRF token
    token = csrf_token(client, "/builder/flows/a.flow/design")
    answer = client.post(URL, json=request, headers={"X-CSRFToken": token})
    assert answer.status_code == 200
    assert answer.json["status"] == "incident"  # no table published: shown, not a 500


@pytest.mark.parametrize(
    "payload, pointer",
    [
        ({"variables": {}}, "/body"),
        ({"body": body(), "role": "admin"}, "/role"),
        ({"body": body(), "started_at": "yesterday"}, "/started_at"),
        ({"body": body(), "started_at": "2026-03-02T09:00:00"}, "/started_at"),
        ({"body": [], "choices": []}, "/body"),
        ({"body": {**body(), "nodes": [{"id": "start", "type": "rocket"}]}}, "/body/nodes/0/type"),
        ({"body": body(), "variables": [1]}, "/variables"),
        ({"body": body(), "choices": {"type": "cancel"}}, "/choices"),
        ({"body": body(), "choices": [{"type": "launch"}]}, "/choices/0/type"),
        ({"body": body(), "choices": [{"type": "fire_timer", "timer": "nope"}]},
         "/choices/0/timer"),
        ({"body": body(), "choices": [{"type": "cancel"}] * 201}, "/choices"),
    ],
)
def test_bad_input_is_a_400_with_pointers(client, payload, pointer):
    response = client.post(URL, json=payload, headers=bearer("builder"))
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "test_run_invalid"
    assert pointer in [d["pointer"] for d in response.json["error"]["details"]]


def test_odd_requests_are_refused_not_crashed(client):
    auth = bearer("builder")
    not_json = client.post(URL, data="{", headers={**auth, "Content-Type": "application/json"})
    assert not_json.status_code == 400
    huge = client.post(URL, json={"body": body(), "variables": {"x": "y" * 1_100_000}},
                       headers=auth)
    assert huge.status_code == 400 and "at most" in huge.json["error"]["message"]
    nan = client.post(URL, data='{"body": {"nodes": [], "edges": []}, "variables": {"x": NaN}}',
                      headers={**auth, "Content-Type": "application/json"})
    assert nan.status_code == 400, nan.json


def test_the_endpoint_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json
    post = doc["paths"]["/api/v1/builder/test-run"]["post"]
    assert post["tags"] == ["builder"] and post["description"] == "Roles: builder"
    assert {"400", "401", "403"} <= set(post["responses"])
    assert post["requestBody"]["content"]["application/json"]["schema"]["required"] == ["body"]
