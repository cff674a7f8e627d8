"""The dispatcher: jobs leave only with a commit, on either backend; the embedded backend."""

from __future__ import annotations

import threading
import time

import pytest

from app.extensions import db
from app.jobs import UnknownJob, enqueue, get_dispatcher
from app.models import AuditEntry
from tests.app.jobs.conftest import audit_markers, wait_for


def _write_audit(marker: str) -> AuditEntry:
    entry = AuditEntry(action="test.source", target_type="test", target_id=marker)
    db.session.add(entry)
    db.session.flush()
    return entry


@pytest.mark.parametrize("jobs_backend", ["inprocess", "rq"])
def test_jobs_run_after_commit_and_never_after_rollback(app, drain, jobs_backend):
    """Same code path above the backend: only the committed transaction's jobs run."""
    entry = _write_audit("rolled-back")
    enqueue("test.echo", entry.id)
    enqueue("test.record", "rolled-back")
    db.session.rollback()

    entry = _write_audit("committed")
    enqueue("test.echo", entry.id)  # reads the row written in this same transaction
    enqueue("test.record", "committed", {"n": 1, "tags": ("a", "b")})
    enqueue("test.chain", "chained")  # enqueues a follow-up when it runs
    # Nothing is handed over yet: an RQ queue stays empty, the embedded thread stays idle.
    assert get_dispatcher().wait_idle(5), "handed over before the commit"
    assert audit_markers(app, "test.record") == []

    db.session.commit()
    drain()

    assert audit_markers(app, "test.echo") == ["committed"]
    assert audit_markers(app, "test.chain") == ["chained"]
    assert audit_markers(app, "test.record") == ["committed", "chained:next"]
    details = db.session.scalars(db.select(AuditEntry.details).where(
        AuditEntry.target_id == "committed", AuditEntry.action == "test.record")).one()
    assert details == {"data": {"n": 1, "tags": ["a", "b"]}}  # JSON on both backends
    assert get_dispatcher().failures() == []


def test_job_failures_are_visible_and_later_jobs_still_run(app):
    enqueue("test.fail", "boom")
    enqueue("test.record", "after-failure")
    assert get_dispatcher().wait_idle(5)

    assert audit_markers(app, "test.record") == ["after-failure"]
    assert audit_markers(app, "test.fail") == [], "a failed job's writes are rolled back"
    [failure] = get_dispatcher().failures()
    assert (failure.name, failure.args) == ("test.fail", ("boom",))
    assert "RuntimeError: test.fail boom" in failure.error


def test_savepoints_release_nothing_and_their_rollback_drops_their_jobs(app):
    _write_audit("outer")
    with db.session.begin_nested():
        enqueue("test.record", "kept")
    assert get_dispatcher().wait_idle(5)
    assert audit_markers(app, "test.record") == [], "a released savepoint is not a commit"

    savepoint = db.session.begin_nested()
    enqueue("test.record", "dropped")
    savepoint.rollback()
    db.session.commit()

    assert get_dispatcher().wait_idle(5)
    assert audit_markers(app, "test.record") == ["kept"]


def test_jobs_enqueued_in_a_closed_session_are_dropped(app):
    _write_audit("closed")
    enqueue("test.record", "never")
    db.session.close()
    db.session.commit()  # a new, empty transaction: nothing left over to hand on
    assert get_dispatcher().wait_idle(5)
    assert audit_markers(app, "test.record") == []


def test_enqueue_checks_name_and_arguments_at_once(app):
    with pytest.raises(UnknownJob, match=r"no job named 'test\.nope'"):
        enqueue("test.nope")
    with pytest.raises(TypeError, match="plain JSON"):
        enqueue("test.record", AuditEntry())
    with pytest.raises(ValueError, match="job_id"):
        enqueue("test.record", "x", job_id="")


def test_delayed_job_runs_no_earlier_than_its_delay(app):
    started = time.monotonic()
    enqueue("test.record", "later", delay=0.4)
    assert get_dispatcher().wait_idle(1), "a job delayed past now is not waited for"
    assert audit_markers(app, "test.record") == []

    wait_for(lambda: audit_markers(app, "test.record"), timeout=5)
    assert time.monotonic() - started >= 0.4


def test_wait_idle_waits_for_the_running_job(app):
    enqueue("test.sleep", 0.3)
    wait_for(lambda: not get_dispatcher().wait_idle(0))
    assert get_dispatcher().wait_idle(0.01) is False
    assert get_dispatcher().wait_idle(5) is True


def test_job_id_is_not_added_twice_while_pending(app):
    for _ in range(3):
        enqueue("test.record", "once", delay=0.2, job_id="dedup")
    wait_for(lambda: audit_markers(app, "test.record"), timeout=5)
    assert get_dispatcher().wait_idle(5)

    enqueue("test.record", "again", job_id="dedup")  # the first has run: a new one is added
    assert get_dispatcher().wait_idle(5)
    assert audit_markers(app, "test.record") == ["once", "again"]


def test_failure_is_logged_with_its_traceback(app, caplog):
    enqueue("test.fail", "logged")
    assert get_dispatcher().wait_idle(5)
    [record] = [r for r in caplog.records if r.name == "app.jobs.inprocess"]
    assert "test.fail" in record.getMessage()
    assert record.exc_info and "test.fail logged" in str(record.exc_info[1])


def _our_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("formloom-")}


def test_no_thread_starts_before_it_is_needed_and_shutdown_stops_them(app, client):
    before = _our_threads()
    client.get("/login")  # a request starts the timer thread, which tests switch off
    assert _our_threads() == before

    enqueue("test.record", "start")
    started = _our_threads() - before
    assert [t.name for t in started] == ["formloom-jobs"]
    assert get_dispatcher().wait_idle(5)

    get_dispatcher().shutdown()
    assert not any(t.is_alive() for t in started)
    with pytest.raises(RuntimeError, match="shut down"):
        enqueue("test.record", "too late")
