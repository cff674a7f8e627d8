"""What staff do to tasks besides answering them: claim, hand back, reassign, comment.

Each function changes one task inside the caller's transaction and leaves a `TaskNote`
(shown on the case timeline) plus an audit row, so "who moved this and why" is never
lost. Races are settled by the database, not by a read-then-write: a claim is one
conditional UPDATE, other changes go through the task's optimistic lock (a stale writer
gets `Conflict`, HTTP 409, with who won).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import update

from app.extensions import db
from app.flows import assignment
from app.inbox.access import OPEN, may_manage, may_see
from app.models import Task, TaskNote, Team, User, utcnow
from app.services import audit
from runtime.exceptions import Conflict, ErrorDetail, NotFound, PermissionDenied, ValidationFailed

MAX_REASON = 500
MAX_COMMENT = 4000
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")


def claim(task_id: int, user: User) -> Task:
    """Take a pool task; of two people claiming at once exactly one wins."""
    task = db.session.get(Task, task_id)
    if task is None or not may_see(task, user):
        raise NotFound("no such task")
    if task.team_key not in user.team_keys and not may_manage(task, user):
        raise PermissionDenied("only members of the task's team can claim it")
    now = utcnow()
    won = db.session.execute(
        update(Task)
        .where(Task.id == task_id, Task.status == "open", Task.assignee_id.is_(None))
        .values(assignee_id=user.id, status="claimed", claimed_at=now,
                lock_version=Task.lock_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.refresh(task)
    if not won:
        raise Conflict(why_not_available(task, user))
    _note(task, "claim", user)
    return task


def unclaim(task_id: int, user: User) -> Task:
    """Hand a claimed task back to its team's pool."""
    task = _open_task(task_id, user)
    if task.assignee_id != user.id and not may_manage(task, user):
        raise PermissionDenied("only the person working on this task or a manager can hand it back")
    if task.team_key is None:
        raise Conflict("this task was given to one person and has no team pool to return to")
    task.assignee_id, task.status, task.claimed_at = None, "open", None
    _note(task, "unclaim", user)
    db.session.flush()
    return task


@dataclass(frozen=True)
class Handover:
    """Where a task goes: a user (by e-mail) or a team's pool, and why."""

    reason: str
    user_email: str | None = None
    team_key: str | None = None


def reassign(task_id: int, actor: User, handover: Handover) -> Task:
    """Give a task to a user or a team; the assignee or a manager only, with a reason."""
    task = _open_task(task_id, actor)
    is_assignee = task.assignee_id == actor.id
    if not (is_assignee or may_manage(task, actor)):
        raise PermissionDenied("only the person working on this task or a manager of its "
                               "team can reassign it")
    reason = (handover.reason or "").strip()
    errors = []
    if not reason:
        errors.append(ErrorDetail("/reason", "say why the task is being handed over"))
    elif len(reason) > MAX_REASON:
        errors.append(ErrorDetail("/reason", f"keep the reason under {MAX_REASON} characters"))
    if bool(handover.user_email) == bool(handover.team_key):
        errors.append(ErrorDetail("/to", "choose either a person or a team"))
    if errors:
        raise ValidationFailed(errors, "the task could not be handed over")
    if handover.user_email:
        target = db.session.scalar(
            db.select(User).where(User.email == handover.user_email.strip().lower()))
        if target is None or not target.active or not target.has_role("staff", "manager"):
            raise ValidationFailed([ErrorDetail("/to", "no active staff member with that "
                                                       "e-mail")], "the task could not be "
                                                                   "handed over")
        chosen = assignment.resolve(user=target.email, team=task.team_key, now=utcnow())
        task.assignee_id, task.status = chosen.user_id, "open"
        kind = "delegate" if is_assignee else "reassign"
        note = _note(task, kind, actor, body=reason, user_ids=[chosen.user_id])
        if chosen.delegated_from_id:
            task.data = {**task.data, "delegated_from_id": chosen.delegated_from_id}
    else:
        if db.session.scalar(db.select(Team.id).where(Team.key == handover.team_key)) is None:
            raise ValidationFailed([ErrorDetail("/to", "no such team")],
                                   "the task could not be handed over")
        task.assignee_id, task.team_key, task.status = None, handover.team_key, "open"
        note = _note(task, "reassign", actor, body=reason, team_key=handover.team_key)
    task.claimed_at = None
    audit.record(f"task.{note.kind}", "task", task.id, actor, reason=reason,
                 to_user=note.user_ids or None, to_team=note.team_key)
    db.session.flush()
    return task


@dataclass(frozen=True)
class Comment:
    note: TaskNote
    mentioned: list[User]
    unknown: list[str]


def add_comment(task_id: int, author: User, body: str) -> Comment:
    """Comment on a task's case; @someone (e-mail or its part before @) notifies them."""
    task = db.session.get(Task, task_id)
    if task is None or not may_see(task, author):
        raise NotFound("no such task")
    body = (body or "").strip()
    if not body:
        raise ValidationFailed([ErrorDetail("/body", "write something first")], "empty comment")
    if len(body) > MAX_COMMENT:
        raise ValidationFailed([ErrorDetail("/body", f"keep comments under {MAX_COMMENT} "
                                                     "characters")], "comment too long")
    mentioned, unknown = _mentions(body, task, author)
    note = _note(task, "comment", author, body=body, user_ids=[u.id for u in mentioned])
    db.session.flush()
    from app.notifications import notify_mention

    for user in mentioned:
        notify_mention(user, task, author, note)
    return Comment(note, mentioned, unknown)


def why_not_available(task: Task, user: User) -> str:
    """A clear sentence for a 409: who took the task, or how it was closed."""
    if task.status == "completed":
        who = db.session.get(User, task.completed_by_id) if task.completed_by_id else None
        by = f" by {who.name}" if who else " automatically"
        return f"This task was already completed{by}."
    if task.status not in OPEN:
        return f"This task is {task.status} and no longer takes an answer."
    if task.assignee_id == user.id:
        return "You already have this task."
    holder = db.session.get(User, task.assignee_id) if task.assignee_id else None
    if holder is not None:
        return f"{holder.name} claimed this task first."
    return "This task changed while you were looking at it; reload and try again."


def _open_task(task_id: int, user: User) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or not may_see(task, user):
        raise NotFound("no such task")
    if task.status not in OPEN:
        raise Conflict(why_not_available(task, user))
    return task


def _note(task: Task, kind: str, author: User, *, body: str = "",
          user_ids: list[int] | None = None, team_key: str | None = None) -> TaskNote:
    note = TaskNote(instance_id=task.instance_id, task_id=task.id, kind=kind, body=body,
                    user_ids=list(user_ids or []), team_key=team_key, author_id=author.id,
                    created_at=utcnow())
    db.session.add(note)
    return note


def _mentions(body: str, task: Task, author: User) -> tuple[list[User], list[str]]:
    found: dict[int, User] = {}
    unknown: list[str] = []
    for handle in dict.fromkeys(m.group(1).rstrip(".").lower() for m in _MENTION.finditer(body)):
        if "@" in handle:
            candidates = list(db.session.scalars(db.select(User).where(User.email == handle)))
        else:
            candidates = list(db.session.scalars(
                db.select(User).where(User.email.like(f"{_escape_like(handle)}@%", escape="\\"))
                .limit(2)))
        people = [u for u in candidates if u.active and u.id != author.id and may_see(task, u)]
        if len(people) == 1:
            found[people[0].id] = people[0]
        elif not (len(candidates) == 1 and candidates[0].id == author.id):
            unknown.append(handle)
    return list(found.values()), unknown


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
