"""Issue 3: 1,000 cases of the reference return flow complete through real RQ workers on
PostgreSQL (100 on SQLite, whose single writer is not built for this), with the parallel
CRM and ERP calls each made exactly once per case."""

from __future__ import annotations

import json
import os
import time

import pytest

from app.extensions import db
from app.flows import service
from app.models import FlowInstance, Task
from app.services import definitions
from app.services.users import ensure_team
from tests.factories import make_user
from tests.http_recorder import recording_server

REFERENCE = {
    "case_number": {"prefix": "RMA-", "digits": 6},
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "triage", "type": "decision"},
        {"id": "approve", "type": "user_task", "config": {
            "title": "Approve the refund", "outcomes": ["approve", "reject"],
            "assignee": {"role": "cs_agent", "strategy": "round_robin"},
            "timeout": {"after": "P1D", "action": "escalate", "to": "manager"}}},
        {"id": "split", "type": "parallel", "config": {"mode": "split"}},
        {"id": "crm", "type": "service", "config": {
            "connector": "sync.test", "action": "note", "input": {"case": "rma"},
            "output": {"crm_note": "id"}}},
        {"id": "erp", "type": "service", "config": {
            "connector": "sync.test", "action": "credit", "input": {"case": "rma"},
            "output": {"credit_note": "id"}}},
        {"id": "join", "type": "parallel", "config": {"mode": "join", "join": "all"}},
        {"id": "refunded", "type": "end"},
        {"id": "rejected", "type": "end", "config": {"status": "rejected"}},
    ],
    "edges": [
        {"from": "start", "to": "triage"},
        {"from": "triage", "to": "approve", "default": True},
        {"from": "approve", "to": "split", "outcome": "approve"},
        {"from": "approve", "to": "rejected", "outcome": "reject"},
        {"from": "split", "to": "crm"}, {"from": "split", "to": "erp"},
        {"from": "crm", "to": "join"}, {"from": "erp", "to": "join"},
        {"from": "join", "to": "refunded"},
    ],
}


def _sync_connector(url: str) -> dict:
    action = {
        "method": "POST", "input": {"type": "object", "required": ["case"],
                                    "properties": {"case": {"type": "string"}}},
        "request": {"body": {"case": "case"}}, "response": {"map": {"id": "body.id"}},
        "expected_status": [200],
    }
    return {"type": "crm", "base_url": url, "auth": {"type": "none"},
            "actions": {"note": {**action, "path": "/crm/notes"},
                        "credit": {**action, "path": "/erp/credit-notes"}}}


@pytest.fixture
def scale(database_url) -> int:
    override = os.environ.get("FORMLOOM_TEST_SCALE_CASES")
    if override:
        return int(override)
    return 1000 if database_url.startswith("postgresql") else 100


@pytest.mark.timeout(900)
def test_reference_flow_cases_all_complete_with_one_effect_per_call(
    app, scale, start_worker, worker_env
):
    with recording_server() as systems:
        ensure_team("managers")
        ensure_team("cs_agent", manager="managers")
        agents = [make_user("staff", teams=("cs_agent",)) for _ in range(3)]
        definitions.save_draft("connector", "sync.test", "CRM + ERP", _sync_connector(systems.url))
        definitions.publish("connector", "sync.test")
        definitions.save_draft("flow", "returns.reference", "Reference returns", REFERENCE)
        definitions.publish("flow", "returns.reference")
        db.session.commit()
        worker_env["FORMLOOM_CONNECTOR_ALLOWLIST"] = json.dumps(["127.0.0.1"])
        for _ in range(2):
            start_worker()

        for n in range(scale):
            service.start("returns.reference", {"rma": f"R{n}"})
            db.session.commit()
        tasks = db.session.scalars(db.select(Task).order_by(Task.id)).all()
        assert len(tasks) == scale
        assert {t.assignee_id for t in tasks} == {a.id for a in agents}  # round robin
        by_id = {a.id: a for a in agents}
        for task in tasks:
            service.complete_task(task.id, "approve", {}, by_id[task.assignee_id])
            db.session.commit()

        deadline = time.monotonic() + 600
        while True:
            done = db.session.scalar(db.select(db.func.count()).select_from(FlowInstance)
                                     .where(FlowInstance.status == "completed"))
            db.session.rollback()  # read fresh rows on the next poll
            if done == scale or time.monotonic() > deadline:
                break
            time.sleep(0.5)

        statuses = dict(db.session.execute(
            db.select(FlowInstance.status, db.func.count()).group_by(FlowInstance.status)
        ).all())
        assert statuses == {"completed": scale}
        assert len(systems.effects) == 2 * scale  # one CRM note and one credit note each
        # A delivery that lost a race with its sibling branch is re-run under the same
        # key, so a system may see a key twice; it never acts twice.
        keys = {path: {c["idempotency_key"] for c in systems.calls if c["path"] == path}
                for path in ("/crm/notes", "/erp/credit-notes")}
        assert len(keys["/crm/notes"]) == len(keys["/erp/credit-notes"]) == scale
        sample = db.session.scalar(db.select(FlowInstance).order_by(FlowInstance.id).limit(1))
        assert set(sample.variables) >= {"rma", "crm_note", "credit_note"}
