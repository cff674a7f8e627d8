"""How one flow event is written: one flush, few statements, same rows as before.

`service._run` writes a step without autoflush and with batched statements (bench/engine.py
counts them). These tests pin what that must not change: tasks added and cancelled in
one step end cancelled, a cached spec costs no definitions query, and an event writes
the instance once and its history in one statement.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.flows import service, specs
from app.models import FlowInstance, InstanceEvent, Task, User
from app.services import definitions
from app.services.users import ensure_team
from tests.app.flows.test_flow_api import flow  # noqa: F401  (fixture)
from tests.factories import make_user

RACE = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "split", "type": "parallel", "config": {"mode": "split"}},
        {"id": "review", "type": "user_task", "config": {
            "title": "Review", "outcomes": ["approve"], "assignee": {"role": "cs_agent"}}},
        {"id": "stop", "type": "end"},
        {"id": "done", "type": "end"},
    ],
    "edges": [
        {"from": "start", "to": "split"},
        {"from": "split", "to": "review"},
        {"from": "split", "to": "stop"},
        {"from": "review", "to": "done"},
    ],
}


class Statements:
    """The SQL the app sends while recording, by verb and table."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.on = False

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.on:
            self.seen.append(" ".join(statement.split()))

    def count(self, pattern: str) -> int:
        return sum(1 for s in self.seen if re.search(pattern, s, re.I))


@pytest.fixture
def statements(app):
    recorder = Statements()
    event.listen(db.engine, "before_cursor_execute", recorder)
    yield recorder
    event.remove(db.engine, "before_cursor_execute", recorder)


def test_a_task_created_and_cancelled_in_one_step_ends_cancelled(app):
    ensure_team("cs_agent")
    definitions.save_draft("flow", "race.end", "Race", RACE)
    definitions.publish("flow", "race.end")
    db.session.commit()
    instance = service.start("race.end", {})
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(FlowInstance, instance.id).status == "completed"
    [task] = db.session.scalars(db.select(Task)).all()
    assert task.status == "cancelled" and task.completed_at is not None


def test_an_event_writes_the_instance_once_and_its_history_in_one_statement(
    app, flow, statements  # noqa: F811
):
    agent = make_user("staff", teams=("cs_agent",))
    service.start(flow, {"rma": "RMA-1"})  # compiles and caches the spec
    db.session.commit()
    statements.on = True
    instance = service.start(flow, {"rma": "RMA-2"})
    db.session.commit()
    statements.on = False
    assert statements.count(r"INSERT INTO flow_instances") == 1
    assert statements.count(r"UPDATE flow_instances") == 0  # inserted with its first state
    assert statements.count(r"INSERT INTO instance_events") == 1
    assert statements.count(r"FROM definitions") == 1  # the newest version only, no body

    [task] = db.session.scalars(db.select(Task).where(Task.instance_id == instance.id)).all()
    events_before, agent_id = instance.event_seq, agent.id
    db.session.remove()  # a new request: nothing loaded yet
    agent = db.session.get(User, agent_id)
    agent.has_role("admin"), agent.team_keys  # loaded, as the signed-in user would be
    statements.seen.clear()
    statements.on = True
    service.complete_task(task.id, "approve", {"note": "ok"}, agent)
    db.session.commit()
    statements.on = False
    assert statements.count(r"FROM definitions") == 0  # cached by (key, version)
    assert statements.count(r"UPDATE flow_instances") == 1
    assert statements.count(r"INSERT INTO instance_events") == 1
    assert statements.count(r"UPDATE tasks") == 1  # outcome and who, in one write
    if db.engine.dialect.name == "postgresql":  # instance, history and task: one statement
        assert statements.count(r"^(?=.*UPDATE flow_instances)(?=.*UPDATE tasks)"
                                r"(?=.*INSERT INTO instance_events)") == 1
    stored = db.session.get(Task, task.id)
    instance = db.session.get(FlowInstance, instance.id)
    assert (stored.status, stored.outcome, stored.completed_by_id) == \
        ("completed", "approve", agent.id)
    seqs = db.session.scalars(db.select(InstanceEvent.seq).where(
        InstanceEvent.instance_id == instance.id).order_by(InstanceEvent.seq)).all()
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) > events_before


def test_a_writer_that_read_an_older_version_writes_nothing(app, flow):  # noqa: F811
    """Optimistic lock: someone else committed the instance since we read it."""
    instance = service.start(flow, {"rma": "RMA-4"})
    db.session.commit()
    instance_id, seq, status = instance.id, instance.event_seq, instance.status
    with db.engine.begin() as other:  # the other writer, in its own transaction
        other.execute(db.update(FlowInstance).where(FlowInstance.id == instance_id)
                      .values(lock_version=FlowInstance.lock_version + 1))
    with pytest.raises(StaleDataError):
        service.cancel(instance, "too late", actor=None)
    db.session.rollback()
    stored = db.session.get(FlowInstance, instance_id)
    assert (stored.status, stored.event_seq) == (status, seq) and status != "cancelled"
    assert db.session.scalar(db.select(db.func.max(InstanceEvent.seq)).where(
        InstanceEvent.instance_id == instance_id)) == seq


def test_a_start_rolled_back_with_its_savepoint_is_forgotten(app, flow):  # noqa: F811
    savepoint = db.session.begin_nested()
    instance = service.start(flow, {"rma": "RMA-5"})
    savepoint.rollback()
    assert instance not in db.session
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(FlowInstance).where(
        FlowInstance.public_id == instance.public_id)) == 0


def test_compiled_flows_belong_to_the_app_not_the_process(app, flow):  # noqa: F811
    service.start(flow, {"rma": "RMA-3"})
    db.session.commit()
    assert (flow, 1) in app.extensions[specs.FLOWS_EXTENSION]
