"""Connector secrets: stored encrypted, shown redacted, void when the base URL changes.

A secret is bound to the base URL it was entered for. If a builder later points the
connector somewhere else, the stored secret would be sent to the new host; clearing it
instead means a changed URL can never exfiltrate a credential (CHECKLIST 16).
"""

from __future__ import annotations

from dataclasses import dataclass

from app import crypto
from app.extensions import db
from app.models import ConnectorCredential
from app.services import audit
from runtime.exceptions import NotFound


@dataclass(frozen=True)
class CredentialView:
    connector_key: str
    name: str
    redacted: str
    bound_base_url: str | None


def set_secret(connector_key: str, name: str, value: str, base_url: str | None, actor=None) -> None:
    row = _row(connector_key, name)
    if row is None:
        row = ConnectorCredential(connector_key=connector_key, name=name)
        db.session.add(row)
    row.ciphertext = crypto.encrypt(value)
    row.bound_base_url = base_url
    row.updated_by_id = getattr(actor, "id", None)
    audit.record("credential.saved", "connector", connector_key, actor=actor, name=name)


def get_secret(connector_key: str, name: str, base_url: str | None) -> str:
    """The plaintext, only for the base URL it was stored for."""
    row = _row(connector_key, name)
    if row is None or row.bound_base_url != base_url:
        raise NotFound(f"connector {connector_key} has no secret {name!r} for this base URL")
    return crypto.decrypt(row.ciphertext)


def list_redacted(connector_key: str) -> list[CredentialView]:
    rows = db.session.scalars(
        db.select(ConnectorCredential)
        .where(ConnectorCredential.connector_key == connector_key)
        .order_by(ConnectorCredential.name)
    )
    return [
        CredentialView(r.connector_key, r.name, crypto.redact(crypto.decrypt(r.ciphertext)),
                       r.bound_base_url)
        for r in rows
    ]


def base_url_changed(connector_key: str, new_base_url: str | None, actor=None) -> int:
    """Delete every secret of `connector_key` bound to another URL; return how many."""
    rows = db.session.scalars(
        db.select(ConnectorCredential).where(ConnectorCredential.connector_key == connector_key)
    ).all()
    cleared = [r for r in rows if r.bound_base_url != new_base_url]
    for row in cleared:
        db.session.delete(row)
    if cleared:
        audit.record("credential.cleared", "connector", connector_key, actor=actor,
                     reason="base URL changed", names=sorted(r.name for r in cleared))
    return len(cleared)


def rotate_all() -> int:
    """Re-encrypt every secret under the newest key; run after adding a key to the ring."""
    ring = crypto.key_ring()
    rows = db.session.scalars(db.select(ConnectorCredential)).all()
    for row in rows:
        row.ciphertext = crypto.rotate(row.ciphertext, ring)
    return len(rows)


def _row(connector_key: str, name: str) -> ConnectorCredential | None:
    return db.session.scalar(
        db.select(ConnectorCredential)
        .where(ConnectorCredential.connector_key == connector_key)
        .where(ConnectorCredential.name == name)
    )
