"""Dashboards: the list of published boards.

Viewing a board, filters and drill-down arrive with the reports issue.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from app.extensions import db
from app.models import Definition, DefinitionKind, DefinitionStatus
from app.security import requires

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")


@bp.get("/")
@requires("manager")
def index() -> Any:
    boards = db.session.scalars(
        db.select(Definition)
        .where(Definition.kind == DefinitionKind.DASHBOARD)
        .where(Definition.status == DefinitionStatus.PUBLISHED)
        .order_by(Definition.key, Definition.version.desc())
    ).all()
    latest = {}
    for board in boards:
        latest.setdefault(board.key, board)
    return render_template("dashboards/index.html", boards=list(latest.values()))
