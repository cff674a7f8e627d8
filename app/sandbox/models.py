"""The sandbox simulators' state: JSON documents by (kind, key), shared by every process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, JSONDoc, UTCDateTime, utcnow


class SandboxRecord(db.Model):
    """One simulated object (a refund, an idempotency result, an error mode...).

    The unique `(kind, key)` makes inserting an idempotency key atomic across gunicorn
    and RQ workers: the database, not a process, decides who was first.
    """

    __tablename__ = "sandbox_records"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    data: Mapped[dict] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
