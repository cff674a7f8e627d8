"""The one interface for running work later: `get_dispatcher().enqueue(name, *args)`.

A job enqueued inside a database transaction is handed to the backend only after that
transaction commits, so a job never looks for a row that is not there yet, and a job
enqueued in a transaction that rolls back (or a savepoint that rolls back) is dropped.
With no transaction in progress the job is handed over at once.

Everything above this module is the same for both ways to run (DESIGN §9); only the
backend differs:

    Dispatcher ── Backend (Protocol)
                  ├── InProcessBackend   app/jobs/inprocess.py  embedded: a worker thread
                  └── RQBackend          app/jobs/rq_backend.py production: Redis + RQ

Hand-over is at most once: if the backend is unreachable after the commit (Redis down),
the job is logged and listed in `failures()`, and work that must not be lost is found
again from the database (timers by the sweeper, effects by the outbox).
"""

from __future__ import annotations

import json
import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db
from app.jobs.registry import get_job
from app.models.types import utcnow

log = logging.getLogger(__name__)

EXTENSION_KEY = "formloom.jobs"
_PENDING = "formloom.jobs.pending"  # key in Session.info
MAX_JOB_ID_LENGTH = 200


@dataclass(frozen=True)
class JobRequest:
    """What a backend is asked to run: a registered name and JSON arguments."""

    name: str
    args: tuple[Any, ...]
    delay: float | None = None  # seconds from hand-over
    job_id: str | None = None  # while a job with this id is pending, another is not added


@dataclass(frozen=True)
class JobFailure:
    """A job that raised (or could not be handed to the backend), for people to look at."""

    name: str
    args: tuple[Any, ...]
    error: str
    failed_at: datetime
    job_id: str | None = None

    @classmethod
    def of(cls, request: JobRequest, err: BaseException) -> JobFailure:
        return cls(request.name, request.args, describe_error(err), utcnow(), request.job_id)


class Backend(Protocol):
    name: str

    def submit(self, request: JobRequest) -> None: ...
    def start(self) -> None: ...
    def wait_idle(self, timeout: float) -> bool: ...
    def failures(self, limit: int) -> list[JobFailure]: ...
    def shutdown(self) -> None: ...


class Dispatcher:
    """Holds jobs until the transaction that enqueued them commits, then hands them over."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._handover_failures: deque[JobFailure] = deque(maxlen=100)

    @property
    def backend_name(self) -> str:
        return self.backend.name

    def enqueue(
        self,
        name: str,
        *args: Any,
        delay: float | timedelta | None = None,
        job_id: str | None = None,
        after_commit: bool = True,
    ) -> None:
        """Run job `name(*args)` after the current transaction commits.

        Any query opens a transaction, so a job enqueued after a query waits for a commit
        too; a transaction that ends without one (rollback, close) drops its jobs.

        Args:
            name: a registered job (checked now, not in the worker).
            args: ids and plain JSON values; they reach the job as JSON would return them
                (tuples become lists), whichever backend runs it.
            delay: run no earlier than this many seconds (or this timedelta) after commit.
            job_id: de-duplication key: while a job with this id is queued, delayed or
                running, enqueueing it again does nothing.
            after_commit: False hands the job over at once, for jobs about rows that are
                already committed (the timer sweep reads them on its own connection).

        Raises:
            UnknownJob: nothing is registered under `name`.
            TypeError: an argument is not plain JSON (an ORM object, a datetime, …).
        """
        get_job(name)
        request = JobRequest(name, _as_json(name, args), _seconds(delay), _check_id(job_id))
        session = db.session()
        if not after_commit or not session.in_transaction():
            self.backend.submit(request)
            return
        transaction = session.get_nested_transaction() or session.get_transaction()
        session.info.setdefault(_PENDING, []).append((transaction, self, request))

    def start(self) -> None:
        """Start the backend's own threads, if it has any (embedded mode); cheap when started."""
        self.backend.start()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no job is queued, due or running; True if that happened within `timeout`.

        Jobs delayed past now are not waited for.
        """
        return self.backend.wait_idle(timeout)

    def failures(self, limit: int = 20) -> list[JobFailure]:
        """The most recent failed jobs, newest first."""
        found = [*self.backend.failures(limit), *self._handover_failures]
        return sorted(found, key=lambda f: f.failed_at, reverse=True)[:limit]

    def shutdown(self) -> None:
        self.backend.shutdown()

    def _hand_over(self, request: JobRequest) -> None:
        """Called after commit: the transaction is done, so an error here must not escape."""
        try:
            self.backend.submit(request)
        except Exception as err:
            log.exception("job %s not handed to the %s backend", request.name, self.backend_name)
            self._handover_failures.appendleft(JobFailure.of(request, err))


def get_dispatcher() -> Dispatcher:
    return current_app.extensions[EXTENSION_KEY]


def describe_error(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


def install_session_hooks() -> None:
    """Listen to Flask-SQLAlchemy's session once per process (every app shares `db`)."""
    if event.contains(db.session, "after_commit", _after_commit):
        return
    event.listen(db.session, "after_commit", _after_commit)
    event.listen(db.session, "after_soft_rollback", _after_soft_rollback)
    event.listen(db.session, "after_transaction_end", _after_transaction_end)


def _after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released; the outer transaction may still roll back
    for _transaction, dispatcher, request in session.info.pop(_PENDING, []):
        dispatcher._hand_over(request)


def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [
            item for item in pending if not _within(item[0], previous_transaction)
        ]


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and session.info.get(_PENDING):
        dropped = session.info.pop(_PENDING)
        log.info(
            "dropped job(s) %s: their transaction ended without a commit",
            ", ".join(request.name for _, _, request in dropped),
        )


def _within(inner: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while inner is not None:
        if inner is outer:
            return True
        inner = inner.parent
    return False


def _as_json(name: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    try:
        return tuple(json.loads(json.dumps(list(args), allow_nan=False)))
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"job {name!r} takes ids and plain JSON values, not objects: {err}"
        ) from None


def _seconds(delay: float | timedelta | None) -> float | None:
    if delay is None:
        return None
    seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
    return max(seconds, 0.0)


def _check_id(job_id: str | None) -> str | None:
    if job_id is None:
        return None
    if not isinstance(job_id, str) or not 0 < len(job_id) <= MAX_JOB_ID_LENGTH:
        raise ValueError(f"job_id must be a string of 1 to {MAX_JOB_ID_LENGTH} characters")
    return job_id
