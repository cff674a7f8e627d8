"""A job left `started` by a SIGKILLed worker no longer blocks a wake-up with its id.

Found by bench/chaos.py: a worker killed while running a sweep's `outbox:<id>:sweep` job
left that job `started` in Redis; every later sweep's wake-up with the same id was
refused as still pending, so the outbox row stayed undelivered for minutes (until RQ's
own registry clean-up). A job whose worker is dead is now replaced at once.
"""

from __future__ import annotations

import os
import signal

import pytest
from rq.job import Job, JobStatus

from app.jobs import enqueue, get_dispatcher
from app.jobs.rq_backend import SERIALIZER, rq_job_id, worker_gone
from tests.app.jobs.conftest import audit_markers, wait_for


@pytest.fixture
def jobs_backend():
    return "rq"


@pytest.fixture(autouse=True)
def _once(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("queue handling does not depend on the database; run once")


def _job(app, job_id: str) -> Job:
    queue = get_dispatcher().backend.queue
    return Job.fetch(rq_job_id(app.config["RQ_QUEUE"], job_id), connection=queue.connection,
                     serializer=SERIALIZER)


def test_a_job_started_by_a_killed_worker_is_replaced_by_the_next_wake_up(
    app, start_worker, run_worker
):
    enqueue("test.sleep", 60, job_id="outbox:7:sweep")
    worker, log_path = start_worker()
    started = wait_for(lambda: _job(app, "outbox:7:sweep").get_status() == JobStatus.STARTED,
                       timeout=30, explain=log_path.read_text)
    assert started
    connection = get_dispatcher().backend.queue.connection
    running = _job(app, "outbox:7:sweep")
    assert not worker_gone(connection, running.worker_name)  # alive: the wake-up waits
    enqueue("test.record", "too early", job_id="outbox:7:sweep")
    assert _job(app, "outbox:7:sweep").args[0] == "test.sleep"

    os.killpg(worker.pid, signal.SIGKILL)  # worker and sweeper, mid-job
    worker.wait(10)
    assert _job(app, "outbox:7:sweep").get_status() == JobStatus.STARTED  # RQ has not noticed
    assert worker_gone(connection, running.worker_name)

    enqueue("test.record", "swept again", job_id="outbox:7:sweep")
    assert _job(app, "outbox:7:sweep").args == ["test.record", "swept again"]
    run_worker()
    assert audit_markers(app, "test.record") == ["swept again"]


def test_an_unknown_or_expired_worker_counts_as_gone_and_no_worker_name_does_not(app):
    connection = get_dispatcher().backend.queue.connection
    assert worker_gone(connection, "no-such-worker")
    assert not worker_gone(connection, None)
