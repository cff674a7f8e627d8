"""Service calls leave through the outbox with their idempotency key; exhausted retries
become an incident whose retry re-issues the call under the same key (CHECKLIST 1, 8)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.flows import service
from app.jobs import get_dispatcher
from app.models import FlowInstance, Incident, OutboxEntry
from app.services import definitions, incidents
from runtime.flows import RetriesExhausted, ServiceSucceeded

REFUND = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "refund", "type": "service", "config": {
            "connector": "payment.stripe", "action": "refund",
            "input": {"amount": "amount", "currency": {"value": "EUR"}},
            "output": {"refund.id": "id"}, "on_error": "incident"}},
        {"id": "done", "type": "end"},
    ],
    "edges": [{"from": "start", "to": "refund"}, {"from": "refund", "to": "done"}],
}


@pytest.fixture
def refund_flow(app):
    definitions.save_draft("flow", "refund.only", "Refund", REFUND)
    definitions.publish("flow", "refund.only")
    db.session.commit()


def _started() -> FlowInstance:
    instance = service.start("refund.only", {"amount": "44.95"})
    db.session.commit()
    assert get_dispatcher().wait_idle(10)
    db.session.expire_all()
    return instance


def test_the_call_goes_to_the_outbox_with_its_idempotency_key(refund_flow):
    instance = _started()
    entry = db.session.scalar(db.select(OutboxEntry))
    assert entry.effect == "call_connector"
    assert entry.idempotency_key == f"{instance.public_id}:refund:1"
    assert entry.payload["inputs"] == {"amount": "44.95", "currency": "EUR"}
    # The connector is not published: the case stops visibly, with a retry button.
    incident = db.session.scalar(db.select(Incident))
    assert incident.kind == "flow_incident"
    assert "payment.stripe" in incident.message


def test_a_success_answer_maps_outputs_and_finishes(refund_flow):
    instance = _started()
    service.deliver(instance, ServiceSucceeded(node_id="refund", activation=1,
                                               output={"id": "re_123"}))
    db.session.commit()
    assert instance.status == "completed"
    assert instance.variables["refund"] == {"id": "re_123"}


def test_exhausted_retries_open_an_incident_whose_retry_reissues_the_same_key(refund_flow):
    instance = _started()
    key = f"{instance.public_id}:refund:1"
    service.deliver(instance, RetriesExhausted(node_id="refund", activation=1,
                                               message="503 three times"))
    db.session.commit()
    incident = db.session.scalar(db.select(Incident).where(Incident.kind == "flow_incident"))
    assert incident.status == "open" and incident.instance_id == instance.id
    assert instance.status == "incident"
    incidents.retry(incident.id)
    db.session.commit()
    assert get_dispatcher().wait_idle(10)
    db.session.expire_all()
    entries = db.session.scalars(db.select(OutboxEntry)).all()
    assert [e.idempotency_key for e in entries] == [key]  # one row, re-armed: same key
    assert entries[0].payload["attempt"] == 2
    # The connector is still missing, so the re-issued call stops again: a fresh incident.
    states = db.session.scalars(db.select(Incident.status).where(
        Incident.kind == "flow_incident").order_by(Incident.id)).all()
    assert states == ["resolved", "open"]
