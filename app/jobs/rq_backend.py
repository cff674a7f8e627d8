"""Production backend: jobs go to an RQ queue on Redis; `formloom worker` runs them.

Every RQ job calls one function, `app.jobs.worker_entry.run(name, *args)`, so the queue
holds a job's registered name and JSON arguments and nothing else. Jobs are stored with
RQ's JSON serializer: nothing read back from Redis is ever unpickled.

Delayed jobs go to RQ's scheduled registry; the worker's scheduler (`with_scheduler`)
moves them to the queue when due. RQ counts in whole seconds, so a delayed job's time is
rounded up: it may run up to a second late, never early.

A dispatcher `job_id` becomes an RQ job id (letters, digits, `_`, `-` only) derived from
the queue name and the id. While that job is queued, scheduled or running, enqueueing it
again does nothing; once it has finished or failed, or the worker running it has died
(`worker_gone`), it is replaced.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import socket
import time
from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Queue
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from rq.results import Result
from rq.serializers import JSONSerializer
from rq.worker import BaseWorker

from app.jobs import worker_entry
from app.jobs.dispatcher import JobFailure, JobRequest

log = logging.getLogger(__name__)

#: Statuses in which an RQ job will still run; a new job with the same id is not needed.
PENDING_STATUSES = frozenset(
    {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.STARTED, JobStatus.DEFERRED}
)
SERIALIZER = JSONSerializer
DEFAULT_JOB_TIMEOUT = 300


class RQBackend:
    name = "rq"

    def __init__(self, redis_url: str, queue_name: str, job_timeout: int = DEFAULT_JOB_TIMEOUT):
        self.redis_url = redis_url
        self.queue_name = queue_name
        self.job_timeout = job_timeout
        self._queue: Queue | None = None

    @property
    def queue(self) -> Queue:
        """The RQ queue, connected on first use (app creation does no network I/O)."""
        if self._queue is None:
            connection = Redis.from_url(self.redis_url)
            self._queue = Queue(
                self.queue_name,
                connection=connection,
                serializer=SERIALIZER,
                default_timeout=self.job_timeout,
            )
        return self._queue

    def submit(self, request: JobRequest) -> None:
        rq_id = rq_job_id(self.queue_name, request.job_id) if request.job_id else None
        try:
            self._enqueue(request, rq_id)
        except DuplicateJobError:
            if not self._replace_finished(rq_id):
                log.debug("job %s is already pending; not added again", request.job_id)
                return
            try:
                self._enqueue(request, rq_id)
            except DuplicateJobError:
                log.debug("job %s was enqueued meanwhile by someone else", request.job_id)

    def start(self) -> None:
        """Nothing to start here: `formloom worker` runs the jobs."""

    def wait_idle(self, timeout: float) -> bool:
        queue = self.queue
        started = StartedJobRegistry(queue=queue)
        scheduled = ScheduledJobRegistry(queue=queue)
        deadline = time.monotonic() + timeout
        while True:
            if not queue.count and not started.count and not scheduled.get_jobs_to_schedule():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def failures(self, limit: int) -> list[JobFailure]:
        queue = self.queue
        ids = FailedJobRegistry(queue=queue).get_job_ids(0, limit - 1, desc=True)
        jobs = Job.fetch_many(ids, connection=queue.connection, serializer=SERIALIZER)
        return [_failure(job) for job in jobs if job is not None]

    def shutdown(self) -> None:
        if self._queue is not None:
            self._queue.connection.close()
            self._queue = None

    def _enqueue(self, request: JobRequest, rq_id: str | None) -> None:
        options = {
            "job_id": rq_id,
            "unique": rq_id is not None,
            "description": f"{request.name}{tuple(request.args)!r}",
            "meta": {"job_id": request.job_id} if request.job_id else None,
        }
        args = (request.name, *request.args)
        if request.delay:
            run_at = _whole_second_after(request.delay)
            self.queue.enqueue_at(run_at, worker_entry.run, *args, **options)
        else:
            self.queue.enqueue(worker_entry.run, *args, **options)

    def _replace_finished(self, rq_id: str) -> bool:
        """Delete the earlier job with this id if it will not run again; True if deleted."""
        try:
            existing = Job.fetch(rq_id, connection=self.queue.connection, serializer=SERIALIZER)
        except NoSuchJobError:
            return True  # expired in between
        status = existing.get_status()
        abandoned = status == JobStatus.STARTED and worker_gone(
            self.queue.connection, existing.worker_name)
        if status in PENDING_STATUSES and not abandoned:
            return False
        existing.delete()
        return True


def worker_gone(connection: Redis, worker_name: str | None) -> bool:
    """True when the worker that started a job is certainly dead, so the job never ends.

    A SIGKILLed (or OOM-killed) worker leaves its job `started`; RQ notices only when its
    registry clean-up runs, minutes later, and until then a sweep's wake-up with the same
    job id was refused as "still pending": an outbox row or timer stayed stuck although
    the sweeper found it (bench/chaos.py). Dead means: the worker's registration expired
    (no heartbeat within the job's timeout), it registered its death, or it ran on this
    machine and its process is gone. A worker on another machine that still has a live
    registration counts as alive.
    """
    if not worker_name:
        return False
    fields = connection.hmget(f"{BaseWorker.redis_worker_namespace_prefix}{worker_name}",
                              "hostname", "pid", "death")
    hostname, pid, death = (value.decode() if value else None for value in fields)
    if hostname is None and pid is None:
        return True  # registration expired (or Redis lost it with the job's worker)
    if death:
        return True
    if hostname != socket.gethostname() or not (pid or "").isdigit():
        return False
    return not _process_alive(int(pid))


def _process_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in {"Z", "X"}
    except (FileNotFoundError, ProcessLookupError):
        return False
    except (OSError, IndexError):  # no /proc here: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def rq_job_id(queue_name: str, job_id: str) -> str:
    """An RQ-safe job id, readable in dashboards and distinct per queue and dispatcher id."""
    digest = hashlib.blake2b(f"{queue_name}\0{job_id}".encode(), digest_size=8).hexdigest()
    return f"{re.sub(r'[^A-Za-z0-9_-]', '_', job_id)[:60]}-{digest}"


def _whole_second_after(delay: float) -> datetime:
    run_at = datetime.now(UTC) + timedelta(seconds=delay)
    return datetime.fromtimestamp(math.ceil(run_at.timestamp()), UTC)


def _failure(job: Job) -> JobFailure:
    name, *args = job.args or ["?"]
    result = job.latest_result()
    error = result.exc_string if result and result.type == Result.Type.FAILED else "failed"
    last_line = (error or "failed").strip().splitlines()[-1]
    failed_at = job.ended_at or datetime.now(UTC)
    if failed_at.tzinfo is None:
        failed_at = failed_at.replace(tzinfo=UTC)
    return JobFailure(name, tuple(args), last_line, failed_at, job.meta.get("job_id"))
