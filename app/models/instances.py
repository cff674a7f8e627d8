"""Runtime state of flows: instances, their append-only events, tasks, timers and the outbox.

Rows hold state and name their spec by (key, version, node id); they never copy the spec
(STYLE §5). The engine that writes them arrives with the flow runtime.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, JSONDoc, UTCDateTime, utcnow
from runtime.exceptions import Conflict


class FlowInstance(db.Model):
    __tablename__ = "flow_instances"
    __table_args__ = (Index("ix_flow_instances_flow", "flow_key", "flow_version", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: Unguessable id used in links and by customers; the integer id never leaves the server.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    case_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Sent by a client with a start request; the same token starts one instance only.
    start_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    flow_key: Mapped[str] = mapped_column(String(128))
    flow_version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="running")
    state: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    variables: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("flow_instances.id"), index=True)
    #: The parent's subflow node and activation that waits for this instance to end.
    parent_node_id: Mapped[str | None] = mapped_column(String(128))
    parent_activation: Mapped[int | None]
    #: Sequence number of the last instance_events row written for this instance.
    event_seq: Mapped[int] = mapped_column(default=0)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Optimistic lock: a stale writer's UPDATE matches no row and raises StaleDataError.
    lock_version: Mapped[int] = mapped_column("version", default=1)

    __mapper_args__ = {"version_id_col": lock_version}


class InstanceEvent(db.Model):
    """Append-only history of an instance: the audit trail and the feed for reports."""

    __tablename__ = "instance_events"
    __table_args__ = (UniqueConstraint("instance_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("flow_instances.id"))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(48))
    node_id: Mapped[str | None] = mapped_column(String(128))
    data: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


@event.listens_for(InstanceEvent, "before_update")
@event.listens_for(InstanceEvent, "before_delete")
def _events_are_append_only(mapper, connection, target: InstanceEvent) -> None:
    raise Conflict("instance events are append-only")


class Task(db.Model):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_inbox_assignee", "assignee_id", "status", "due_at"),
        Index("ix_tasks_inbox_team", "team_key", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: The engine's effect key (`instance:node:activation[:n]`); several approvers of one
    #: step share node and activation, so this, not the node, identifies the task.
    key: Mapped[str] = mapped_column(String(255), unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("flow_instances.id"), index=True)
    node_id: Mapped[str] = mapped_column(String(128))
    activation: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(300))
    #: What the flow asked for (user, team pool, strategy); assignee_id is the result.
    assignment: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_key: Mapped[str | None] = mapped_column(String(64))
    form_key: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    lock_version: Mapped[int] = mapped_column("version", default=1)

    __mapper_args__ = {"version_id_col": lock_version}


class Timer(db.Model):
    """The source of truth for deadlines; the queue only wakes them up (DESIGN §4)."""

    __tablename__ = "timers"
    __table_args__ = (
        Index(
            "ix_timers_due_pending",
            "due_at",
            postgresql_where=db.text("fired_at IS NULL"),
            sqlite_where=db.text("fired_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: Handler name in app/jobs/timers.py's registry (e.g. "flow.timeout").
    kind: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("flow_instances.id"), index=True)
    node_id: Mapped[str | None] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxEntry(db.Model):
    """An effect written in the same transaction as the state that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "available_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("flow_instances.id"), index=True)
    effect: Mapped[str] = mapped_column(String(48))
    #: `instance:node:activation`; passed to outside systems as Idempotency-Key.
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class MessageWait(db.Model):
    """An instance waiting for a correlated message (e.g. `parcel_received` for RMA-123)."""

    __tablename__ = "message_waits"
    __table_args__ = (
        Index("ix_message_waits_lookup", "name", "correlation"),
        UniqueConstraint("instance_id", "node_id", "activation"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("flow_instances.id"), index=True)
    node_id: Mapped[str] = mapped_column(String(128))
    activation: Mapped[int]
    name: Mapped[str] = mapped_column(String(128))
    correlation: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Incident(db.Model):
    """Something that needs a person: a failed call, an abandoned job, a stuck instance.

    Kept in the database, not only in the queue's failed registry, so it is listed in
    the admin UI and retried from there under the effect's original idempotency key.
    """

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_open", "status", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("flow_instances.id"), index=True)
    node_id: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(48))
    message: Mapped[str] = mapped_column(Text)
    #: What a retry needs (e.g. the job's name and arguments); never secrets.
    details: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CaseCounter(db.Model):
    """The next case number per flow; one row lock per start, no gaps from retries."""

    __tablename__ = "case_counters"

    flow_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    next_value: Mapped[int] = mapped_column(BigInteger, default=1)
