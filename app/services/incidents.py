"""Incidents: what needs a person, recorded in the database with a way to retry it.

A failed call, a job that raised, a job abandoned by a killed worker: each becomes (or
adds an attempt to) one open incident keyed by what failed, so the admin sees one row
per problem, not one per attempt. A retry is handled by the function registered for
the incident's kind (`@retry_handler("job_failed")`), which re-issues the work under its
original key; the incident is resolved once the retry has been handed over.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from app.extensions import db
from app.models import Incident, utcnow
from app.services import audit
from runtime.exceptions import Conflict, NotFound

log = logging.getLogger(__name__)
MAX_MESSAGE = 2000

_retry_handlers: dict[str, Callable[[Incident], None]] = {}


def retry_handler(kind: str) -> Callable[[Callable[[Incident], None]], Callable[[Incident], None]]:
    def register(fn: Callable[[Incident], None]) -> Callable[[Incident], None]:
        _retry_handlers[kind] = fn
        return fn

    return register


def record(
    kind: str, message: str, *, key: str, instance_id: int | None = None,
    node_id: str | None = None, details: dict[str, Any] | None = None,
) -> Incident:
    """Open an incident, or count one more attempt on the open one with the same key."""
    row = db.session.scalar(
        db.select(Incident).where(Incident.idempotency_key == key, Incident.status == "open")
    )
    if row is None:
        row = Incident(kind=kind, idempotency_key=key, instance_id=instance_id, node_id=node_id,
                       details=details or {}, attempts=0, message="")
        db.session.add(row)
    row.attempts += 1
    row.message = message[:MAX_MESSAGE]
    db.session.flush()
    return row


def is_open(key: str) -> bool:
    query = db.select(Incident.id).where(Incident.idempotency_key == key,
                                         Incident.status == "open")
    return db.session.scalar(query) is not None


def retry(incident_id: int, actor: Any = None) -> Incident:
    row = _open(incident_id)
    handler = _retry_handlers.get(row.kind)
    if handler is None:
        raise Conflict(f"incidents of kind {row.kind!r} cannot be retried; resolve it instead")
    handler(row)
    _close(row, actor, "incident.retried")
    return row


def resolve(incident_id: int, actor: Any = None) -> Incident:
    row = _open(incident_id)
    _close(row, actor, "incident.resolved")
    return row


def _open(incident_id: int) -> Incident:
    row = db.session.get(Incident, incident_id)
    if row is None:
        raise NotFound("no such incident")
    if row.status != "open":
        raise Conflict("this incident is already resolved")
    return row


def _close(row: Incident, actor: Any, action: str) -> None:
    row.status = "resolved"
    row.resolved_at = utcnow()
    row.resolved_by_id = getattr(actor, "id", None)
    audit.record(action, "incident", row.id, actor=actor, kind=row.kind)


# --- jobs ------------------------------------------------------------------------------


def job_key(name: str, args: Any) -> str:
    return "job:" + name + ":" + json.dumps(list(args), sort_keys=True, default=str)[:200]


def record_job_failure(name: str, args: Any, error: BaseException | str) -> None:
    """Called after a job's transaction rolled back; commits on its own."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    try:
        record("job_failed", f"job {name} failed: {text}", key=job_key(name, args),
               details={"job": name, "args": list(args)})
        db.session.commit()
    except Exception:  # the database itself may be what failed
        db.session.rollback()
        log.exception("could not record the failure of job %s as an incident", name)


def record_queue_failures(failures: list[Any]) -> int:
    """Failed jobs found in the queue (e.g. abandoned by a killed worker) become incidents.

    Jobs that raised were recorded when they failed; this catches the ones that never got
    to say so. Returns how many incidents were opened.
    """
    opened = 0
    for failure in failures:
        key = job_key(failure.name, failure.args)
        if is_open(key):
            continue
        record("job_failed", f"job {failure.name} failed in the queue: {failure.error}",
               key=key, details={"job": failure.name, "args": list(failure.args)})
        opened += 1
    db.session.commit()
    return opened


@retry_handler("job_failed")
def _retry_job(row: Incident) -> None:
    from app.jobs import enqueue

    enqueue(row.details["job"], *row.details.get("args", []))
