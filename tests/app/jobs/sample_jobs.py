"""Jobs and timer handlers the jobs tests use.

Registered only where config `JOBS_IMPORTS` names this module: the test app does, and so
does the `formloom worker` subprocess (env `FORMLOOM_JOBS_IMPORTS`), which proves that a
worker finds jobs the same way the web process does.
"""

from __future__ import annotations

import time

from app.extensions import db
from app.jobs import enqueue, job
from app.jobs.timers import FiredTimer, register_timer_handler
from app.models import AuditEntry

MODULE = __name__


def _audit(action: str, marker: str, **details) -> None:
    db.session.add(AuditEntry(action=action, target_type="test", target_id=marker, details=details))


@job("test.record")
def record(marker: str, data: object = None) -> None:
    _audit("test.record", marker, data=data)


@job("test.echo")
def echo(entry_id: int) -> None:
    """Copy an audit row written in the transaction that enqueued this job: it must be there."""
    original = db.session.get(AuditEntry, entry_id)
    if original is None:
        raise LookupError(f"audit entry {entry_id} is not committed yet")
    _audit("test.echo", original.target_id)


@job("test.fail")
def fail(marker: str) -> None:
    _audit("test.fail", marker)  # rolled back with the failure
    raise RuntimeError(f"test.fail {marker}")


@job("test.sleep")
def sleep(seconds: float) -> None:
    time.sleep(seconds)


@job("test.chain")
def chain(marker: str) -> None:
    """A job that enqueues another job: it runs after this one commits."""
    _audit("test.chain", marker)
    enqueue("test.record", f"{marker}:next")


@register_timer_handler("test.timer")
def on_timer(timer: FiredTimer) -> None:
    time.sleep(float(timer.payload.get("slow", 0)))
    _audit("test.timer", timer.key, payload=timer.payload, fired_at=timer.fired_at.isoformat())


@register_timer_handler("test.timer_fails")
def on_timer_fails(timer: FiredTimer) -> None:
    _audit("test.timer", timer.key)  # rolled back with the failure
    raise RuntimeError(f"handler for {timer.key} failed")
