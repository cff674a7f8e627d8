"""Delivering outbox rows: each effect kind has one handler, run at least once.

`outbox.deliver` is enqueued after the transaction that wrote the row commits. It is
safe to run twice: a delivered row is skipped, and every handler passes the row's
idempotency key on (to the connector, or as the child instance's start token), so a
retry after a crash does the outside thing once. A kind with no handler, or a handler
that fails, becomes an incident instead of vanishing (CHECKLIST 8, 10).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from app.extensions import db
from app.jobs import job
from app.models import FlowInstance, OutboxEntry, utcnow
from app.services import incidents

Handler = Callable[[OutboxEntry], None]
_handlers: dict[str, Handler] = {}


class Deferred(Exception):
    """Raised by a handler that could not act yet and sent nothing: try again later."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"deferred for {seconds:.0f}s")
        self.seconds = seconds


def handles(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers[kind] = fn
        return fn

    return register


def sweep_pending(older_than_seconds: float) -> list[int]:
    """Enqueue delivery of outbox rows still pending after `older_than_seconds`.

    The row is the source of truth, the queued job only a wake-up: a job lost with Redis,
    or abandoned by a killed worker, is delivered again under the row's idempotency key.
    The delay must exceed the longest call (the transport's budget) so a slow call in
    progress is not sent twice; were it sent twice, its key still makes it act once.
    """
    from app.jobs import enqueue

    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    ids = list(db.session.scalars(
        db.select(OutboxEntry.id)
        .where(OutboxEntry.status == "pending", OutboxEntry.created_at <= cutoff)
        .order_by(OutboxEntry.id).limit(500)
    ))
    for entry_id in ids:
        enqueue("outbox.deliver", entry_id, job_id=f"outbox:{entry_id}:sweep", after_commit=False)
    return ids


@job("outbox.deliver")
def deliver(*entry_ids: int) -> None:
    """Deliver outbox rows: one job per step carries all the rows that step wrote.

    Each row is delivered and committed on its own, so a row's handler failing never
    undoes a delivery made before it; the rows after a failing one are handed to a job
    of their own at once (their rows are committed, so they may go now) before the
    failure is raised and recorded. One job for several rows saves the queue's per-job
    cost (bench/engine.py: a job costs RQ about as much as a delivery costs us).
    """
    for index, entry_id in enumerate(entry_ids):
        if index:
            db.session.commit()  # keep the previous delivery whatever this one does
        try:
            _deliver_one(entry_id)
        except Exception:
            rest = entry_ids[index + 1:]
            if rest:
                from app.jobs import enqueue

                enqueue("outbox.deliver", *rest, after_commit=False)
            raise


def _deliver_one(entry_id: int) -> None:
    entry = db.session.get(OutboxEntry, entry_id)
    if entry is None or entry.status == "done":
        return
    handler = _handlers.get(entry.effect)
    if handler is None:
        entry.attempts += 1
        entry.status = "failed"
        entry.last_error = f"no handler for {entry.effect} effects in this installation"
        incidents.record("effect_undeliverable", entry.last_error, key=entry.idempotency_key,
                         instance_id=entry.instance_id, node_id=entry.payload.get("node_id"),
                         details={"outbox_id": entry.id})
        return
    try:
        handler(entry)  # writes nothing before it has called out: no lock held meanwhile
    except Deferred as pause:
        from app.jobs import enqueue

        enqueue("outbox.deliver", entry.id, delay=max(pause.seconds, 1.0))
        return
    entry.attempts += 1
    entry.status, entry.processed_at = "done", utcnow()


@incidents.retry_handler("effect_undeliverable")
def _retry(row) -> None:
    from app.jobs import enqueue

    enqueue("outbox.deliver", row.details["outbox_id"])


@handles("start_subflow")
def _start_subflow(entry: OutboxEntry) -> None:
    from app.flows import service

    parent = db.session.get(FlowInstance, entry.instance_id)
    payload = entry.payload
    waits = payload.get("wait", True)
    link = (parent, payload["node_id"], payload["activation"]) if waits else None
    service.start(payload["flow"], payload.get("input", {}), start_token=entry.idempotency_key,
                  parent=link)


@handles("subflow_ended")
def _tell_parent(entry: OutboxEntry) -> None:
    from app.flows import service
    from runtime.flows import SubflowEnded

    child = db.session.get(FlowInstance, entry.instance_id)
    parent = db.session.get(FlowInstance, child.parent_id)
    event = SubflowEnded(node_id=child.parent_node_id, activation=child.parent_activation,
                         status=entry.payload["status"], output=dict(child.variables or {}),
                         at=utcnow())
    service.deliver(parent, event)


@handles("cancel_subflow")
def _cancel_subflow(entry: OutboxEntry) -> None:
    from app.flows import service

    payload = entry.payload
    children = db.session.scalars(db.select(FlowInstance).where(
        FlowInstance.parent_id == entry.instance_id,
        FlowInstance.parent_node_id == payload["node_id"],
        FlowInstance.parent_activation == payload["activation"],
        FlowInstance.ended_at.is_(None),
    ))
    for child in children:
        service.cancel(child, payload.get("reason", "parent cancelled"), actor=None)
