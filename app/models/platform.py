"""Connector credentials (encrypted), audit log, connector call log, webhook deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, JSONDoc, UTCDateTime, utcnow


class ConnectorCredential(db.Model):
    """A secret for one connector, Fernet-encrypted with the installation's key ring."""

    __tablename__ = "connector_credentials"
    __table_args__ = (UniqueConstraint("connector_key", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connector_key: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    #: The base URL the secret was entered for; a different URL means the secret is void.
    bound_base_url: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AuditEntry(db.Model):
    """Who changed which definition, completed which task, created which user."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(48))
    target_id: Mapped[str] = mapped_column(String(255))
    details: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class ConnectorCall(db.Model):
    """One outbound connector call, for the admin's call log: never a body, never a secret.

    Written for every call (service nodes, the portal's lookups, "test connection") by
    `app.services.connectors`; pruned to a bounded size there.
    """

    __tablename__ = "connector_calls"
    __table_args__ = (Index("ix_connector_calls_connector_at", "connector_key", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    connector_key: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    #: ok, client_error, failed, timeout, circuit_open, refused, bad_response, misconfigured
    status: Mapped[str] = mapped_column(String(24))
    http_status: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    #: Who called: flow (a service node), portal, test (the admin's button), api.
    source: Mapped[str] = mapped_column(String(24))
    instance_id: Mapped[int | None] = mapped_column(BigId)
    node_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(String(500))


class WebhookDelivery(db.Model):
    """An inbound webhook call, stored before it is processed so none is ever lost.

    Accepted deliveries keep the (signed) JSON body and are unique per connector and
    event id: a provider's retry of the same event is recognised and processed once.
    Refused calls keep only what the admin needs to see why (no body).
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("connector_key", "event_id"),
        Index("ix_webhook_deliveries_connector_received", "connector_key", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    connector_key: Mapped[str] = mapped_column(String(128))
    webhook: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(200))
    #: received, processing, delivered, unmatched, refused, failed
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(48))
    message: Mapped[str | None] = mapped_column(String(64))
    correlation: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    payload: Mapped[dict | list | None] = mapped_column(JSONDoc)
    instances: Mapped[list] = mapped_column(JSONDoc, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
