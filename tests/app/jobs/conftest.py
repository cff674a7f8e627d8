"""Fixtures for the jobs tests: the backend to use, a private RQ queue, a real worker.

`jobs_backend` is "inprocess" unless a test parametrises it; with "rq" the app talks to
the test Redis (db 15) on a queue of its own, which is emptied afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.app.jobs import sample_jobs
from tests.conftest import TEST_ENCRYPTION_KEY, TEST_SECRET_KEY

REPO_ROOT = Path(__file__).resolve().parents[3]
FORMLOOM = str(Path(sys.executable).with_name("formloom"))
#: An upper bound, not a speed target: a burst worker imports the app before its first
#: job, which took over 30 s on a 2-core machine at a load average of 10 or more.
WORKER_TIMEOUT = 90.0


@pytest.fixture
def jobs_backend() -> str:
    return "inprocess"


@pytest.fixture
def app_overrides(jobs_backend, request):
    overrides = {"JOBS_IMPORTS": [sample_jobs.MODULE]}
    if jobs_backend == "rq":
        overrides |= {
            "JOBS_BACKEND": "rq",
            "REDIS_URL": request.getfixturevalue("redis_url"),
            "RQ_QUEUE": request.getfixturevalue("rq_queue"),
        }
    return overrides


@pytest.fixture
def rq_queue(redis_url, unique_name):
    """A queue name no other test (or test run) uses; its keys are deleted afterwards."""
    name = f"formloom-test-{unique_name}"
    yield name
    _delete_queue(redis_url, name)


def _delete_queue(redis_url: str, name: str) -> None:
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    from app.jobs.rq_backend import SERIALIZER

    with Redis.from_url(redis_url) as conn:
        queue = Queue(name, connection=conn, serializer=SERIALIZER)
        ids = set(queue.get_job_ids())
        for registry in (queue.failed_job_registry, queue.finished_job_registry,
                         queue.scheduled_job_registry, queue.started_job_registry):
            ids.update(registry.get_job_ids())
        for job in Job.fetch_many(sorted(ids), connection=conn, serializer=SERIALIZER):
            if job is not None:
                job.delete()
        for key in conn.scan_iter(match=f"*{name}*"):
            conn.delete(key)
        conn.srem("rq:queues", queue.key)


@pytest.fixture
def worker_env(app, tmp_path) -> dict[str, str]:
    """The environment a deployed worker would have, pointing at this test's services."""
    inherited = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith("FORMLOOM_") and key not in inherited
    }
    env.update(
        DATABASE_URL=app.config["DATABASE_URL"],
        REDIS_URL=app.config["REDIS_URL"] or "",
        FORMLOOM_SECRET_KEY=TEST_SECRET_KEY,
        FORMLOOM_ENCRYPTION_KEYS=TEST_ENCRYPTION_KEY,
        FORMLOOM_INSTANCE_PATH=str(tmp_path / "worker-instance"),
        FORMLOOM_JOBS_IMPORTS=json.dumps([sample_jobs.MODULE]),
        FORMLOOM_TIMER_SWEEP_SECONDS="0.5",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    )
    return env


@pytest.fixture
def run_worker(app, worker_env, tmp_path) -> Callable[..., subprocess.CompletedProcess]:
    """Run `formloom worker --burst --queue <this test's queue>` to completion."""

    def run(*extra: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [FORMLOOM, "worker", "--burst", "--queue", app.config["RQ_QUEUE"], *extra],
            env=worker_env, cwd=tmp_path,
            capture_output=True, text=True, timeout=WORKER_TIMEOUT, check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    return run


@pytest.fixture
def start_worker(app, worker_env, tmp_path):
    """Start a long-running `formloom worker` logging to a file; SIGTERM stops it at the end.

    Returns `(process, log_path)`.
    """
    started: list[tuple[subprocess.Popen, object]] = []

    def start() -> tuple[subprocess.Popen, Path]:
        log_path = tmp_path / f"worker-{len(started)}.log"
        log_file = log_path.open("w")
        process = subprocess.Popen(
            [FORMLOOM, "worker", "--queue", app.config["RQ_QUEUE"]],
            env=worker_env, cwd=tmp_path, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a test can kill worker and horse
        )
        started.append((process, log_file))
        return process, log_path

    yield start
    for process, log_file in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log_file.close()


@pytest.fixture
def drain(app, jobs_backend, request) -> Callable[[], None]:
    """Run every job that is due, whichever backend: the embedded thread or a real worker."""

    def run() -> None:
        if jobs_backend == "rq":
            request.getfixturevalue("run_worker")()
        else:
            assert app.extensions["formloom.jobs"].wait_idle(10), "jobs did not finish in 10 s"

    return run


def audit_markers(app, action: str) -> list[str]:
    """Target ids of audit rows with `action`, read on a fresh connection (no stale snapshot)."""
    from app.extensions import db
    from app.models import AuditEntry

    query = (
        sa.select(AuditEntry.target_id)
        .where(AuditEntry.action == action)
        .order_by(AuditEntry.id)
    )
    with app.app_context(), db.engine.connect() as conn:
        return list(conn.scalars(query))


def wait_for(
    predicate: Callable[[], object],
    timeout: float = 10.0,
    interval: float = 0.05,
    explain: Callable[[], str] = lambda: "",
):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"condition not met within {timeout} s\n{explain()}")
        time.sleep(interval)
