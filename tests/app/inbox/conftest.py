"""Inbox fixtures: a published return-review flow with a pool task and a deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.flows import service
from app.models import FlowInstance, Task, Timer, utcnow
from app.services import definitions
from app.services.users import ensure_team

REVIEW = {
    "case_number": {"prefix": "RMA-", "digits": 6},
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "review", "type": "user_task", "config": {
            "title": "Review the return", "outcomes": ["approve", "reject"],
            "assignee": {"role": "cs_agent"},
            "timeout": {"after": "PT24H", "action": "escalate", "to": "manager"}}},
        {"id": "approved", "type": "end"},
        {"id": "rejected", "type": "end", "config": {"status": "rejected"}},
    ],
    "edges": [
        {"from": "start", "to": "review"},
        {"from": "review", "to": "approved", "outcome": "approve"},
        {"from": "review", "to": "rejected", "outcome": "reject"},
    ],
}

INSPECT = {
    "case_number": {"prefix": "WH-", "digits": 6},
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "inspect", "type": "user_task", "config": {
            "title": "Inspect the parcel", "outcomes": ["accept", "refuse"],
            "assignee": {"role": "warehouse_eu"}}},
        {"id": "done", "type": "end"},
    ],
    "edges": [
        {"from": "start", "to": "inspect"},
        {"from": "inspect", "to": "done", "outcome": "accept"},
        {"from": "inspect", "to": "done", "outcome": "refuse"},
    ],
}

PERSONAL = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "sign", "type": "user_task", "config": {
            "title": "Sign off the refund", "outcomes": ["approve", "reject"],
            "assignee": {"user": "fiona@example.test"}}},
        {"id": "done", "type": "end"},
    ],
    "edges": [
        {"from": "start", "to": "sign"},
        {"from": "sign", "to": "done", "outcome": "approve"},
        {"from": "sign", "to": "done", "outcome": "reject"},
    ],
}


def publish(key: str, body: dict) -> str:
    definitions.save_draft("flow", key, key, body)
    definitions.publish("flow", key)
    db.session.commit()
    return key


@pytest.fixture
def flows(app):
    ensure_team("cs_lead")
    ensure_team("cs_agent", manager="cs_lead")
    ensure_team("warehouse_eu", manager="cs_lead")
    publish("returns.review", REVIEW)
    publish("warehouse.inspect", INSPECT)
    db.session.commit()
    return {"review": "returns.review", "inspect": "warehouse.inspect"}


def start_case(flow_key: str = "returns.review", **variables) -> Task:
    """Start a case and return its (first) open task."""
    instance = service.start(flow_key, variables)
    db.session.commit()
    return db.session.scalars(db.select(Task).where(Task.instance_id == instance.id)
                              .order_by(Task.id)).first()


def case_of(task: Task) -> FlowInstance:
    return db.session.get(FlowInstance, task.instance_id)


def pass_deadlines() -> None:
    db.session.execute(db.update(Timer).where(Timer.fired_at.is_(None))
                       .values(due_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
