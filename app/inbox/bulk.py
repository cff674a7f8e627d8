"""Bulk approve / reject / reassign: each task on its own, each with its own answer.

Every task runs in a savepoint, so one that fails (its form needs input, a colleague
took it, it closed meanwhile) is rolled back alone and reported with the reason, while
the others go through. The caller commits once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.inbox import task_forms
from app.inbox.access import may_see, may_work_on
from app.models import FlowInstance, Task, User
from app.services import tasks
from runtime.exceptions import FormloomError

ACTIONS = ("approve", "reject", "reassign")
MAX_TASKS = 200


@dataclass(frozen=True)
class BulkResult:
    task_id: int
    title: str
    case_number: str | None
    ok: bool
    message: str


def run(task_ids: list[int], action: str, actor: User, *, locale: str = "en",
        handover: tasks.Handover | None = None) -> list[BulkResult]:
    results = []
    for task_id in list(dict.fromkeys(task_ids))[:MAX_TASKS]:
        results.append(_one(task_id, action, actor, locale, handover))
    return results


def _one(task_id: int, action: str, actor: User, locale: str,
         handover: tasks.Handover | None) -> BulkResult:
    task = db.session.get(Task, task_id)
    if task is None or not may_see(task, actor):
        return BulkResult(task_id, "—", None, False, "No such task (or not one of yours).")
    title, case = task.title, db.session.scalar(
        db.select(FlowInstance.case_number).where(FlowInstance.id == task.instance_id))
    try:
        with db.session.begin_nested():
            message = _act(task, action, actor, locale, handover)
        return BulkResult(task_id, title, case, True, message)
    except (FormloomError, StaleDataError) as err:
        db.session.expire_all()
        task = db.session.get(Task, task_id)
        if isinstance(err, StaleDataError) or (task is not None and task.status not in
                                               ("open", "claimed")):
            reason = tasks.why_not_available(task, actor)
        else:
            text = str(err)
            reason = text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
        return BulkResult(task_id, title, case, False, reason)


def _act(task: Task, action: str, actor: User, locale: str,
         handover: tasks.Handover | None) -> str:
    if action == "reassign":
        tasks.reassign(task.id, actor, handover or tasks.Handover(reason=""))
        return "Reassigned."
    if task.status not in ("open", "claimed"):
        from runtime.exceptions import Conflict

        raise Conflict(tasks.why_not_available(task, actor))
    if not may_work_on(task, actor):
        if task.assignee_id is not None:  # a colleague has it: say who
            from runtime.exceptions import Conflict

            raise Conflict(tasks.why_not_available(task, actor))
        from runtime.exceptions import PermissionDenied

        raise PermissionDenied("this task is not yours or your team's to answer")
    task_forms.complete(task, action, actor, locale=locale)
    return "Approved." if action == "approve" else "Rejected."
