"""One delivery job carries every outbox row a step wrote; rows stay independent."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.flows import outbox
from app.jobs import get_dispatcher
from app.jobs.registry import execute
from app.models import OutboxEntry

DELIVERED: list[str] = []


@pytest.fixture
def kinds():
    def ok(entry: OutboxEntry) -> None:
        DELIVERED.append(entry.idempotency_key)

    def broken(entry: OutboxEntry) -> None:
        raise RuntimeError("the outside system is down")

    outbox.handles("test.ok")(ok)
    outbox.handles("test.broken")(broken)
    DELIVERED.clear()
    yield
    outbox._handlers.pop("test.ok", None)
    outbox._handlers.pop("test.broken", None)


def _rows(*kinds: str) -> list[int]:
    rows = [OutboxEntry(effect=kind, idempotency_key=f"k{i}:{kind}", payload={})
            for i, kind in enumerate(kinds)]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def _statuses(ids: list[int]) -> list[str]:
    db.session.expire_all()
    return [db.session.get(OutboxEntry, i).status for i in ids]


def test_one_job_delivers_every_row_of_a_step(app, kinds):
    ids = _rows("test.ok", "test.ok", "test.ok")
    execute("outbox.deliver", ids)
    assert _statuses(ids) == ["done", "done", "done"]
    execute("outbox.deliver", ids)  # run again (at least once delivery): nothing twice
    assert DELIVERED == ["k0:test.ok", "k1:test.ok", "k2:test.ok"]


def test_a_failing_row_keeps_earlier_deliveries_and_hands_on_the_rest(app, kinds):
    ids = _rows("test.ok", "test.broken", "test.ok")
    with pytest.raises(RuntimeError):
        execute("outbox.deliver", ids)
    assert get_dispatcher().wait_idle(10)  # the rows after the failing one: a job of their own
    assert _statuses(ids) == ["done", "pending", "done"]
    assert DELIVERED == ["k0:test.ok", "k2:test.ok"]


def test_a_single_id_job_from_before_still_works(app, kinds):
    [entry_id] = _rows("test.ok")
    execute("outbox.deliver", [entry_id])
    assert _statuses([entry_id]) == ["done"]
