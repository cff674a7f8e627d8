"""Telling people about their work: in-app notices and e-mails.

    notify(user, kind="assigned", key="assigned:12:7:3", title="…", body="…", task=task)

A notice is a row (`Notice`, shown under /inbox/notices with an unread badge); unless
the user turned e-mails off, the same text goes out through `app.mail.send_mail`, which
sends only after the transaction commits. Each notice has a key naming the happening and
the person, so a retried job or a repeated flush never notifies twice.

What triggers notices (all registered by `init_app`, in web and worker processes):
* `listeners`: a task created for a person or moved to them (assigned), moved by an
  escalation (escalated), and a warning timer before its deadline (about to breach);
* `handlers`: the engine's `remind_task` and `send_notification` outbox effects;
* `step_mail`: a portal customer's e-mail when their case enters a step marked `email`;
* `app.services.tasks.add_comment`: @mentions.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, render_template

from app.extensions import db
from app.models import Membership, Notice, NotificationPreference, Task, Team, User, utcnow

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    from app.notifications import handlers, listeners, step_mail  # noqa: F401  (registration)


def email_enabled(user: User) -> bool:
    enabled = db.session.scalar(db.select(NotificationPreference.email_enabled)
                                .where(NotificationPreference.user_id == user.id))
    return True if enabled is None else bool(enabled)


def set_email_enabled(user: User, enabled: bool) -> None:
    row = db.session.get(NotificationPreference, user.id)
    if row is None:
        db.session.add(NotificationPreference(user_id=user.id, email_enabled=enabled))
    else:
        row.email_enabled = enabled


def unread_count(user: User) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Notice)
                             .where(Notice.user_id == user.id, Notice.read_at.is_(None))) or 0


def mark_read(user: User, notice_ids: list[int] | None = None) -> int:
    stmt = (db.update(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
            .values(read_at=utcnow()).execution_options(synchronize_session=False))
    if notice_ids is not None:
        stmt = stmt.where(Notice.id.in_(notice_ids))
    return db.session.execute(stmt).rowcount


def notify(user: User, *, kind: str, key: str, title: str, body: str = "",
           task: Task | None = None, email: bool = True) -> Notice | None:
    """Add a notice for `user` (and queue its e-mail); None when `key` was notified before."""
    if not user.active:
        return None
    pending = [n for n in db.session.new if isinstance(n, Notice) and n.key == key]
    with db.session.no_autoflush:
        seen = pending or db.session.scalar(db.select(Notice.id).where(Notice.key == key))
    if seen:
        return None
    notice = Notice(user_id=user.id, kind=kind, key=key[:255], title=title[:300], body=body,
                    task_id=task.id if task is not None else None, created_at=utcnow())
    db.session.add(notice)
    if email and email_enabled(user):
        _email(user, notice, task)
    return notice


def notify_mention(user: User, task: Task, author: User, note: Any) -> None:
    notify(user, kind="mention", key=f"mention:{note.id}:{user.id}",
           title=f"{author.name} mentioned you on “{task.title}”", body=note.body, task=task)


def team_members(team_key: str | None) -> list[User]:
    if not team_key:
        return []
    return list(db.session.scalars(
        db.select(User).join(Membership, Membership.user_id == User.id)
        .join(Team, Team.id == Membership.team_id)
        .where(Team.key == team_key, User.active.is_(True)).order_by(User.id)))


def people_for(task: Task) -> list[User]:
    """Who a notice about `task` goes to: its assignee, or everyone in its team's pool."""
    if task.assignee_id is not None:
        user = db.session.get(User, task.assignee_id)
        return [user] if user is not None else []
    return team_members(task.team_key)


def task_link(task: Task | None) -> str | None:
    if task is None or task.id is None:
        return None
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}/inbox/tasks/{task.id}"


def _email(user: User, notice: Notice, task: Task | None) -> None:
    from app.mail import MailError, send_mail

    link = task_link(task)
    text = "\n\n".join(p for p in (notice.title, notice.body, link and f"Open it: {link}",
                                   "You get these e-mails because of your Formloom inbox "
                                   "settings; turn them off under Inbox > Notices.") if p)
    html = render_template("inbox/email_notice.html", notice=notice, link=link)
    try:
        send_mail(user.email, _subject(notice.title), text, html=html)
    except MailError:  # e.g. an address the mail module refuses: the notice still stands
        log.warning("notice %s: e-mail to user %s refused", notice.key, user.id)


def _subject(title: str) -> str:
    return " ".join(title.split())[:200]
