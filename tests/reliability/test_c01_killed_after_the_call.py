"""CHECKLIST 1: a worker SIGKILLed after the payment provider accepted the refund, before
the result was recorded. On restart the call is sent again under the same idempotency
key, the provider answers with the refund it already made: exactly one refund."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from app.extensions import db
from app.flows import service
from app.models import FlowInstance, OutboxEntry
from app.services import credentials, definitions
from tests.app.flows.test_service_calls import FLOW, SECRET, _connector
from tests.http_recorder import recording_server


@pytest.fixture
def provider(app, worker_env):
    with recording_server() as server:
        definitions.save_draft("connector", "payment.test", "Payment", _connector(server.url))
        definitions.publish("connector", "payment.test")
        credentials.set_secret("payment.test", "secret_key", SECRET, server.url)
        definitions.save_draft("flow", "refund.flow", "Refund", FLOW)
        definitions.publish("flow", "refund.flow")
        db.session.commit()
        worker_env["FORMLOOM_CONNECTOR_ALLOWLIST"] = json.dumps(["127.0.0.1"])
        yield server


def _descendants(pid: int) -> list[int]:
    """Child processes, recursively (RQ's work horse runs in a session of its own)."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                children += [int(entry), *_descendants(int(entry))]
    return children


def _wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def test_c01_refund_job_killed_after_the_provider_accepted_refunds_once(
    provider, start_worker, run_worker, worker_env
):
    provider.delay = 30  # the provider records the refund, then answers slowly
    instance = service.start("refund.flow", {"amount": "44.95", "currency": "EUR"})
    db.session.commit()
    worker, _log = start_worker()
    _wait_for(lambda: len(provider.calls) == 1)
    for pid in [worker.pid, *_descendants(worker.pid)]:  # worker, work horse, sweeper
        os.kill(pid, signal.SIGKILL)
    worker.wait(10)

    db.session.expire_all()
    assert db.session.get(FlowInstance, instance.id).status == "waiting"
    assert db.session.scalar(db.select(OutboxEntry.status)) == "pending"
    assert len(provider.effects) == 1  # the outside system did act

    provider.delay = 0
    worker_env["FORMLOOM_OUTBOX_REDELIVER_SECONDS"] = "0"
    run_worker()  # restart: the sweep finds the pending row and delivers it again

    db.session.expire_all()
    instance = db.session.get(FlowInstance, instance.id)
    assert instance.status == "completed"
    assert instance.variables["refund"] == {"id": "obj_1"}
    assert len(provider.calls) >= 2
    assert set(provider.keys()) == {f"{instance.public_id}:refund:1"}  # one key throughout
    assert len(provider.effects) == 1  # exactly one refund
