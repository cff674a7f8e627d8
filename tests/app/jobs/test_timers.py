"""Timers: the table is the truth, the queue only wakes them up, each fires exactly once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.jobs import get_dispatcher
from app.jobs.registry import execute
from app.jobs.timers import (
    FIRE_JOB,
    UnknownTimerKind,
    cancel_timer,
    schedule_timer,
    sweep_due_timers,
)
from app.models import Timer
from tests.app.jobs.conftest import audit_markers, wait_for


def _now() -> datetime:
    return datetime.now(UTC)


def _timer(key: str) -> Timer:
    return db.session.scalars(
        db.select(Timer).where(Timer.key == key).execution_options(populate_existing=True)
    ).one()


def _fire(app, timer_id: int) -> None:
    """Run the `timers.fire` job the way a backend does: own app context, own session."""
    with app.app_context():
        execute(FIRE_JOB, [timer_id])


@pytest.mark.parametrize("jobs_backend", ["inprocess", "rq"])
def test_scheduled_timer_is_woken_up_after_commit_and_fires_once(app, drain, jobs_backend):
    timer = schedule_timer("test.timer", "case-1:approve:1", _now() - timedelta(seconds=1),
                           node_id="approve", payload={"reason": "timeout"})
    assert schedule_timer("test.timer", "case-1:approve:1", _now()).id == timer.id  # idempotent
    db.session.commit()
    drain()

    fired = _timer("case-1:approve:1")
    assert fired.fired_at is not None and fired.node_id == "approve"
    assert audit_markers(app, "test.timer") == ["case-1:approve:1"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Timer)) == 1


def test_wake_up_waits_for_the_due_time(app):
    schedule_timer("test.timer", "soon", _now() + timedelta(seconds=0.3))
    db.session.commit()
    assert get_dispatcher().wait_idle(1)
    assert audit_markers(app, "test.timer") == []

    wait_for(lambda: audit_markers(app, "test.timer"), timeout=5)
    assert _timer("soon").fired_at >= _timer("soon").due_at


def test_sweep_enqueues_due_timers_whose_wake_up_was_lost(app):
    """Redis restarted empty, or every worker was down: the table still knows (CHECKLIST 4, 6)."""
    db.session.add_all([
        Timer(kind="test.timer", key="overdue", due_at=_now() - timedelta(hours=2)),
        Timer(kind="test.timer", key="future", due_at=_now() + timedelta(hours=2)),
    ])
    db.session.commit()
    overdue = _timer("overdue")

    assert sweep_due_timers() == [overdue.id]
    assert get_dispatcher().wait_idle(5)
    assert audit_markers(app, "test.timer") == ["overdue"]
    assert sweep_due_timers() == []  # fired: not swept again
    assert _timer("future").fired_at is None


def test_fire_runs_the_handler_once_however_often_it_runs(app):
    db.session.add(Timer(kind="test.timer", key="twice", due_at=_now() - timedelta(seconds=1)))
    db.session.commit()
    timer_id = _timer("twice").id

    _fire(app, timer_id)
    first = _timer("twice").fired_at
    _fire(app, timer_id)
    sweep_due_timers()
    assert get_dispatcher().wait_idle(5)

    assert audit_markers(app, "test.timer") == ["twice"]
    assert _timer("twice").fired_at == first


def test_two_workers_racing_to_fire_one_timer_fire_it_once(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the row-lock race is a PostgreSQL property; SQLite serialises all writers")
    db.session.add(Timer(kind="test.timer", key="raced", due_at=_now() - timedelta(seconds=1),
                         payload={"slow": 0.3}))  # the winner holds its claim for 0.3 s
    db.session.commit()
    timer_id = _timer("raced").id
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        start.wait()
        try:
            _fire(app, timer_id)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert audit_markers(app, "test.timer") == ["raced"]


def test_cancelled_timer_never_fires(app):
    schedule_timer("test.timer", "cancelled", _now() + timedelta(seconds=0.2))
    assert cancel_timer("cancelled") is True
    assert cancel_timer("cancelled") is False
    assert cancel_timer("no-such-timer") is False
    db.session.commit()

    wait_for(lambda: _timer("cancelled").due_at <= _now())
    _fire(app, _timer("cancelled").id)
    assert sweep_due_timers() == []
    assert get_dispatcher().wait_idle(5)
    assert audit_markers(app, "test.timer") == []
    assert _timer("cancelled").fired_at is None


def test_fired_timer_cannot_be_cancelled(app):
    db.session.add(Timer(kind="test.timer", key="done", due_at=_now() - timedelta(seconds=1)))
    db.session.commit()
    _fire(app, _timer("done").id)
    assert cancel_timer("done") is False
    db.session.commit()
    assert _timer("done").cancelled_at is None


def test_timer_is_not_fired_before_it_is_due(app):
    db.session.add(Timer(kind="test.timer", key="later", due_at=_now() + timedelta(hours=1)))
    db.session.commit()
    _fire(app, _timer("later").id)
    assert _timer("later").fired_at is None


def test_failing_handler_leaves_the_timer_due_for_the_next_sweep(app):
    schedule_timer("test.timer_fails", "flaky", _now() - timedelta(seconds=1))
    db.session.commit()
    assert get_dispatcher().wait_idle(5)

    [failure] = get_dispatcher().failures()
    assert failure.name == FIRE_JOB and "handler for flaky failed" in failure.error
    flaky = _timer("flaky")
    assert flaky.fired_at is None
    assert audit_markers(app, "test.timer") == [], "the handler's writes were rolled back"
    assert sweep_due_timers() == [flaky.id]  # still due: tried again
    assert get_dispatcher().wait_idle(5)
    assert len(get_dispatcher().failures()) == 2


def test_schedule_timer_refuses_unknown_kinds_and_naive_times(app):
    with pytest.raises(UnknownTimerKind):
        schedule_timer("test.nope", "k", _now())
    with pytest.raises(ValueError, match="timezone-aware"):
        schedule_timer("test.timer", "k", datetime.now())


@pytest.mark.parametrize("app_overrides", [{"JOBS_IMPORTS": "tests.app.jobs.sample_jobs",
                                            "JOBS_INPROCESS_TIMER_THREAD": True,
                                            "TIMER_SWEEP_SECONDS": 0.1}])
def test_embedded_timer_thread_fires_due_timers_by_itself(app, client):
    db.session.add(Timer(kind="test.timer", key="by-thread", due_at=_now() - timedelta(seconds=1)))
    db.session.commit()
    before = set(threading.enumerate())
    client.get("/login")  # the first request starts the timer thread

    wait_for(lambda: audit_markers(app, "test.timer"), timeout=5)
    started = set(threading.enumerate()) - before
    assert {t.name for t in started} == {"formloom-timers", "formloom-jobs"}
    get_dispatcher().shutdown()
    assert not any(t.is_alive() for t in started)
