"""Append to the audit log from anywhere a person changes something."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from app.extensions import db
from app.models import AuditEntry


def record(
    action: str, target_type: str, target_id: object, actor: Any = None, **details: Any
) -> None:
    """Add an audit row to the current session (committed with the change it describes)."""
    actor_id = getattr(actor, "id", None) if actor is not None else None
    if actor_id is None and has_request_context():
        from flask_login import current_user

        actor_id = current_user.id if current_user.is_authenticated else None
    db.session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            details=details,
            remote_addr=request.remote_addr if has_request_context() else None,
        )
    )
