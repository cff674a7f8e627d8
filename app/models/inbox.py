"""The staff inbox's own state: task notes (comments and hand-overs), notices, preferences.

Flow state (tasks, events) belongs to the engine's tables; what people say and do around
a task — a comment, a claim handed back, a reassignment and its reason — lives here so
the engine's append-only history stays a replayable log of engine events only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.instances import Task
from app.models.types import BigId, JSONDoc, UTCDateTime, utcnow


class TaskNote(db.Model):
    """A comment or a hand-over (claim, unclaim, reassign, delegate) on a case's task."""

    __tablename__ = "task_notes"
    __table_args__ = (Index("ix_task_notes_instance", "instance_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("flow_instances.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    #: comment, claim, unclaim, reassign, delegate
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text, default="")
    #: Who was mentioned (comments) or who received the task (hand-overs): user ids.
    user_ids: Mapped[list] = mapped_column(JSONDoc, default=list)
    #: The team a task was handed to, for reassignments to a team pool.
    team_key: Mapped[str | None] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notice(db.Model):
    """An in-app notification: a task assigned, about to breach, escalated, a mention."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_user", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: assigned, about_to_breach, escalated, reminder, mention
    kind: Mapped[str] = mapped_column(String(32))
    #: One notice per happening and person: a retried job or repeated flush adds none.
    key: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(db.Model):
    """Per-user switches; no row means the defaults (e-mails on)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email_enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TeamSla(db.Model):
    """A team's service level: tasks with no deadline of their own are due this long after
    they arrive (business hours of the team's calendar); a warning goes out before."""

    __tablename__ = "team_slas"

    team_key: Mapped[str] = mapped_column(
        ForeignKey("teams.key", ondelete="CASCADE"), primary_key=True
    )
    business_hours: Mapped[int | None]
    warn_before_minutes: Mapped[int] = mapped_column(default=120)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


#: "Completed by me" and the overdue tab read these; the engine's own indexes cover the rest.
Index("ix_tasks_completed_by", Task.completed_by_id, Task.completed_at)
Index("ix_tasks_open_due", Task.status, Task.due_at)
#: Each team's unclaimed pool in due order: a page of it is read straight off this index.
Index("ix_tasks_pool", Task.team_key, Task.due_at, Task.id,
      postgresql_where=db.text("status = 'open' AND assignee_id IS NULL"),
      sqlite_where=db.text("status = 'open' AND assignee_id IS NULL"))
