"""The engine's effects turned into rows, in the same transaction that decided them.

Tasks and timers are written directly (they are state the app owns); anything that
reaches outside — a connector call, a notification, a subflow, telling a parent that
its subflow ended — becomes an outbox row carrying the effect's idempotency key, and is
delivered by the `outbox.deliver` job only after this transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.flows import assignment
from app.jobs import enqueue
from app.jobs.timers import cancel_timer, schedule_timer
from app.models import FlowInstance, OutboxEntry, Task, Timer, utcnow
from runtime.flows import Effect, EffectType, FlowSpec

TIMER_KIND = "flow.timer"
OPEN_TASK = ("open", "claimed")


@dataclass
class Batch:
    """One step's effects being written: what appliers share so the step costs few queries.

    `deadlines` are the timeouts this very step schedules, by (node, activation), so a
    task created in the same step gets its due time without reading the timers table;
    `outbox` rows are collected and written by one statement in `flush_outbox`.
    """

    instance: FlowInstance
    spec: FlowSpec
    now: datetime
    deadlines: dict[tuple[str, int], datetime] = field(default_factory=dict)
    outbox: list[dict[str, Any]] = field(default_factory=list)


Applier = Callable[[FlowInstance, Any, Batch], None]
_appliers: dict[EffectType, Applier] = {}


def applies(*types: EffectType) -> Callable[[Applier], Applier]:
    def register(fn: Applier) -> Applier:
        for effect_type in types:
            _appliers[effect_type] = fn
        return fn

    return register


def apply_all(instance: FlowInstance, spec: FlowSpec, effects: Iterable[Effect],
              now: datetime) -> Batch:
    """Write one step's effects into the session without flushing in between.

    The caller flushes once afterwards, then calls `flush_outbox(batch)`.
    """
    effects = tuple(effects)
    batch = Batch(instance, spec, now)
    for effect in effects:
        if effect.type == EffectType.SCHEDULE_TIMER and effect.purpose == "timeout":
            batch.deadlines[(effect.node_id, effect.activation)] = _when(effect.due_at)
    with db.session.no_autoflush:  # one flush for the whole step, not one per query
        for effect in effects:
            _appliers[effect.type](instance, effect, batch)
    return batch


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _resolve(request: dict[str, Any] | None, now: datetime) -> assignment.Assignee:
    request = request or {}
    team = request.get("team") or request.get("role")
    if "manager_of" in request:
        team = assignment.manager_team_of(request["manager_of"] or "")
    elif "manager_of_user" in request:
        team = assignment.manager_team_of_user(request["manager_of_user"])
    return assignment.resolve(user=request.get("user"), team=team,
                              strategy=request.get("strategy", "pool"), now=now)


@applies(EffectType.CREATE_TASK, EffectType.REQUEST_FORM)
def _create_task(instance: FlowInstance, effect: Any, batch: Batch) -> None:
    is_form = effect.type == EffectType.REQUEST_FORM
    customer = is_form and effect.submitter == "customer"
    who = assignment.Assignee(None, None) if customer else _resolve(effect.assignee, batch.now)
    data: dict[str, Any] = {"kind": "form" if is_form else "task"}
    if not is_form:
        data.update(outcomes=list(effect.outcomes), approval=effect.approval,
                    description=effect.description)
    if who.delegated_from_id:
        data["delegated_from_id"] = who.delegated_from_id
    db.session.add(Task(
        key=effect.key, instance_id=instance.id, node_id=effect.node_id,
        activation=effect.activation,
        title=effect.form if is_form else effect.title,
        assignment=dict(effect.assignee or {"customer": True}),
        assignee_id=who.user_id, team_key=who.team_key,
        form_key=effect.form, due_at=_when(effect.due_at) or _deadline(instance, effect, batch),
        data=data,
    ))


def _deadline(instance: FlowInstance, effect: Any, batch: Batch) -> datetime | None:
    """The node's timeout: scheduled in this step, or earlier (a later approver's task)."""
    where = (effect.node_id, effect.activation)
    if where in batch.deadlines:
        return batch.deadlines[where]
    node = batch.spec.node(effect.node_id) if batch.spec.has_node(effect.node_id) else None
    if node is not None and getattr(node, "timeout", None) is None:
        return None  # the node has no timeout: there is no deadline to look up
    key = f"{instance.public_id}:{effect.node_id}:{effect.activation}:timeout"
    return db.session.scalar(db.select(Timer.due_at).where(Timer.key == key))


def _open_tasks(instance: FlowInstance, node_id: str, activation: int) -> list[Task]:
    """A node activation's open tasks: stored ones, and ones this step added (unflushed).

    The step writes without autoflush, so the query cannot see tasks added or closed
    earlier in the same step; those are taken from the session as they are in memory.
    """

    def is_open(task: Task) -> bool:
        return (task.status or "open") in OPEN_TASK

    added = [t for t in db.session.new if isinstance(t, Task) and t.instance_id == instance.id
             and t.node_id == node_id and t.activation == activation and is_open(t)]
    stored = db.session.scalars(
        db.select(Task).where(Task.instance_id == instance.id, Task.node_id == node_id,
                              Task.activation == activation, Task.status.in_(OPEN_TASK))
    )
    return added + [t for t in stored if is_open(t)]


def _task_by_key(key: str) -> Task | None:
    """The task with `key`, from the session when it is there (no query), else stored."""
    for row in (*db.session.new, *db.session.identity_map.values()):
        if isinstance(row, Task) and row.key == key:
            return row
    return db.session.scalar(db.select(Task).where(Task.key == key))


@applies(EffectType.COMPLETE_TASK)
def _complete_task(instance: FlowInstance, effect: Any, batch: Batch) -> None:
    """The task named by the effect's key; else the node's open tasks (auto-complete)."""
    task = _task_by_key(effect.key)
    targets = [task] if task is not None else _open_tasks(instance, effect.node_id,
                                                             effect.activation)
    for target in targets:
        if (target.status or "open") in OPEN_TASK:
            target.status, target.outcome, target.completed_at = (
                "completed", effect.outcome, batch.now)


@applies(EffectType.CANCEL_TASK)
def _cancel_tasks(instance: FlowInstance, effect: Any, batch: Batch) -> None:
    for task in _open_tasks(instance, effect.node_id, effect.activation):
        task.status, task.completed_at = "cancelled", batch.now
        task.data = {**(task.data or {}), "cancel_reason": effect.reason}


@applies(EffectType.REASSIGN_TASK)
def _reassign(instance: FlowInstance, effect: Any, batch: Batch) -> None:
    task = _task_by_key(effect.task_key)
    if task is None or (task.status or "open") not in OPEN_TASK:
        return
    who = _resolve(effect.to, batch.now)
    task.assignee_id, task.team_key, task.status = who.user_id, who.team_key, "open"
    task.data = {**(task.data or {}), "reassigned": effect.reason}


@applies(EffectType.SCHEDULE_TIMER)
def _schedule(instance: FlowInstance, effect: Any, batch: Batch) -> None:
    due_at = _when(effect.due_at)
    schedule_timer(TIMER_KIND, effect.key, due_at, instance_id=instance.id,
                   node_id=effect.node_id, payload={"purpose": effect.purpose})
    # A timeout is the due time of its node's tasks unless they set one. Tasks are created
    # in the step that starts the node's timers, and `_create_task` reads the deadline
    # from `batch.deadlines`; this covers tasks added earlier in the step all the same.
    if effect.purpose == "timeout":
        for task in db.session.new:
            if (isinstance(task, Task) and task.instance_id == instance.id
                    and (task.node_id, task.activation) == (effect.node_id, effect.activation)):
                task.due_at = task.due_at or due_at


@applies(EffectType.CANCEL_TIMER)
def _cancel_timer(instance: FlowInstance, effect: Any, batch: Batch) -> None:
    cancel_timer(effect.key)


@applies(EffectType.INSTANCE_ENDED)
def _ended(instance: FlowInstance, effect: Any, batch: Batch) -> None:
    instance.ended_at = instance.ended_at or batch.now
    if instance.parent_id is not None:
        batch.outbox.append(_outbox_row(instance, "subflow_ended", f"{effect.key}:parent",
                                        {"child": instance.public_id, "status": effect.status}))


@applies(EffectType.CALL_CONNECTOR, EffectType.SEND_NOTIFICATION, EffectType.REMIND_TASK,
         EffectType.START_SUBFLOW, EffectType.CANCEL_SUBFLOW)
def _to_outbox(instance: FlowInstance, effect: Any, batch: Batch) -> None:
    batch.outbox.append(_outbox_row(instance, effect.type.value, effect.key, effect.to_dict()))


def _outbox_row(instance: FlowInstance, kind: str, key: str,
                payload: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    return {"instance_id": instance.id, "effect": kind, "idempotency_key": key,
            "payload": payload, "status": "pending", "attempts": 0, "available_at": now,
            "created_at": now}


def outbox_rows(batch: Batch) -> list[dict[str, Any]]:
    """The step's outbox rows, one per idempotency key."""
    return _dedupe(batch.outbox)


def flush_outbox(batch: Batch) -> None:
    """Write the step's outbox rows in one statement; one delivery job for all, after commit.

    `INSERT … ON CONFLICT (idempotency_key) DO UPDATE SET status = 'pending', payload`:
    an effect re-issued under a key it had before (a retried incident) is the original
    row delivered again, as the SELECT-then-INSERT this replaces did, in one round trip.
    (On PostgreSQL `step_sql` writes the same statement inside the step's one statement
    and calls `outbox_written`.)
    """
    if not batch.outbox:
        return
    rows, ids = outbox_rows(batch), {}
    dialect = db.session.get_bind(mapper=OutboxEntry.__mapper__).dialect.name
    dialect_insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if dialect_insert is None:  # other databases: row by row through the ORM
        for row in rows:
            ids[row["idempotency_key"]] = _upsert_one(row)
    else:
        statement = dialect_insert(OutboxEntry).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=["idempotency_key"],
            set_={"status": "pending", "payload": statement.excluded.payload},
        ).returning(OutboxEntry.id, OutboxEntry.idempotency_key)
        ids = {key: entry_id for entry_id, key in db.session.execute(statement)}
    outbox_written(batch, ids)


def outbox_written(batch: Batch, ids: dict[str, int]) -> None:
    """The step's outbox rows are written (`ids` by key): one delivery job for all of
    them, enqueued to run after commit; loaded copies of re-issued rows are stale."""
    if not batch.outbox:
        return
    for loaded in list(db.session.identity_map.values()):  # written behind their back
        if isinstance(loaded, OutboxEntry) and loaded.idempotency_key in ids:
            db.session.expire(loaded, ["status", "payload"])
    enqueue("outbox.deliver", *(ids[row["idempotency_key"]] for row in outbox_rows(batch)))
    batch.outbox.clear()


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per key, the last one winning (a statement may not touch a row twice)."""
    return list({row["idempotency_key"]: row for row in rows}.values())


def _upsert_one(row: dict[str, Any]) -> int:
    existing = db.session.scalar(
        db.select(OutboxEntry).where(OutboxEntry.idempotency_key == row["idempotency_key"]))
    if existing is not None:
        existing.status, existing.payload = "pending", row["payload"]
        entry = existing
    else:
        entry = OutboxEntry(**row)
        db.session.add(entry)
    db.session.flush()
    return entry.id
