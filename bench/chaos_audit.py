"""The chaos run's verdict (bench/chaos.py), read from the database and the sandbox.

Kept apart from the run itself: this is what `lost`, `stuck`, `duplicate_refunds`,
`refund_mismatches` and `timers_not_once` mean, in code. It reads rows, never the
queue: the queue is exactly what the run destroys.
"""

from __future__ import annotations

from collections import Counter


def audit(ids: list[int]) -> dict:
    """Reconcile the started cases with the database and the sandbox's refunds."""
    from app.extensions import db
    from app.models import FlowInstance, Incident, InstanceEvent, OutboxEntry, Timer
    from app.models.types import utcnow
    from app.sandbox.models import SandboxRecord

    db.session.rollback()
    rows = {i.id: i for i in db.session.scalars(
        db.select(FlowInstance).where(FlowInstance.id.in_(ids)))}
    incident_ids = set(db.session.scalars(db.select(Incident.instance_id).where(
        Incident.status == "open", Incident.instance_id.in_(ids))))
    pending_outbox = set(db.session.scalars(db.select(OutboxEntry.instance_id).where(
        OutboxEntry.status == "pending", OutboxEntry.instance_id.in_(ids))))
    unfired = db.session.execute(db.select(Timer.instance_id, Timer.due_at).where(
        Timer.fired_at.is_(None), Timer.cancelled_at.is_(None),
        Timer.instance_id.in_(ids))).all()
    fired = Counter(
        e.instance_id for e in db.session.scalars(db.select(InstanceEvent).where(
            InstanceEvent.instance_id.in_(ids), InstanceEvent.type == "event"))
        if (e.data.get("data") or {}).get("type") == "timer_fired")
    refunds: dict[str, list[str]] = {}
    for record in db.session.scalars(db.select(SandboxRecord).where(
            SandboxRecord.kind == "payment.refund")):
        refunds.setdefault(record.data["payment_intent"], []).append(record.data["id"])

    statuses = Counter(row.status for row in rows.values())
    lost = stuck = mismatched = timers_not_once = 0
    unfinished = []
    for instance_id in ids:
        row = rows.get(instance_id)
        if row is None:
            lost += 1
            continue
        if row.status == "completed":
            mine = refunds.get(row.variables.get("payment_intent"), [])
            if mine != [row.variables.get("refund_id")]:
                mismatched += 1
            if fired[instance_id] != 1:
                timers_not_once += 1
        elif row.status in ("running", "waiting"):
            movable = instance_id in pending_outbox or any(t[0] == instance_id for t in unfired)
            unfinished.append(instance_id)
            if movable:
                stuck += 1
            else:
                lost += 1
    now = utcnow()
    overdue = sum(1 for _, due in unfired if (now - due).total_seconds() > 5)
    return {
        "lost": lost,
        "duplicate_refunds": sum(len(v) - 1 for v in refunds.values() if len(v) > 1),
        "stuck": stuck + overdue,
        "completed": statuses.get("completed", 0),
        "incidents": len(incident_ids),
        "statuses": dict(statuses),
        "refunds": sum(len(v) for v in refunds.values()),
        "refund_mismatches": mismatched,
        "timers_not_once": timers_not_once,
        "unfinished_sample": [describe(rows[i]) for i in unfinished[:5]],
    }


def describe(instance) -> dict:
    """Where an unfinished case is: its waiting nodes, its outbox rows and timers."""
    from app.extensions import db
    from app.models import OutboxEntry, Timer

    outbox = db.session.scalars(db.select(OutboxEntry).where(
        OutboxEntry.instance_id == instance.id)).all()
    timers = db.session.scalars(db.select(Timer).where(Timer.instance_id == instance.id)).all()
    return {
        "id": instance.id, "status": instance.status,
        "tokens": (instance.state or {}).get("tokens", []),
        "outbox": [{"effect": o.effect, "key": o.idempotency_key, "status": o.status,
                    "attempts": o.attempts, "error": (o.last_error or "")[:200]}
                   for o in outbox],
        "timers": [{"due": str(t.due_at), "fired": str(t.fired_at),
                    "cancelled": str(t.cancelled_at)} for t in timers],
    }
