"""Outgoing e-mail, kept in the database until it has been handed to the mail server.

The queue only carries the row's id: a message body may hold a signed status link (a
capability for a customer's case), which must not sit in Redis or appear in job logs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, JSONDoc, UTCDateTime, utcnow


class MailStatus:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class MailMessage(db.Model):
    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    to_addrs: Mapped[list] = mapped_column(JSONDoc)
    subject: Mapped[str] = mapped_column(String(998))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailAttachment(db.Model):
    """A file sent with a stored message (e.g. a scheduled report's XLSX), kept with it so
    a retried delivery sends the same bytes."""

    __tablename__ = "outgoing_mail_attachments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outgoing_mail.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
