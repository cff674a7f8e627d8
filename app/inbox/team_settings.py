"""Team service levels, set by the managers of those teams (`/inbox/teams`).

A team's SLA is the deadline, in the team's working hours, of tasks whose flow step sets
no timeout of its own; the warning tells the people holding a task that it is about to
breach. Changes apply to tasks created afterwards (a deadline never moves under a task).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.inbox.access import is_admin, managed_team_keys
from app.inbox.views import bp
from app.models import Team, TeamSla
from app.notifications import unread_count
from app.security import requires
from app.services import audit

MAX_SLA_HOURS = 24 * 60
MAX_WARN_MINUTES = 7 * 24 * 60


def _manageable() -> list[Team]:
    teams = db.session.scalars(db.select(Team).order_by(Team.key)).all()
    if is_admin(current_user):
        return list(teams)
    keys = managed_team_keys(current_user)
    return [t for t in teams if t.key in keys]


@bp.route("/teams", methods=["GET", "POST"])
@requires("manager")
def team_slas() -> Any:
    teams = _manageable()
    errors: dict[str, str] = {}
    if request.method == "POST":
        key = request.form.get("team", "")
        if key not in {t.key for t in teams}:
            abort(404)
        hours = _number(request.form.get("business_hours"), "business_hours", MAX_SLA_HOURS,
                        errors, optional=True)
        warn = _number(request.form.get("warn_before_minutes"), "warn_before_minutes",
                       MAX_WARN_MINUTES, errors, optional=False)
        if not errors:
            row = db.session.get(TeamSla, key) or TeamSla(team_key=key)
            row.business_hours, row.warn_before_minutes = hours, warn
            db.session.add(row)
            audit.record("team.sla", "team", key, current_user, business_hours=hours,
                         warn_before_minutes=warn)
            db.session.commit()
            flash(f"Saved the service level of {key}; it applies to tasks that arrive from now "
                  "on.", "success")
            return redirect(url_for("inbox.team_slas"))
        flash("Check the numbers: " + "; ".join(errors.values()) + ".", "error")
    slas = {row.team_key: row for row in db.session.scalars(db.select(TeamSla))}
    return render_template("inbox/team_slas.html", teams=teams, slas=slas,
                           unread=unread_count(current_user)), 422 if errors else 200


def _number(text: str | None, field: str, limit: int, errors: dict[str, str], *,
            optional: bool) -> int | None:
    text = (text or "").strip()
    if not text and optional:
        return None
    if not text.isdigit() or not 0 < int(text) <= limit:
        errors[field] = f"{field.replace('_', ' ')} must be a whole number from 1 to {limit}"
        return None
    return int(text)
