"""The projector: keeps projection tables up to date from `instance_events`.

It reads events by increasing id from a stored cursor, collects the instances they
touch, and recomputes each touched case's row from the instance and *all* its events
(`runtime.reports.projection.project_case`). Recomputing, not incrementing, is what
makes it idempotent and restartable: a batch run twice, or a run killed half-way,
writes the same rows again; nothing is double-counted.

Ids that become visible late (PostgreSQL transactions committing out of id order) are
remembered as gaps below the cursor and read again on the next runs until they show up
or are older than `GAP_GRACE` (then they belonged to a rolled-back transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import FlowInstance, InstanceEvent, utcnow
from app.reports.tables import PROJECTIONS, TABLES, ReportCursor
from runtime.reports.projection import CaseFacts, EventFacts, project_case

GAP_GRACE = timedelta(minutes=5)
MAX_GAPS = 10_000
BATCH = 2_000


def update(name: str = "returns", batch: int = BATCH,
           progress: Callable[[int], None] | None = None) -> int:
    """Apply every event after the cursor; returns how many events were read.

    Commits after each batch, so a long catch-up holds no long transaction and a crash
    loses at most one batch of work (which the next run redoes).
    """
    total = 0
    while True:
        read = _one_batch(name, batch)
        db.session.commit()
        total += read
        if progress and read:
            progress(read)
        if read < batch:
            return total


def rebuild(name: str = "returns", batch: int = BATCH,
            progress: Callable[[int], None] | None = None) -> int:
    """Recompute the projection from the whole event log.

    Rows of cases that have no flow instance (demo data written by `formloom demo-data`)
    are kept: there is no log to rebuild them from.
    """
    table = TABLES[name]
    db.session.execute(sa.delete(table).where(table.c.instance_id.is_not(None)))
    cursor = _cursor(name)
    cursor.last_event_id = 0
    cursor.gaps = {}
    db.session.commit()
    return update(name, batch, progress)


def _cursor(name: str) -> ReportCursor:
    cursor = db.session.scalars(
        sa.select(ReportCursor).where(ReportCursor.name == name).with_for_update()
    ).first()
    if cursor is None:
        cursor = ReportCursor(name=name, last_event_id=0, gaps={})
        db.session.add(cursor)
        db.session.flush()
    return cursor


def _one_batch(name: str, batch: int) -> int:
    cursor = _cursor(name)  # row lock on PostgreSQL: one projector at a time per projection
    gap_ids = [int(i) for i in cursor.gaps]
    wanted = InstanceEvent.id > cursor.last_event_id
    if gap_ids:
        wanted = sa.or_(wanted, InstanceEvent.id.in_(gap_ids))
    rows = db.session.execute(
        sa.select(InstanceEvent.id, InstanceEvent.instance_id)
        .where(wanted).order_by(InstanceEvent.id).limit(batch)
    ).all()
    now = utcnow()
    gaps = {k: v for k, v in cursor.gaps.items()
            if now - datetime.fromisoformat(v) < GAP_GRACE}
    seen = {row.id for row in rows}
    for found in seen:
        gaps.pop(str(found), None)
    fresh = sorted(i for i in seen if i > cursor.last_event_id)
    expected = cursor.last_event_id + 1
    for event_id in fresh:
        for missing in range(max(expected, event_id - MAX_GAPS), event_id):
            if len(gaps) >= MAX_GAPS:
                break
            gaps[str(missing)] = now.isoformat()
        expected = event_id + 1
    if fresh:
        cursor.last_event_id = fresh[-1]
    cursor.gaps = gaps
    _recompute(name, {row.instance_id for row in rows})
    return len(rows)


def _recompute(name: str, instance_ids: set[int]) -> None:
    if not instance_ids:
        return
    spec, table = PROJECTIONS[name], TABLES[name]
    instances = db.session.scalars(
        sa.select(FlowInstance).where(FlowInstance.id.in_(instance_ids))
        .where(FlowInstance.flow_key.in_(spec.flows))
    ).all()
    if not instances:
        return
    ids = [i.id for i in instances]
    by_instance: dict[int, list[EventFacts]] = {i: [] for i in ids}
    for ev in db.session.execute(
        sa.select(InstanceEvent.id, InstanceEvent.instance_id, InstanceEvent.type,
                  InstanceEvent.node_id, InstanceEvent.data, InstanceEvent.at)
        .where(InstanceEvent.instance_id.in_(ids))
    ):
        by_instance[ev.instance_id].append(EventFacts(ev.id, ev.type, ev.node_id, ev.data, ev.at))
    rows = [project_case(spec, _facts(i), by_instance[i.id]) for i in instances]
    db.session.execute(sa.delete(table).where(table.c.instance_id.in_(ids)))
    db.session.execute(sa.insert(table), rows)


def _facts(instance: FlowInstance) -> CaseFacts:
    return CaseFacts(public_id=instance.public_id, case_number=instance.case_number,
                     instance_id=instance.id, flow_version=instance.flow_version,
                     status=instance.status, created_at=instance.created_at,
                     ended_at=instance.ended_at, variables=instance.variables or {})
