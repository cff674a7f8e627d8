"""Processing a stored webhook delivery: correlate it to waiting flow instances.

The job takes the delivery's id (never its body) and claims the row with a conditional
UPDATE (`received` -> `processing`) in the same transaction that delivers the message,
so two workers running it at once, or a queue delivering it twice, deliver it once: the
second UPDATE matches nothing (PostgreSQL makes it wait for the first commit).

    received --job--> delivered     one or more waiting instances got the message, or
                                    it started the flows it triggers (starts.py)
                  \\-> unmatched     nobody waits for it (yet): kept and shown to admins,
                                    who can deliver it again once the case waits
    a job that raises rolls back to `received` and becomes a job_failed incident whose
    retry runs the job again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from app.extensions import db
from app.flows import service
from app.hooks import starts
from app.jobs import enqueue, job
from app.models import utcnow
from app.models.platform import WebhookDelivery
from runtime.exceptions import Conflict, NotFound

log = logging.getLogger(__name__)

PROCESS_JOB = "webhooks.process"
AGAIN_FROM = ("unmatched", "received")


@job(PROCESS_JOB)
def process(delivery_id: int) -> None:
    claimed = db.session.execute(
        db.update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "received")
        .values(status="processing", attempts=WebhookDelivery.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return  # already processed (or refused rows, which are never processed)
    row = db.session.get(WebhookDelivery, delivery_id)
    db.session.refresh(row)
    if not row.correlation:
        started = starts.start_flows(row.message or "", row.connector_key, row.event_id or "",
                                     dict(row.data or {}))
        note = None if started else "the delivery names no case (no correlation value)"
        _finish(row, "delivered" if started else "unmatched", started, note)
        return
    delivered = service.send_message(row.message or "", row.correlation, dict(row.data or {}))
    started = starts.start_flows(row.message or "", row.connector_key, row.event_id or "",
                                 dict(row.data or {}))
    if delivered or started:
        _finish(row, "delivered", [*delivered, *started], None)
    else:
        _finish(row, "unmatched", [], f"no case waits for {row.message} {row.correlation!r}")


def sweep_received(older_than_seconds: float) -> list[int]:
    """Enqueue deliveries still `received` after `older_than_seconds` (a lost job).

    The row is the source of truth, as for outbox rows: if the queue lost the job (Redis
    down at the hand-over, a worker killed), the worker's sweeper hands it over again;
    the claim in `process` keeps it to one delivery.
    """
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    ids = list(db.session.scalars(
        db.select(WebhookDelivery.id)
        .where(WebhookDelivery.status == "received", WebhookDelivery.received_at <= cutoff)
        .order_by(WebhookDelivery.id).limit(500)
    ))
    for delivery_id in ids:
        enqueue(PROCESS_JOB, delivery_id, job_id=f"webhook:{delivery_id}:sweep",
                after_commit=False)
    return ids


def deliver_again(delivery_id: int, actor=None) -> WebhookDelivery:
    """An admin's "deliver again" for an unmatched (or stuck) delivery."""
    from app.services import audit

    row = db.session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound("no such webhook delivery")
    if row.status not in AGAIN_FROM:
        raise Conflict(f"this delivery is {row.status}; only unmatched or waiting ones can "
                       "be delivered again")
    row.status = "received"
    enqueue(PROCESS_JOB, row.id)
    audit.record("webhook.redelivered", "connector", row.connector_key, actor=actor,
                 delivery=row.id)
    return row


def _finish(row: WebhookDelivery, status: str, instances: list[str], note: str | None) -> None:
    row.status, row.instances, row.error = status, instances, note
    row.processed_at = utcnow()
    log.info("webhook processed delivery=%s connector=%s status=%s instances=%d", row.id,
             row.connector_key, status, len(instances))
