"""The engine's effects turned into rows, in the same transaction that decided them.

Tasks and timers are written directly (they are state the app owns); anything that
reaches outside — a connector call, a notification, a subflow, telling a parent that
its subflow ended — becomes an outbox row carrying the effect's idempotency key, and is
delivered by the `outbox.deliver` job only after this transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from app.extensions import db
from app.flows import assignment
from app.jobs import enqueue
from app.jobs.timers import cancel_timer, schedule_timer
from app.models import FlowInstance, OutboxEntry, Task, Timer
from runtime.flows import Effect, EffectType

TIMER_KIND = "flow.timer"
OPEN_TASK = ("open", "claimed")

Applier = Callable[[FlowInstance, Any, datetime], None]
_appliers: dict[EffectType, Applier] = {}


def applies(*types: EffectType) -> Callable[[Applier], Applier]:
    def register(fn: Applier) -> Applier:
        for effect_type in types:
            _appliers[effect_type] = fn
        return fn

    return register


def apply(instance: FlowInstance, effect: Effect, now: datetime) -> None:
    _appliers[effect.type](instance, effect, now)


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
def _create_task(instance: FlowInstance, effect: Any, now: datetime) -> None:
    is_form = effect.type == EffectType.REQUEST_FORM
    customer = is_form and effect.submitter == "customer"
    who = assignment.Assignee(None, None) if customer else _resolve(effect.assignee, now)
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
        form_key=effect.form, due_at=_when(effect.due_at) or _deadline(instance, effect),
        data=data,
    ))


def _deadline(instance: FlowInstance, effect: Any) -> datetime | None:
    """The node's timeout, when it was scheduled before the task (effects keep no order)."""
    key = f"{instance.public_id}:{effect.node_id}:{effect.activation}:timeout"
    return db.session.scalar(db.select(Timer.due_at).where(Timer.key == key))


def _open_tasks(instance: FlowInstance, node_id: str, activation: int) -> list[Task]:
    return list(db.session.scalars(
        db.select(Task).where(Task.instance_id == instance.id, Task.node_id == node_id,
                              Task.activation == activation, Task.status.in_(OPEN_TASK))
    ))


@applies(EffectType.COMPLETE_TASK)
def _complete_task(instance: FlowInstance, effect: Any, now: datetime) -> None:
    """The task named by the effect's key; else the node's open tasks (auto-complete)."""
    task = db.session.scalar(db.select(Task).where(Task.key == effect.key))
    targets = [task] if task is not None else _open_tasks(instance, effect.node_id,
                                                             effect.activation)
    for target in targets:
        if target.status in OPEN_TASK:
            target.status, target.outcome, target.completed_at = "completed", effect.outcome, now


@applies(EffectType.CANCEL_TASK)
def _cancel_tasks(instance: FlowInstance, effect: Any, now: datetime) -> None:
    for task in _open_tasks(instance, effect.node_id, effect.activation):
        task.status, task.completed_at = "cancelled", now
        task.data = {**task.data, "cancel_reason": effect.reason}


@applies(EffectType.REASSIGN_TASK)
def _reassign(instance: FlowInstance, effect: Any, now: datetime) -> None:
    task = db.session.scalar(db.select(Task).where(Task.key == effect.task_key))
    if task is None or task.status not in OPEN_TASK:
        return
    who = _resolve(effect.to, now)
    task.assignee_id, task.team_key, task.status = who.user_id, who.team_key, "open"
    task.data = {**task.data, "reassigned": effect.reason}


@applies(EffectType.SCHEDULE_TIMER)
def _schedule(instance: FlowInstance, effect: Any, now: datetime) -> None:
    due_at = _when(effect.due_at)
    schedule_timer(TIMER_KIND, effect.key, due_at, instance_id=instance.id,
                   node_id=effect.node_id, payload={"purpose": effect.purpose})
    if effect.purpose == "timeout":  # the deadline is the task's due time unless it has one
        db.session.flush()
        for task in _open_tasks(instance, effect.node_id, effect.activation):
            task.due_at = task.due_at or due_at


@applies(EffectType.CANCEL_TIMER)
def _cancel_timer(instance: FlowInstance, effect: Any, now: datetime) -> None:
    cancel_timer(effect.key)


@applies(EffectType.INSTANCE_ENDED)
def _ended(instance: FlowInstance, effect: Any, now: datetime) -> None:
    instance.ended_at = instance.ended_at or now
    if instance.parent_id is not None:
        _outbox(instance, "subflow_ended", f"{effect.key}:parent",
                {"child": instance.public_id, "status": effect.status})


@applies(EffectType.CALL_CONNECTOR, EffectType.SEND_NOTIFICATION, EffectType.REMIND_TASK,
         EffectType.START_SUBFLOW, EffectType.CANCEL_SUBFLOW)
def _to_outbox(instance: FlowInstance, effect: Any, now: datetime) -> None:
    _outbox(instance, effect.type.value, effect.key, effect.to_dict())


def _outbox(instance: FlowInstance, kind: str, key: str, payload: dict[str, Any]) -> None:
    existing = db.session.scalar(db.select(OutboxEntry).where(OutboxEntry.idempotency_key == key))
    if existing is not None:  # re-issued under the same key: deliver the original again
        existing.status, existing.payload = "pending", payload
        entry = existing
    else:
        entry = OutboxEntry(instance_id=instance.id, effect=kind, idempotency_key=key,
                            payload=payload)
        db.session.add(entry)
    db.session.flush()
    enqueue("outbox.deliver", entry.id)
