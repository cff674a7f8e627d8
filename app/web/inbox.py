"""The staff inbox: tasks assigned to me and open in my teams' pools.

This is the foundation's list; claiming, completing, filters and SLA badges arrive with
the inbox issue.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import or_

from app.extensions import db
from app.models import FlowInstance, Task
from app.security import requires

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.get("/")
@requires("staff", "manager")
def index() -> Any:
    teams = list(current_user.team_keys)
    rows = db.session.execute(
        db.select(Task, FlowInstance.case_number)
        .join(FlowInstance, FlowInstance.id == Task.instance_id)
        .where(Task.status.in_(("open", "claimed")))
        .where(or_(Task.assignee_id == current_user.id, Task.team_key.in_(teams)))
        .order_by(Task.due_at.is_(None), Task.due_at, Task.id)
        .limit(200)
    ).all()
    return render_template("inbox/index.html", rows=rows, teams=sorted(teams))
