"""The staff inbox: tasks assigned to me and open in my teams' pools, and one task's page.

This is the foundation's inbox: list, open a task, answer it with one of its outcomes.
Claiming, task forms, filters, bulk actions and SLA badges arrive with the inbox issue.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_

from app.extensions import db
from app.flows import service
from app.models import FlowInstance, InstanceEvent, Task
from app.security import requires
from runtime.exceptions import Conflict, PermissionDenied

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
OPEN = ("open", "claimed")


@bp.get("/")
@requires("staff", "manager")
def index() -> Any:
    teams = list(current_user.team_keys)
    rows = db.session.execute(
        db.select(Task, FlowInstance.case_number)
        .join(FlowInstance, FlowInstance.id == Task.instance_id)
        .where(Task.status.in_(OPEN))
        .where(or_(Task.assignee_id == current_user.id,
                   Task.assignee_id.is_(None) & Task.team_key.in_(teams)))
        .order_by(Task.due_at.is_(None), Task.due_at, Task.id)
        .limit(200)
    ).all()
    return render_template("inbox/index.html", rows=rows, teams=sorted(teams))


@bp.get("/tasks/<int:task_id>")
@requires("staff", "manager")
def task(task_id: int) -> Any:
    row = _visible_task(task_id)
    instance = db.session.get(FlowInstance, row.instance_id)
    history = db.session.scalars(
        db.select(InstanceEvent).where(InstanceEvent.instance_id == instance.id)
        .order_by(InstanceEvent.seq.desc()).limit(50)
    ).all()
    return render_template("inbox/task.html", task=row, instance=instance, history=history)


@bp.post("/tasks/<int:task_id>/complete")
@requires("staff", "manager")
def complete(task_id: int) -> Any:
    row = _visible_task(task_id)
    outcome = request.form.get("outcome", "")
    if outcome not in row.data.get("outcomes", []):
        abort(400, description="choose one of the task's outcomes")
    try:
        service.complete_task(row.id, outcome, {}, current_user)
        db.session.commit()
    except (Conflict, PermissionDenied) as err:
        db.session.rollback()
        message = str(err)
        flash(message[:1].upper() + message[1:] + ".", "error")
        return redirect(url_for("inbox.task", task_id=task_id))
    flash(f"Done: {row.title} — {outcome.replace('_', ' ')}.", "success")
    return redirect(url_for("inbox.index"))


def _visible_task(task_id: int) -> Task:
    """A task the user may see: theirs, their teams' pool, or any for managers and admins."""
    row = db.session.get(Task, task_id)
    if row is None:
        abort(404)
    mine = row.assignee_id == current_user.id or row.team_key in current_user.team_keys
    if not (mine or current_user.has_role("manager")):
        abort(404)  # not 403: do not confirm that another team's task exists
    return row
