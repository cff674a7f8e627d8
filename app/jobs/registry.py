"""Jobs are plain functions registered by name; a queue stores the name, never the function.

A job:

* takes ids and plain JSON values only (never ORM objects, never secrets: job arguments
  are stored in Redis and shown in logs and dashboards),
* reloads what it needs from the database,
* is safe to run twice (queues deliver at least once; workers die mid-job).

    @job("outbox.relay")
    def relay(entry_id: int) -> None:
        ...

`execute` is the one way a job is run, by either backend: inside an app context, as one
unit of work that commits when the function returns and rolls back when it raises.
"""

from __future__ import annotations

import importlib
import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db

log = logging.getLogger(__name__)

JobFunction = TypeVar("JobFunction", bound=Callable[..., Any])

_jobs: dict[str, Callable[..., Any]] = {}
#: Runs of a job that lost an optimistic-lock race before it counts as failed.
CONFLICT_ATTEMPTS = 5


class UnknownJob(LookupError):
    """No job is registered under this name in this process (is its module imported?)."""


def job(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated function as the job called `name`.

    Raises:
        ValueError: another function already holds the name.
    """

    def register(fn: JobFunction) -> JobFunction:
        held = _jobs.get(name)
        if held is not None and _qualname(held) != _qualname(fn):
            raise ValueError(f"job name {name!r} is taken by {_qualname(held)}")
        _jobs[name] = fn
        return fn

    return register


def get_job(name: str) -> Callable[..., Any]:
    try:
        return _jobs[name]
    except KeyError:
        raise UnknownJob(
            f"no job named {name!r}; known: {', '.join(sorted(_jobs)) or 'none'}"
        ) from None


def registered_jobs() -> frozenset[str]:
    return frozenset(_jobs)


def execute(name: str, args: Sequence[Any]) -> None:
    """Run job `name` in the current app context: commit if it returns, roll back if it raises.

    Jobs a job enqueues are handed on only when this commit succeeds (see dispatcher).
    """
    fn = get_job(name)
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            fn(*args)
            db.session.commit()
            return
        except StaleDataError as err:
            # Another job changed the same instance first (two parallel branches answering
            # at once): normal, not a failure. Run again on fresh rows; jobs are idempotent.
            db.session.rollback()
            if attempt == CONFLICT_ATTEMPTS:
                _record_failure(name, args, err)
                raise
            time.sleep(random.uniform(0.01, 0.05) * attempt)
        except Exception as err:
            db.session.rollback()
            _record_failure(name, args, err)
            raise
        except BaseException:
            db.session.rollback()
            raise


def _record_failure(name: str, args: Sequence[Any], err: Exception) -> None:
    from app.services import incidents

    incidents.record_job_failure(name, args, err)


def import_job_modules(names: Iterable[str]) -> None:
    """Import modules whose import registers jobs or timer handlers (config `JOBS_IMPORTS`)."""
    for name in names:
        importlib.import_module(name)


def _qualname(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"
