"""Notice the moments a task reaches a person, whoever caused them.

Tasks are created and moved by the engine (app/flows/effects.py), by staff through
app/services/tasks.py and by admins migrating cases. Rather than asking each of them to
remember notifications, a session hook collects every task that was added or whose
assignee or team changed (`before_flush`), and just before the transaction commits
(`before_commit`) turns them into notices, a team-SLA deadline for tasks that have none,
and a warning timer before each deadline — all in the same transaction, so a rolled-back
step notifies nobody.

Claims are single UPDATE statements, invisible here on purpose: claiming a task is not
news to the person who claimed it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Task, TeamSla, User
from app.notifications import notify, team_members, timing

log = logging.getLogger(__name__)
KEY = "formloom.inbox.task_changes"
OPEN = ("open", "claimed")


@dataclass
class Change:
    task: Task
    created: bool
    assignee_id: int | None
    team_key: str | None
    escalated: bool


@event.listens_for(Session, "before_flush")
def _collect(session: Session, flush_context, instances) -> None:
    found: list[Change] = []
    for obj in session.new:
        if isinstance(obj, Task):
            found.append(Change(obj, True, obj.assignee_id, obj.team_key, False))
    for obj in session.dirty:
        if not isinstance(obj, Task):
            continue
        state = inspect(obj)
        moved = (state.attrs.assignee_id.history.has_changes()
                 or state.attrs.team_key.history.has_changes())
        if not moved:
            continue
        escalated = (state.attrs.data.history.has_changes()
                     and (obj.data or {}).get("reassigned") == "escalate")
        found.append(Change(obj, False, obj.assignee_id, obj.team_key, escalated))
    if found:
        session.info.setdefault(KEY, []).extend(found)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(KEY, None)


@event.listens_for(Session, "before_commit")
def _act(session: Session) -> None:
    changes = session.info.pop(KEY, None)
    if not changes or not has_app_context() or session is not db.session():
        return
    latest: dict[int, Change] = {}
    for change in changes:
        task = change.task
        if inspect(task).persistent and task.id is not None:
            previous = latest.get(task.id)
            if previous is not None:
                change.created = change.created or previous.created
                change.escalated = change.escalated or previous.escalated
            latest[task.id] = change
    slas: dict[str | None, TeamSla | None] = {}
    for change in latest.values():
        task = change.task
        if task.team_key not in slas:
            slas[task.team_key] = timing.team_sla(task.team_key)
        sla = slas[task.team_key]
        if sla is None and not change.escalated and task.assignee_id is None:
            continue  # a team pool without a service level: nothing to write, no savepoint
        try:
            with session.begin_nested():  # a failing notice never undoes the work itself
                _handle(change, sla)
        except Exception:
            log.exception("inbox notices for task %s failed; the task change stands",
                          change.task.id)


def _handle(change: Change, sla: TeamSla | None) -> None:
    task = change.task
    # a savepoint rolled back since (a failed bulk item): the change did not happen
    if (task.assignee_id, task.team_key) != (change.assignee_id, change.team_key):
        return
    if (task.status or "open") not in OPEN:
        return
    if change.created and task.due_at is None:
        task.due_at = timing.sla_deadline(task, sla)
    timing.schedule_breach_warning(task, sla)
    if change.escalated:
        _escalated(task)
    elif task.assignee_id is not None:
        _assigned(task)


def _assigned(task: Task) -> None:
    user = db.session.get(User, task.assignee_id)
    if user is None:
        return
    body = ""
    delegated_from = (task.data or {}).get("delegated_from_id")
    if delegated_from:
        original = db.session.get(User, delegated_from)
        if original is not None:
            body = f"You are standing in for {original.name} while they are away."
    notify(user, kind="assigned", key=f"assigned:{task.id}:{task.lock_version}:{user.id}",
           title=f"New task for you: {task.title}", body=_due_line(task, body), task=task)


def _escalated(task: Task) -> None:
    people = ([db.session.get(User, task.assignee_id)] if task.assignee_id
              else team_members(task.team_key))
    for user in filter(None, people):
        notify(user, kind="escalated",
               key=f"escalated:{task.id}:{task.lock_version}:{user.id}",
               title=f"Escalated to you: {task.title}",
               body=_due_line(task, "Its deadline passed, so it was escalated to "
                                    f"{'you' if task.assignee_id else 'your team'}."),
               task=task)


def _due_line(task: Task, body: str) -> str:
    if task.due_at is None:
        return body
    when = task.due_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"{body}\nDue {when}.".strip()
