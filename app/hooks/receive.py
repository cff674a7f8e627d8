"""Accepting an inbound webhook: check it, store it, hand it to a job — or refuse it.

The order matters. Nothing is trusted before the signature is checked over the raw
bytes; a verified delivery is written to `webhook_deliveries` *before* anything acts on
it (so a crash after the 2xx loses nothing), deduplicated by (connector, event id) so a
provider's retry is processed once; the job that correlates it to a waiting flow runs
after the commit. Refused calls are logged and recorded with their reason and remote
address, never with their body or headers (they may carry anything).

    unknown connector or webhook        404
    the signing secret is not set       503  (our side; the sender retries later)
    missing/bad signature, stale time   401
    body too large                      413
    body not JSON, no event id          400
    duplicate event id                  200  {"status": "duplicate"}
    accepted                            202  {"status": "accepted"}
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.flows.connector_calls import connector_spec
from app.hooks.process import PROCESS_JOB
from app.jobs import enqueue
from app.models import utcnow
from app.models.platform import WebhookDelivery
from app.services import credentials
from connectors.webhooks import WebhookRefused, parse_body, read_delivery, verify
from runtime.exceptions import NotFound

log = logging.getLogger(__name__)


DEFAULT_MAX_BODY = 1024 * 1024
DEFAULT_REFUSED_ROWS = 5_000
DEFAULT_KEEP_DAYS = 90
PRUNE_EVERY = 100
_STATUS_BY_REASON = {
    "unknown_connector": 404,
    "unknown_webhook": 404,
    "not_configured": 503,
    "missing_signature": 401,
    "bad_signature": 401,
    "missing_timestamp": 401,
    "stale_timestamp": 401,
    "too_large": 413,
    "bad_body": 400,
    "missing_event_id": 400,
}

#: What an anonymous caller is told where the stored reason says more than it should know
#: (which connector keys exist, which credential is missing).
_PUBLIC_MESSAGES = {
    "unknown_connector": "there is no such webhook",
    "unknown_webhook": "there is no such webhook",
    "not_configured": "this webhook cannot receive deliveries yet; try again later",
}


@dataclass(frozen=True)
class Outcome:
    """What to answer the sender."""

    http_status: int
    status: str  # accepted, duplicate, refused
    message: str = ""
    delivery_id: int | None = None


def receive(
    connector_key: str,
    webhook_name: str,
    headers: Mapping[str, str],
    body: bytes,
    remote_addr: str | None,
) -> Outcome:
    """Check and store one delivery; the caller commits (the job starts after that)."""
    try:
        return _accept(connector_key, webhook_name, headers, body, remote_addr)
    except WebhookRefused as refusal:
        return _refuse(connector_key, webhook_name, refusal, remote_addr)


def _accept(connector_key, webhook_name, headers, body, remote_addr) -> Outcome:
    try:
        spec = connector_spec(connector_key)
    except NotFound:
        raise WebhookRefused("unknown_connector", "there is no such connector") from None
    hook = spec.webhook(webhook_name)
    if hook is None:
        raise WebhookRefused("unknown_webhook", "this connector has no such webhook")
    try:
        secret = credentials.get_secret(spec.key, hook.signature.credential, spec.base_url)
    except NotFound:
        raise WebhookRefused(
            "not_configured",
            f"the signing secret {hook.signature.credential!r} is not set for this connector",
        ) from None
    limit = int(current_app.config.get("WEBHOOK_MAX_BODY_BYTES") or DEFAULT_MAX_BODY)
    if len(body) > limit:
        raise WebhookRefused("too_large", f"the body is larger than {limit} bytes")
    verify(hook.signature, secret, headers, body)
    document = parse_body(body)
    delivery = read_delivery(hook, document)
    if _find(spec.key, delivery.event_id) is not None:
        return _duplicate(spec.key, webhook_name, delivery.event_id)
    row = WebhookDelivery(
        connector_key=spec.key, webhook=hook.name, event_id=delivery.event_id,
        status="received", message=hook.message, correlation=delivery.correlation,
        data=delivery.data, payload=document, instances=[], attempts=0,
        remote_addr=(remote_addr or "")[:64] or None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the same event arrived twice at once: the other one won
        return _duplicate(spec.key, webhook_name, delivery.event_id)
    enqueue(PROCESS_JOB, row.id)
    if row.id % PRUNE_EVERY == 0:
        prune_delivered()
    log.info("webhook accepted connector=%s webhook=%s delivery=%s", spec.key, hook.name,
             row.id)
    return Outcome(202, "accepted", "", row.id)


def _find(connector_key: str, event_id: str) -> WebhookDelivery | None:
    return db.session.scalar(
        db.select(WebhookDelivery).where(WebhookDelivery.connector_key == connector_key,
                                         WebhookDelivery.event_id == event_id)
    )


def _duplicate(connector_key: str, webhook_name: str, event_id: str) -> Outcome:
    existing = _find(connector_key, event_id)
    log.info("webhook duplicate connector=%s webhook=%s delivery=%s", connector_key,
             webhook_name, getattr(existing, "id", None))
    return Outcome(200, "duplicate", "this event was already received",
                   getattr(existing, "id", None))


def _refuse(connector_key, webhook_name, refusal: WebhookRefused, remote_addr) -> Outcome:
    status = _STATUS_BY_REASON.get(refusal.reason, 400)
    log.warning(
        "webhook refused connector=%.128s webhook=%.64s reason=%s remote=%s",
        connector_key, webhook_name, refusal.reason, remote_addr,
    )
    row = WebhookDelivery(
        connector_key=connector_key[:128], webhook=webhook_name[:64], status="refused",
        reason=refusal.reason, error=refusal.message[:500], data={}, instances=[],
        attempts=0, remote_addr=(remote_addr or "")[:64] or None,
    )
    db.session.add(row)
    db.session.flush()
    if row.id % PRUNE_EVERY == 0:
        prune_refused()
    return Outcome(status, "refused", _PUBLIC_MESSAGES.get(refusal.reason, refusal.message),
                   row.id)


def prune_refused(max_rows: int | None = None) -> int:
    """Keep only the newest refused rows: anyone may post junk, the table must stay small."""
    limit = max_rows or int(
        current_app.config.get("WEBHOOK_REFUSED_ROWS") or DEFAULT_REFUSED_ROWS
    )
    ids = db.select(WebhookDelivery.id).where(WebhookDelivery.status == "refused")
    cutoff = db.session.scalar(
        ids.order_by(WebhookDelivery.id.desc()).offset(limit).limit(1)
    )
    if cutoff is None:
        return 0
    result = db.session.execute(
        db.delete(WebhookDelivery).where(WebhookDelivery.status == "refused",
                                         WebhookDelivery.id <= cutoff)
    )
    return result.rowcount or 0


def prune_delivered(keep_days: float | None = None) -> int:
    """Delete *delivered* rows older than `WEBHOOK_KEEP_DAYS` (default 90).

    Unmatched ones stay until someone deals with them; after 90 days no provider retries
    an event, so the deduplication they provide is no longer needed.
    """
    days = keep_days if keep_days is not None else float(
        current_app.config.get("WEBHOOK_KEEP_DAYS") or DEFAULT_KEEP_DAYS
    )
    cutoff = utcnow() - timedelta(days=days)
    result = db.session.execute(
        db.delete(WebhookDelivery).where(WebhookDelivery.status == "delivered",
                                         WebhookDelivery.received_at < cutoff)
    )
    return result.rowcount or 0


def answer_body(outcome: Outcome) -> dict[str, Any]:
    body: dict[str, Any] = {"status": outcome.status}
    if outcome.message:
        body["message"] = outcome.message
    if outcome.delivery_id is not None and outcome.status != "refused":
        body["delivery"] = outcome.delivery_id
    return body
