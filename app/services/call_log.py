"""The connector call log: one row per outbound call, whoever made it, never a secret.

Every call — a flow's service node, the portal's order lookup, an admin's "test
connection" — goes through `logged_call`, which runs `connectors.call_action` and writes
what an admin needs to judge a connector's health: action, outcome, HTTP status,
attempts and duration, and the error's message (already free of secrets by the
connectors' contract; any secret value passed in is scrubbed again here). Request and
response bodies are never stored: they carry customer data and, for some APIs, tokens.

The log is bounded: every `PRUNE_EVERY`-th row deletes rows beyond the newest
`CONNECTOR_CALL_LOG_ROWS` (setting, default 20,000), so it cannot fill the disk.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from flask import current_app

from app.extensions import db
from app.models.platform import ConnectorCall
from connectors import call_action
from connectors.exceptions import (
    BadResponse,
    CircuitOpen,
    ClientRejected,
    ConnectorError,
    ConnectorTimeout,
    InputInvalid,
    ServerFailed,
    TargetRefused,
)
from connectors.execute import ActionResult
from runtime.exceptions import NotFound

DEFAULT_MAX_ROWS = 20_000
PRUNE_EVERY = 100
REDACTED = "[redacted]"

#: Outcome names, most specific first (InputInvalid is a ClientRejected, and so on).
_STATUS_BY_ERROR: tuple[tuple[type[Exception], str], ...] = (
    (InputInvalid, "invalid_input"),
    (ClientRejected, "client_error"),
    (ConnectorTimeout, "timeout"),
    (ServerFailed, "failed"),
    (CircuitOpen, "circuit_open"),
    (TargetRefused, "refused"),
    (BadResponse, "bad_response"),
    (ConnectorError, "misconfigured"),
    (NotFound, "misconfigured"),
)


def logged_call(
    spec: Any,
    action: str,
    inputs: Mapping[str, Any],
    *,
    source: str,
    secrets: Mapping[str, str],
    instance_id: int | None = None,
    node_id: str | None = None,
    **options: Any,
) -> ActionResult:
    """`connectors.call_action` with its outcome recorded; raises what it raises.

    Args:
        source: who calls: "flow", "portal", "test" or "api".
        secrets: the decrypted credentials for this call (scrubbed from the log).
        options: passed to `call_action` (idempotency_key, transport, allowlist, retry).
    """
    started = time.perf_counter()
    try:
        result = call_action(spec, action, inputs, secrets=secrets, **options)
    except Exception as err:
        record(spec.key, action, source, started, error=err, secrets=secrets.values(),
               instance_id=instance_id, node_id=node_id)
        raise
    record(spec.key, action, source, started, result=result, instance_id=instance_id,
           node_id=node_id)
    return result


def record(
    connector_key: str,
    action: str,
    source: str,
    started: float,
    *,
    result: ActionResult | None = None,
    error: BaseException | None = None,
    secrets: Any = (),
    instance_id: int | None = None,
    node_id: str | None = None,
) -> ConnectorCall:
    """Add one row to the session (the caller's transaction commits it)."""
    duration_ms = int((time.perf_counter() - started) * 1000)
    row = ConnectorCall(
        connector_key=connector_key[:128], action=action[:64], source=source[:24],
        duration_ms=duration_ms, instance_id=instance_id,
        node_id=node_id[:128] if node_id else None,
    )
    if error is None and result is not None:
        row.status, row.http_status, row.attempts = "ok", result.status, result.attempts
    else:
        row.status = status_of(error)
        row.http_status = getattr(error, "status", None)
        row.attempts = int(getattr(error, "attempts", 0) or 0)
        row.error = scrub(str(error), secrets)[:500]
    db.session.add(row)
    db.session.flush()
    if row.id % PRUNE_EVERY == 0:
        prune()
    return row


def status_of(error: BaseException | None) -> str:
    for kind, name in _STATUS_BY_ERROR:
        if isinstance(error, kind):
            return name
    return "error"


def scrub(text: str, secrets: Any) -> str:
    """Replace every secret value that made it into `text` (belt and braces)."""
    for value in secrets:
        if value and len(value) >= 4:
            text = text.replace(value, REDACTED)
    return text


def prune(max_rows: int | None = None) -> int:
    """Delete rows beyond the newest `max_rows`; how many were deleted."""
    limit = max_rows or int(current_app.config.get("CONNECTOR_CALL_LOG_ROWS") or DEFAULT_MAX_ROWS)
    newest = db.session.scalar(db.select(db.func.max(ConnectorCall.id)))
    if newest is None or newest <= limit:
        return 0
    result = db.session.execute(db.delete(ConnectorCall).where(ConnectorCall.id <= newest - limit))
    return result.rowcount or 0


def recent(connector_key: str, limit: int = 50) -> list[ConnectorCall]:
    return list(
        db.session.scalars(
            db.select(ConnectorCall)
            .where(ConnectorCall.connector_key == connector_key)
            .order_by(ConnectorCall.id.desc())
            .limit(limit)
        )
    )


def last_calls(connector_keys: list[str]) -> dict[str, ConnectorCall]:
    """The newest call of each connector (for the list page)."""
    newest = (
        db.select(db.func.max(ConnectorCall.id))
        .where(ConnectorCall.connector_key.in_(connector_keys))
        .group_by(ConnectorCall.connector_key)
    )
    rows = db.session.scalars(db.select(ConnectorCall).where(ConnectorCall.id.in_(newest)))
    return {row.connector_key: row for row in rows}
