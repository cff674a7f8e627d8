"""Timers: deadlines kept in the `timers` table, fired exactly once by a job.

The table is the source of truth; the queue only wakes timers up (DESIGN §4).
`schedule_timer` writes the row and, after commit, enqueues a delayed `timers.fire`
wake-up. If the queue loses that wake-up (Redis restarted empty, every worker down when
it fell due), `sweep_due_timers` — run every `TIMER_SWEEP_SECONDS` by the embedded timer
thread and by each `formloom worker` — finds the due row and enqueues it again.

Firing is exactly-once however often `timers.fire` runs, in one transaction:

1. claim: ``UPDATE timers SET fired_at = now WHERE id = :id AND fired_at IS NULL
   AND cancelled_at IS NULL AND due_at <= now`` — only the caller that updates the row
   goes on; a concurrent caller waits for the row lock and then matches nothing;
2. run the kind's handler (it may write state, enqueue jobs, schedule timers);
3. commit. If the handler raises, everything rolls back and the timer stays due, so the
   next sweep tries again.

Handlers are registered by kind and receive a frozen `FiredTimer`:

    @register_timer_handler("flow.timeout")
    def on_timeout(timer: FiredTimer) -> None:
        ...
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.jobs.dispatcher import get_dispatcher
from app.jobs.registry import job
from app.models import Timer
from app.models.types import utcnow

log = logging.getLogger(__name__)

FIRE_JOB = "timers.fire"
SWEEP_BATCH = 500

TimerHandler = Callable[["FiredTimer"], None]
_handlers: dict[str, TimerHandler] = {}


class UnknownTimerKind(LookupError):
    """No handler is registered for this timer kind in this process."""


@dataclass(frozen=True)
class FiredTimer:
    """What a handler learns about the timer it handles (a copy, not the ORM row)."""

    id: int
    kind: str
    key: str
    instance_id: int | None
    node_id: str | None
    payload: dict[str, Any]
    due_at: datetime
    fired_at: datetime


def register_timer_handler(kind: str) -> Callable[[TimerHandler], TimerHandler]:
    def register(fn: TimerHandler) -> TimerHandler:
        _handlers[kind] = fn
        return fn

    return register


def schedule_timer(
    kind: str,
    key: str,
    due_at: datetime,
    instance_id: int | None = None,
    node_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Timer:
    """Add a timer in the current transaction; its wake-up is enqueued when that commits.

    Idempotent on `key`: if a timer with this key exists (pending, fired or cancelled) it
    is returned unchanged, so a retried step never schedules twice. A new deadline needs a
    new key (e.g. include the node's activation number).
    """
    if kind not in _handlers:
        raise UnknownTimerKind(f"no handler for timer kind {kind!r}")
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    values = {
        "kind": kind,
        "key": key,
        "due_at": due_at,
        "instance_id": instance_id,
        "node_id": node_id,
        "payload": payload or {},
    }
    timer = db.session.scalars(_insert_if_new(values)).one_or_none()  # the new row, loaded
    if timer is None:  # it existed: the stored one, unchanged
        timer = db.session.scalars(select(Timer).where(Timer.key == key)).one()
    else:
        delay = (timer.due_at - utcnow()).total_seconds()
        get_dispatcher().enqueue(
            FIRE_JOB, timer.id, delay=max(delay, 0.0), job_id=_job_id(timer.id)
        )
    return timer


def cancel_timer(key: str) -> bool:
    """Cancel a pending timer; True if this call cancelled it (False if fired or unknown)."""
    result = db.session.execute(
        update(Timer)
        .where(Timer.key == key, Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))
        .values(cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def sweep_due_timers(now: datetime | None = None) -> list[int]:
    """Enqueue a wake-up for every due, pending timer; return their ids.

    Reads committed rows on a connection of its own and hands the wake-ups over at once,
    so a caller's open transaction neither hides nor holds back anything. Wake-ups are
    de-duplicated by job id, so sweeping often is cheap.
    """
    query = (
        select(Timer.id)
        .where(
            Timer.fired_at.is_(None),
            Timer.cancelled_at.is_(None),
            Timer.due_at <= (now or utcnow()),
        )
        .order_by(Timer.due_at)
        .limit(SWEEP_BATCH)
    )
    with db.engine.connect() as conn:
        ids = list(conn.scalars(query))
    dispatcher = get_dispatcher()
    for timer_id in ids:
        dispatcher.enqueue(FIRE_JOB, timer_id, job_id=_sweep_job_id(timer_id), after_commit=False)
    if ids:
        log.debug("timer sweep: woke %d due timer(s)", len(ids))
    return ids


@job(FIRE_JOB)
def fire_timer(timer_id: int) -> None:
    """Claim the timer and run its handler; the job runner commits both together."""
    now = utcnow()
    claimed = db.session.execute(
        update(Timer)
        .where(
            Timer.id == timer_id,
            Timer.fired_at.is_(None),
            Timer.cancelled_at.is_(None),
            Timer.due_at <= now,
        )
        .values(fired_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not claimed:
        log.debug("timer %s already fired, cancelled, not due or gone", timer_id)
        return
    row = db.session.scalars(
        select(Timer).where(Timer.id == timer_id).execution_options(populate_existing=True)
    ).one()
    handler = _handlers.get(row.kind)
    if handler is None:
        raise UnknownTimerKind(f"timer {timer_id} has kind {row.kind!r} with no handler")
    handler(
        FiredTimer(row.id, row.kind, row.key, row.instance_id, row.node_id, dict(row.payload or {}),
                   row.due_at, now)
    )


def _insert_if_new(values: dict[str, Any]):
    """INSERT … ON CONFLICT (key) DO NOTHING RETURNING the row: a Timer only if this call
    added it (one round trip; the stored row is read only when the key existed)."""
    dialect = db.session.get_bind(mapper=Timer.__mapper__).dialect.name
    dialect_insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if dialect_insert is None:  # other databases: a duplicate key raises instead
        return insert(Timer).values(values).returning(Timer)
    statement = dialect_insert(Timer).values(values).on_conflict_do_nothing(index_elements=["key"])
    return statement.returning(Timer)


def _job_id(timer_id: int) -> str:
    return f"timer:{timer_id}"


def _sweep_job_id(timer_id: int) -> str:
    """Apart from the scheduled wake-up's id: a delayed wake-up still pending (its time
    not yet come, or its due time moved earlier) must never hold back the sweeper, the
    safety net. Firing twice is harmless: the claim lets one through."""
    return f"timer:{timer_id}:sweep"
