"""The RQ backend with real Redis and a real `formloom worker` process."""

from __future__ import annotations

import contextlib
import os
import re
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from app.extensions import db
from app.jobs import enqueue, get_dispatcher
from app.jobs.rq_backend import rq_job_id
from app.models import AuditEntry, Timer
from tests.app.jobs.conftest import audit_markers, wait_for


@pytest.fixture
def jobs_backend():
    return "rq"


def _queue():
    return get_dispatcher().backend.queue


def test_worker_runs_jobs_and_keeps_failures_in_the_failed_registry(app, run_worker):
    enqueue("test.record", "from-redis")
    enqueue("test.fail", "boom")
    assert _queue().count == 2
    assert audit_markers(app, "test.record") == []

    result = run_worker()

    assert "formloom worker" in result.stderr and "scheduler on" in result.stderr
    assert audit_markers(app, "test.record") == ["from-redis"]
    [failed_id] = FailedJobRegistry(queue=_queue()).get_job_ids()
    [failure] = get_dispatcher().failures()
    assert failure.name == "test.fail" and failure.error == "RuntimeError: test.fail boom"
    assert _queue().count == 0 and failed_id


def test_delayed_job_waits_in_the_scheduled_registry(app):
    enqueue("test.record", "delayed", delay=timedelta(hours=1))
    assert _queue().count == 0
    [job_id] = ScheduledJobRegistry(queue=_queue()).get_job_ids()
    run_at = ScheduledJobRegistry(queue=_queue()).get_scheduled_time(job_id)
    assert timedelta(minutes=59) < run_at - datetime.now(UTC) <= timedelta(hours=1, seconds=1)


def test_job_id_deduplicates_pending_jobs_and_replaces_finished_ones(app, run_worker):
    for _ in range(3):
        enqueue("test.record", "once", job_id="timer:42")
    assert _queue().get_job_ids() == [rq_job_id(app.config["RQ_QUEUE"], "timer:42")]
    run_worker()

    assert audit_markers(app, "test.record") == ["once"]

    enqueue("test.record", "again", job_id="timer:42")  # the finished one is replaced
    [job] = _queue().get_jobs()
    assert job.args == ["test.record", "again"]


def test_running_worker_fires_delayed_jobs_and_sweeps_lost_timers_until_stopped(
    app, start_worker
):
    """A long-running worker: scheduler on, timer sweeper on, warm stop on SIGTERM."""
    # A due timer whose wake-up never reached Redis (Redis restarted empty, say).
    db.session.add(Timer(kind="test.timer", key="lost-wake-up",
                         due_at=datetime.now(UTC) - timedelta(minutes=5)))
    db.session.commit()
    enqueued_at = datetime.now(UTC)
    enqueue("test.record", "one-second-later", delay=1)

    process, log_path = start_worker()

    wait_for(lambda: audit_markers(app, "test.timer"), timeout=30, explain=log_path.read_text)
    wait_for(lambda: audit_markers(app, "test.record"), timeout=30, explain=log_path.read_text)
    assert get_dispatcher().wait_idle(10)
    ran_at = db.session.scalars(
        db.select(AuditEntry.at).where(AuditEntry.action == "test.record")).one()
    assert ran_at - enqueued_at >= timedelta(seconds=1)
    assert db.session.scalars(db.select(Timer.fired_at)).one() is not None

    process.send_signal(signal.SIGTERM)
    assert process.wait(15) == 0
    log = log_path.read_text()
    assert "starting: queue" in log and "stopped" in log


@pytest.mark.parametrize("jobs_backend", ["inprocess"])
def test_worker_command_needs_redis_url(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output


def _pid_logged(log_path, prefix: str) -> int | None:
    match = re.search(re.escape(prefix) + r" (\d+)", log_path.read_text())
    return int(match.group(1)) if match else None


def _gone(pid: int) -> bool:
    """True once `pid` has exited (a zombie waiting for a reaper counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] in {"Z", "X"}
    except FileNotFoundError:
        return True


def test_sweeper_process_does_not_outlive_a_killed_worker(app, start_worker):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("process handling does not depend on the database; run once")
    process, log_path = start_worker()
    sweeper = wait_for(lambda: _pid_logged(log_path, "timer sweeper started with PID"),
                       timeout=30, explain=log_path.read_text)
    scheduler_line = f"Scheduler for {app.config['RQ_QUEUE']} started with PID"
    scheduler = wait_for(lambda: _pid_logged(log_path, scheduler_line), timeout=30)

    process.kill()  # SIGKILL: no chance to stop its children
    process.wait(10)
    try:
        wait_for(lambda: _gone(sweeper), timeout=10)
    finally:
        for pid in (sweeper, scheduler):  # RQ's own scheduler process is orphaned too
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
