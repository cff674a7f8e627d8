"""Administration: users, teams, the audit log, and each user's own API tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.models import ApiToken, AuditEntry, FlowInstance, Incident, SystemRole, Team, User, utcnow
from app.security import hash_token, new_api_token, requires, signed_in
from app.services import audit, incidents, users
from runtime.exceptions import ValidationFailed

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.get("/")
@requires("admin")
def index() -> Any:
    return redirect(url_for("admin.users"))


@bp.get("/users", endpoint="users")
@requires("admin")
def users_page() -> Any:
    return _render_users({}, {})


def _render_users(errors: dict[str, str], form: Any, status: int = 200) -> Any:
    rows = db.session.scalars(db.select(User).order_by(User.email)).all()
    teams = db.session.scalars(db.select(Team).order_by(Team.key)).all()
    return render_template(
        "admin/users.html", users=rows, teams=teams, roles=[r.value for r in SystemRole],
        errors=errors, form=form,
    ), status


@bp.post("/users")
@requires("admin")
def create_user() -> Any:
    form = request.form
    try:
        user = users.create_user(
            form.get("email", ""),
            form.get("name", ""),
            form.get("password", ""),
            roles=form.getlist("roles"),
            teams=form.getlist("teams"),
            actor=current_user,
        )
    except ValidationFailed as err:
        db.session.rollback()
        return _render_users({e.pointer.strip("/"): e.reason for e in err.errors}, form, 422)
    db.session.commit()
    flash(f"User {user.email} created.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@requires("admin")
def set_active(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        abort(409, description="you cannot deactivate yourself")
    user.active = request.form.get("active") == "1"
    user.session_epoch += 1
    audit.record("user.active_changed", "user", user.id, active=user.active)
    db.session.commit()
    flash(f"{user.email} is now {'active' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/teams")
@requires("admin")
def create_team() -> Any:
    key = request.form.get("key", "").strip()
    if not key or not key.replace("_", "").isalnum() or not key.islower():
        flash("A team key is lower-case letters, digits and underscores.", "error")
        return redirect(url_for("admin.users"))
    team = users.ensure_team(key, request.form.get("name") or None)
    audit.record("team.saved", "team", team.key)
    db.session.commit()
    flash(f"Team {team.key} saved.", "success")
    return redirect(url_for("admin.users"))


@bp.get("/audit")
@requires("admin")
def audit_log() -> Any:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows = db.session.execute(
        db.select(AuditEntry, User.email)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .order_by(AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    return render_template(
        "admin/audit.html", rows=rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE
    )


@bp.get("/tokens")
@signed_in
def tokens() -> Any:
    rows = db.session.scalars(
        db.select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template("admin/tokens.html", tokens=rows, new_token=None)


@bp.post("/tokens")
@signed_in
def create_token() -> Any:
    name = request.form.get("name", "").strip()[:200] or "API token"
    token = new_api_token()
    db.session.add(
        ApiToken(user_id=current_user.id, name=name, token_hash=hash_token(token), prefix=token[:8])
    )
    audit.record("token.created", "user", current_user.id, name=name)
    db.session.commit()
    rows = db.session.scalars(
        db.select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template("admin/tokens.html", tokens=rows, new_token=token)


@bp.post("/tokens/<int:token_id>/revoke")
@signed_in
def revoke_token(token_id: int) -> Any:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    row.revoked_at = row.revoked_at or utcnow()
    audit.record("token.revoked", "user", current_user.id, name=row.name)
    db.session.commit()
    flash(f"Token {row.name} revoked.", "success")
    return redirect(url_for("admin.tokens"))


@bp.get("/incidents")
@requires("admin")
def incidents_page() -> Any:
    show = request.args.get("show", "open")
    query = db.select(Incident, FlowInstance.case_number).outerjoin(
        FlowInstance, FlowInstance.id == Incident.instance_id
    )
    if show != "all":
        query = query.where(Incident.status == "open")
    rows = db.session.execute(query.order_by(Incident.id.desc()).limit(200)).all()
    return render_template("admin/incidents.html", rows=rows, show=show)


@bp.post("/incidents/<int:incident_id>/retry")
@requires("admin")
def retry_incident(incident_id: int) -> Any:
    row = incidents.retry(incident_id, actor=current_user)
    db.session.commit()
    flash(f"Incident #{row.id} retried.", "success")
    return redirect(url_for("admin.incidents_page"))


@bp.post("/incidents/<int:incident_id>/resolve")
@requires("admin")
def resolve_incident(incident_id: int) -> Any:
    row = incidents.resolve(incident_id, actor=current_user)
    db.session.commit()
    flash(f"Incident #{row.id} marked resolved.", "success")
    return redirect(url_for("admin.incidents_page"))
