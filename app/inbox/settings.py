"""A person's own inbox settings: away period with a stand-in, notices, e-mail switch.

While away (from `away_from` until `away_until`), tasks assigned to the person go to the
stand-in (`app/flows/assignment.py` follows `stand_in_id`); both inboxes show it. Times
are entered and shown in UTC, as everywhere else in the inbox.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.inbox.views import STAFF, bp
from app.models import Membership, Notice, Task, User
from app.notifications import email_enabled, mark_read, set_email_enabled, unread_count
from app.security import requires
from app.services import audit


@bp.route("/away", methods=["GET", "POST"])
@requires(*STAFF)
def away() -> Any:
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.form.get("clear") == "yes":
            _set_away(None, None, None)
            db.session.commit()
            flash("You are back: new tasks come to you again.", "success")
            return redirect(url_for("inbox.away"))
        start = _parse_when(request.form.get("away_from"), "away_from", errors)
        until = _parse_when(request.form.get("away_until"), "away_until", errors)
        stand_in = _stand_in(request.form.get("stand_in_id"), errors)
        if start is None and "away_from" not in errors:
            errors["away_from"] = "say when you leave"
        if start and until and until <= start:
            errors["away_until"] = "must be after the start"
        if not errors:
            _set_away(start, until, stand_in)
            db.session.commit()
            flash(f"Saved: from {start:%Y-%m-%d %H:%M} UTC new tasks for you go to "
                  f"{stand_in.name}.", "success")
            return redirect(url_for("inbox.away"))
    return render_template("inbox/away.html", errors=errors, form=request.form,
                           colleagues=_colleagues(), unread=unread_count(current_user),
                           stand_in=db.session.get(User, current_user.stand_in_id)
                           if current_user.stand_in_id else None), 422 if errors else 200


@bp.get("/notices")
@requires(*STAFF)
def notices() -> Any:
    rows = db.session.execute(
        db.select(Notice, Task.status).outerjoin(Task, Task.id == Notice.task_id)
        .where(Notice.user_id == current_user.id).order_by(Notice.id.desc()).limit(100)).all()
    return render_template("inbox/notices.html", rows=rows, unread=unread_count(current_user),
                           email_on=email_enabled(current_user))


@bp.post("/notices/read")
@requires(*STAFF)
def notices_read() -> Any:
    marked = mark_read(current_user)
    db.session.commit()
    flash(f"Marked {marked} notice{'s' if marked != 1 else ''} as read.", "success")
    return redirect(url_for("inbox.notices"))


@bp.post("/notices/email")
@requires(*STAFF)
def notices_email() -> Any:
    enabled = request.form.get("email") == "on"
    set_email_enabled(current_user, enabled)
    db.session.commit()
    flash("E-mails are on: you get an e-mail with each notice." if enabled else
          "E-mails are off: notices still appear here.", "success")
    return redirect(url_for("inbox.notices"))


def _parse_when(text: str | None, field: str, errors: dict[str, str]) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        errors[field] = "use the date picker (YYYY-MM-DD HH:MM)"
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stand_in(value: str | None, errors: dict[str, str]) -> User | None:
    chosen = db.session.get(User, int(value)) if (value or "").isdigit() else None
    if chosen is None or chosen.id == current_user.id or not chosen.active \
            or not chosen.has_role("staff", "manager"):
        errors["stand_in_id"] = "choose a colleague to stand in for you"
        return None
    return chosen


def _set_away(start: datetime | None, until: datetime | None, stand_in: User | None) -> None:
    user = db.session.get(User, current_user.id)
    user.away_from, user.away_until = start, until
    user.stand_in_id = stand_in.id if stand_in else None
    audit.record("user.away", "user", user.id, user, away_from=start and start.isoformat(),
                 away_until=until and until.isoformat(),
                 stand_in=stand_in.email if stand_in else None)


def _colleagues() -> list[User]:
    """Active staff sharing a team with me first; managers may pick anyone on staff."""
    team_ids = [m.team_id for m in current_user.memberships]
    stmt = db.select(User).where(User.id != current_user.id, User.active.is_(True))
    if team_ids and not current_user.has_role("manager"):
        stmt = stmt.where(User.id.in_(db.select(Membership.user_id)
                                      .where(Membership.team_id.in_(team_ids))))
    people = db.session.scalars(stmt.order_by(User.name).limit(500)).all()
    return [u for u in people if u.has_role("staff", "manager")]
