"""What people hand in: form submissions and uploaded files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, JSONDoc, UTCDateTime, utcnow


class Submission(db.Model):
    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_form", "form_key", "form_version", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    form_key: Mapped[str] = mapped_column(String(128))
    form_version: Mapped[int]
    data: Mapped[dict] = mapped_column(JSONDoc)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    #: Sent by the browser with each submission; a resubmission with the same token is one.
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("flow_instances.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StoredFile(db.Model):
    """An upload; the bytes live outside the database under `storage_name` (random)."""

    __tablename__ = "files"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("flow_instances.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
