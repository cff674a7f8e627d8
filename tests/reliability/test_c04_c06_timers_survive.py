"""Deadlines survive what breaks in production (CHECKLIST 4 and 6), with real RQ workers.

C6: the approval deadline passes while every worker is down; on restart the timeout
branch runs exactly once per case. C4: Redis restarts empty mid-flow, losing every
queued wake-up; the sweeper rebuilds them from the timers table and each fires once.
"""

from __future__ import annotations

import time

import pytest
import redis

from app.extensions import db
from app.flows import service
from app.models import FlowInstance, InstanceEvent, Task, Timer
from app.services import definitions
from app.services.users import ensure_team

CASES = 8
LATE_REVIEW = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "review", "type": "user_task", "config": {
            "title": "Review", "outcomes": ["approve"], "assignee": {"role": "cs_agent"},
            "timeout": {"after": "PT1S", "action": "follow_edge"}}},
        {"id": "late", "type": "user_task", "config": {
            "title": "Handle the late review", "outcomes": ["done"],
            "assignee": {"role": "cs_lead"}}},
        {"id": "end", "type": "end"},
    ],
    "edges": [
        {"from": "start", "to": "review"},
        {"from": "review", "to": "end", "outcome": "approve"},
        {"from": "review", "to": "late", "on": "timeout"},
        {"from": "late", "to": "end"},
    ],
}


@pytest.fixture
def cases(app):
    ensure_team("cs_agent")
    ensure_team("cs_lead")
    definitions.save_draft("flow", "late.review", "Late review", LATE_REVIEW)
    definitions.publish("flow", "late.review")
    db.session.commit()
    ids = []
    for n in range(CASES):
        ids.append(service.start("late.review", {"n": n}).id)
        db.session.commit()
    return ids


def _assert_each_timeout_ran_once(ids: list[int]) -> None:
    db.session.expire_all()
    for instance_id in ids:
        late = db.session.scalars(db.select(Task).where(
            Task.instance_id == instance_id, Task.node_id == "late")).all()
        assert len(late) == 1, f"instance {instance_id}: {len(late)} late tasks"
        review = db.session.scalar(db.select(Task).where(
            Task.instance_id == instance_id, Task.node_id == "review"))
        assert review.status == "cancelled"
        fired = db.session.scalars(db.select(InstanceEvent).where(
            InstanceEvent.instance_id == instance_id, InstanceEvent.type == "event")).all()
        assert [e.data["data"]["type"] for e in fired].count("timer_fired") == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Timer)
                             .where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))) == 0
    statuses = set(db.session.scalars(db.select(FlowInstance.status)))
    assert statuses == {"waiting"}


def test_c06_deadline_passing_while_workers_are_down_fires_once_on_restart(cases, run_worker):
    time.sleep(1.5)  # every worker is down while the deadlines pass
    run_worker()  # restart: sweeps, then works; the queued wake-ups run too
    run_worker()  # and again: nothing may fire twice
    _assert_each_timeout_ran_once(cases)


def test_c04_redis_restarted_empty_loses_no_timer(cases, run_worker, redis_url):
    redis.Redis.from_url(redis_url).flushdb()  # every queued and scheduled wake-up is gone
    time.sleep(1.5)
    run_worker()
    run_worker()
    _assert_each_timeout_ran_once(cases)
