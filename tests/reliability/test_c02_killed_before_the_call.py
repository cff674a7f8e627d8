"""CHECKLIST 2: a refund job lost before the payment call (its worker SIGKILLed after
taking it from the queue, or Redis losing it) runs again within a bounded time, and the
provider sees one refund.

The queued job is only a wake-up; the outbox row is the source of truth. Here the job is
taken out of the queue before any worker runs it, which is what a worker killed between
dequeuing and calling leaves behind (the job gone from the queue, the row `pending`).
A restarted worker's sweeper re-sends the row once it is `OUTBOX_REDELIVER_SECONDS` old.
"""

from __future__ import annotations

import time

from redis import Redis
from rq import Queue

from app.extensions import db
from app.flows import service
from app.models import FlowInstance, OutboxEntry
from tests.reliability.test_c01_killed_after_the_call import provider  # noqa: F401  (fixture)

REDELIVER_SECONDS = 2


def test_c02_refund_job_lost_before_the_call_runs_again_once(
    provider, run_worker, worker_env, redis_url, rq_queue  # noqa: F811
):
    instance = service.start("refund.flow", {"amount": "19.90", "currency": "EUR"})
    db.session.commit()
    queue = Queue(rq_queue, connection=Redis.from_url(redis_url))
    assert queue.count >= 1  # the delivery job was enqueued after the commit
    queue.empty()  # lost with the killed worker, before the call
    started = time.monotonic()

    worker_env["FORMLOOM_OUTBOX_REDELIVER_SECONDS"] = str(REDELIVER_SECONDS)
    run_worker()  # too early: the row is younger than the redelivery delay
    db.session.expire_all()
    if time.monotonic() - started < REDELIVER_SECONDS:
        assert provider.calls == []
        assert db.session.scalar(db.select(OutboxEntry.status)) == "pending"

    time.sleep(max(0.0, REDELIVER_SECONDS + 0.5 - (time.monotonic() - started)))
    run_worker()  # the restarted worker's sweep re-sends it
    elapsed = time.monotonic() - started

    db.session.expire_all()
    instance = db.session.get(FlowInstance, instance.id)
    assert instance.status == "completed"
    assert len(provider.calls) == 1 and len(provider.effects) == 1  # one call, one refund
    assert set(provider.keys()) == {f"{instance.public_id}:refund:1"}
    assert elapsed < REDELIVER_SECONDS + 60  # bounded: the delay plus one worker start
