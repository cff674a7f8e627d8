"""Running flow instances: start one, deliver an event to it, complete a task, correlate.

Each operation is one transaction that the caller commits: the instance row (with its
optimistic-lock version), the appended history, the tasks, timers and outbox rows the
engine's effects ask for. Two writers racing on one instance cannot both commit: the
loser's UPDATE matches no row, SQLAlchemy raises StaleDataError, the web layer answers
409 and a job simply runs again.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy import inspect as sa_inspect

from app.extensions import db
from app.flows import effects, specs, step_sql
from app.flows.cases import next_case_number
from app.models import FlowInstance, InstanceEvent, MessageWait, Task, User, utcnow
from app.services import incidents
from runtime.exceptions import Conflict, NotFound, PermissionDenied
from runtime.flows import (
    Cancelled,
    Event,
    IncidentRetried,
    InstanceState,
    MessageReceived,
    Started,
    Step,
    TaskCompleted,
    advance,
    new_state,
)

OPEN_TASK = ("open", "claimed")


def start(
    flow_key: str, variables: dict[str, Any] | None = None, *, actor: User | None = None,
    start_token: str | None = None, parent: tuple[FlowInstance, str, int] | None = None,
) -> FlowInstance:
    """Start the newest published version of `flow_key`; a repeated start_token is one start."""
    if start_token:
        existing = db.session.scalar(
            db.select(FlowInstance).where(FlowInstance.start_token == start_token)
        )
        if existing is not None:
            return existing
    # PostgreSQL: the id comes with the version and _run's one statement inserts the row;
    # not inside a savepoint, whose rollback must forget the instance as it would a flush
    fast = step_sql.in_use() and not db.session().in_nested_transaction()
    latest, tables, new_id = specs.latest_for_start(flow_key, new_id=fast)
    version = latest.version
    compiled = specs.compiled_flow(flow_key, version)
    instance = FlowInstance(
        public_id=secrets.token_urlsafe(16), flow_key=flow_key, flow_version=version,
        start_token=start_token, started_by_id=getattr(actor, "id", None), state={},
        variables={},
    )
    numbering = compiled.case_number
    if numbering:
        instance.case_number = next_case_number(
            flow_key, numbering.get("prefix", ""), numbering.get("digits", 6)
        )
    if parent is not None:
        instance.parent_id, instance.parent_node_id, instance.parent_activation = (
            parent[0].id, parent[1], parent[2],
        )
    instance.id = new_id  # None: _run adds and flushes it
    start_variables = dict(variables or {})
    if instance.case_number:  # conditions, mappings and correlations may use it (an RMA number)
        start_variables["case_number"] = instance.case_number
    event = Started(variables=start_variables, actor=_who(actor), at=utcnow())
    _run(instance, compiled.spec, new_state(instance.public_id), event, start_tables=tables)
    return instance


def deliver(instance: FlowInstance, event: Event) -> Step:
    """Advance `instance` by one event and persist everything it decided."""
    spec = specs.flow_spec(instance.flow_key, instance.flow_version)
    state = InstanceState.from_dict(instance.state)
    return _run(instance, spec, state, event)


def get_instance(public_id: str) -> FlowInstance:
    row = db.session.scalar(db.select(FlowInstance).where(FlowInstance.public_id == public_id))
    if row is None:
        raise NotFound("no such case")
    return row


def complete_task(task_id: int, outcome: str, data: dict[str, Any] | None, actor: User) -> Task:
    """Complete a task; a task already closed (by a colleague or a timeout) is a 409."""
    found = db.session.execute(  # the task and its instance in one query
        db.select(Task, FlowInstance).join(FlowInstance, FlowInstance.id == Task.instance_id)
        .where(Task.id == task_id)
    ).first()
    if found is None:
        raise NotFound("no such task")
    task, instance = found
    if task.status not in OPEN_TASK:
        raise Conflict(_closed_reason(task))
    if not _may_work_on(task, actor):
        raise PermissionDenied("this task is neither yours nor your team's")
    event = TaskCompleted(
        node_id=task.node_id, activation=task.activation, task_key=task.key, outcome=outcome,
        data=dict(data or {}), actor=actor.email, at=utcnow(),
    )
    task.completed_by_id = actor.id  # written with the completion, in the same UPDATE
    try:
        deliver(instance, event)
    except BaseException:
        task.completed_by_id = None
        raise
    if task.status in OPEN_TASK:  # the engine did not accept it: it was no longer waiting
        task.completed_by_id = None
        raise Conflict("this task is no longer waiting for an answer")
    return task


def send_message(name: str, correlation: str, data: dict[str, Any] | None = None) -> list[str]:
    """Deliver a correlated message to every instance waiting for it; their public ids."""
    waiting = db.session.scalars(
        db.select(MessageWait.instance_id)
        .where(MessageWait.name == name, MessageWait.correlation == str(correlation))
        .distinct()
    ).all()
    delivered = []
    for instance_id in waiting:
        instance = db.session.get(FlowInstance, instance_id)
        event = MessageReceived(name=name, correlation=str(correlation), data=dict(data or {}),
                                at=utcnow())
        deliver(instance, event)
        delivered.append(instance.public_id)
    return delivered


def cancel(instance: FlowInstance, reason: str, actor: User | None) -> None:
    if instance.ended_at is not None:
        raise Conflict(f"this case has already ended ({instance.status})")
    deliver(instance, Cancelled(reason=reason, actor=_who(actor), at=utcnow()))


# --- persistence -----------------------------------------------------------------------


def _run(instance: FlowInstance, spec: Any, state: InstanceState, event: Event,
         start_tables: dict[str, specs.TableRow] | None = None) -> Step:
    """Advance, then write the step: on PostgreSQL the instance, its history and outbox
    rows in one statement (step_sql) plus one flush for tasks, timers and waits (a new
    instance: instance and history in one statement, the outbox in another, if any); on
    SQLite one flush (a new instance: two) and one statement each for history and outbox.
    bench/engine.py counts the round trips. A start passes the decision tables it read
    with the flow's version (`start_tables`) and remembers which it needed."""
    now: datetime = event.at or utcnow()
    env = specs.environment(now, start_tables)
    with db.session.no_autoflush:  # table/calendar lookups must not write a new instance early
        step = advance(spec, state, event, env)
    if start_tables is not None:
        specs.remember_start_tables(instance.flow_key, env)
    instance.state = step.state.to_dict()
    instance.variables = instance.state.get("variables", {})
    instance.status = step.state.status.value
    if step.state.is_ended and instance.ended_at is None:
        instance.ended_at = now
    first_seq = (instance.event_seq or 0) + 1
    instance.event_seq = (instance.event_seq or 0) + len(step.log)
    is_new = not sa_inspect(instance).persistent
    incidents_raised = [record for record in step.log if record.type == "incident_raised"]
    history = _history_rows(first_seq, step, now)
    fast = step_sql.in_use()
    if is_new and fast and instance.id is not None and not incidents_raised:
        # PostgreSQL: the instance and its history in one statement, before the effects
        # (timers, tasks) that point at it are written
        step_sql.write(instance, True, history, [], now)
        history = []
    elif is_new:  # one INSERT with its first state, for its id (an incident row points
        db.session.add(instance)  # at it, so it must exist first)
        db.session.flush()
    with db.session.no_autoflush:
        for record in incidents_raised:
            _open_incident(instance, record)
        batch = effects.apply_all(instance, spec, step.effects, now)
        _sync_message_waits(instance, state, step.state)
        if fast and not is_new:  # the instance row first, as the ORM's flush would order it
            ids = step_sql.write(instance, False, history, effects.outbox_rows(batch), now)
            db.session.flush()
            effects.outbox_written(batch, ids)
            return step
    db.session.flush()
    if history:
        db.session.execute(insert(InstanceEvent.__table__),
                           [{"instance_id": instance.id, **row} for row in history])
    effects.flush_outbox(batch)
    return step


def _history_rows(first_seq: int, step: Step, now: datetime) -> list[dict[str, Any]]:
    """The step's log as instance_events rows (written without ORM objects).

    The first record is the event itself, so the log alone can replay the instance.
    """
    return [{"seq": seq, "type": record.type[:48], "node_id": record.node_id,
             "data": record.to_dict(), "at": now}
            for seq, record in enumerate(step.log, first_seq)]


def _open_incident(instance: FlowInstance, record: Any) -> None:
    """The engine parked a token on an incident: make it visible with a retry button."""
    reason = record.data.get("reason") or record.data.get("kind") or "the flow stopped"
    where = f" at {record.node_id}" if record.node_id else ""
    incidents.record(
        "flow_incident", f"case {instance.case_number or instance.public_id}{where}: {reason}",
        key=f"{instance.public_id}:incident", instance_id=instance.id, node_id=record.node_id,
        details={"instance": instance.public_id},
    )


@incidents.retry_handler("flow_incident")
def _retry_incident(row: Any) -> None:
    """Re-issue what was stuck; a service call goes out again under its original key."""
    instance = get_instance(row.details["instance"])
    deliver(instance, IncidentRetried(actor=None, at=utcnow()))


def _sync_message_waits(instance: FlowInstance, old: InstanceState, new: InstanceState) -> None:
    before = {(m.node_id, m.activation): m for m in old.messages}
    after = {(m.node_id, m.activation): m for m in new.messages}
    for node_id, activation in before.keys() - after.keys():
        db.session.execute(db.delete(MessageWait).where(
            MessageWait.instance_id == instance.id, MessageWait.node_id == node_id,
            MessageWait.activation == activation))
    for (node_id, activation), wait in after.items():
        if (node_id, activation) not in before:
            db.session.add(MessageWait(instance_id=instance.id, node_id=node_id,
                                       activation=activation, name=wait.name,
                                       correlation=str(wait.correlation)))


def _who(actor: User | None) -> str | None:
    return getattr(actor, "email", None)


def _may_work_on(task: Task, actor: User) -> bool:
    if actor.has_role("admin", "manager") or task.assignee_id == actor.id:
        return True
    return task.assignee_id is None and task.team_key in actor.team_keys


def _closed_reason(task: Task) -> str:
    if task.status == "completed":
        who = db.session.get(User, task.completed_by_id) if task.completed_by_id else None
        by = f" by {who.name}" if who else " automatically (its deadline passed)"
        return f"this task was already completed{by}"
    return f"this task is {task.status} and no longer takes an answer"
