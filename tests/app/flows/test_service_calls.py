"""Service nodes call a real HTTP server through the guarded transport (CHECKLIST 1, 8, 29).

The recording server keeps one effect per Idempotency-Key, as a payment provider does,
so "exactly one refund" is checked where it matters: on the outside system.
"""

from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.flows import service
from app.jobs import get_dispatcher
from app.models import AuditEntry, FlowInstance, Incident, InstanceEvent, OutboxEntry
from app.services import credentials, definitions, incidents
from tests.http_recorder import recording_server

SECRET = "sk_test_live_looking_secret_value_42"
FLOW = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "refund", "type": "service", "config": {
            "connector": "payment.test", "action": "refund",
            "input": {"amount": "amount", "currency": "currency"},
            "output": {"refund.id": "id"}, "error_output": "refund_error"}},
        {"id": "done", "type": "end"},
        {"id": "declined", "type": "end", "config": {"status": "rejected"}},
    ],
    "edges": [{"from": "start", "to": "refund"}, {"from": "refund", "to": "done"},
              {"from": "refund", "to": "declined", "on": "error"}],
}


def _connector(url: str) -> dict:
    return {
        "type": "payment", "base_url": url,
        "auth": {"type": "bearer", "credential": "secret_key"},
        "retry": {"max_attempts": 3, "backoff": "exponential", "initial_seconds": 0.01,
                  "max_seconds": 0.05},
        "actions": {"refund": {
            "method": "POST", "path": "/v1/refunds",
            "input": {"type": "object", "required": ["amount", "currency"],
                      "properties": {"amount": {"type": "string"},
                                     "currency": {"type": "string"}}},
            "request": {"body": {"amount": "amount", "currency": "currency"}},
            "response": {"map": {"id": "body.id"}},
            "expected_status": [200],
        }},
    }


@pytest.fixture
def payment(app):
    app.config["CONNECTOR_ALLOWLIST"] = ["127.0.0.1"]
    with recording_server() as server:
        definitions.save_draft("connector", "payment.test", "Payment", _connector(server.url))
        definitions.publish("connector", "payment.test")
        credentials.set_secret("payment.test", "secret_key", SECRET, server.url)
        definitions.save_draft("flow", "refund.flow", "Refund", FLOW)
        definitions.publish("flow", "refund.flow")
        db.session.commit()
        yield server


def _run(amount: str = "44.95") -> FlowInstance:
    instance = service.start("refund.flow", {"amount": amount, "currency": "EUR"})
    db.session.commit()
    assert get_dispatcher().wait_idle(20)
    db.session.expire_all()
    return db.session.get(FlowInstance, instance.id)


def test_a_refund_is_sent_once_with_the_effects_idempotency_key(payment):
    instance = _run()
    assert instance.status == "completed"
    assert instance.variables["refund"] == {"id": "obj_1"}
    [call] = payment.calls
    assert call["idempotency_key"] == f"{instance.public_id}:refund:1"
    assert call["body"] == {"amount": "44.95", "currency": "EUR"}
    assert call["authorization"] == f"Bearer {SECRET}"


def test_server_errors_are_retried_under_one_key_and_act_once(payment):
    payment.failures = [503, 503]
    instance = _run()
    assert instance.status == "completed"
    assert len(set(payment.keys())) == 1 and len(payment.calls) == 3
    assert len(payment.effects) == 1


def test_a_4xx_follows_the_error_edge_without_retry(payment):
    payment.failures = [402]
    instance = _run()
    assert instance.status == "rejected"
    assert len(payment.calls) == 1
    assert "402" in json.dumps(instance.variables["refund_error"])


def test_exhausted_retries_become_an_incident_and_the_retry_acts_once(payment):
    payment.failures = [503, 503, 503]
    instance = _run()
    assert instance.status == "incident"
    incident = db.session.scalar(db.select(Incident).where(Incident.kind == "flow_incident"))
    assert "503" in incident.message
    incidents.retry(incident.id)
    db.session.commit()
    assert get_dispatcher().wait_idle(20)
    db.session.expire_all()
    assert db.session.get(FlowInstance, instance.id).status == "completed"
    assert set(payment.keys()) == {f"{instance.public_id}:refund:1"}
    assert len(payment.effects) == 1


def test_a_private_target_is_refused_unless_allowlisted(app, payment):
    app.config["CONNECTOR_ALLOWLIST"] = []
    instance = _run()
    assert instance.status == "incident"
    assert payment.calls == []
    incident = db.session.scalar(db.select(Incident).where(Incident.kind == "flow_incident"))
    assert "127.0.0.1" in incident.message or "loopback" in incident.message


def test_the_secret_is_sent_but_never_stored_in_clear(payment):
    instance = _run()
    assert instance.status == "completed"
    stored = json.dumps([
        [e.payload for e in db.session.scalars(db.select(OutboxEntry))],
        [e.data for e in db.session.scalars(db.select(InstanceEvent))],
        [a.details for a in db.session.scalars(db.select(AuditEntry))],
        [i.message for i in db.session.scalars(db.select(Incident))],
        instance.state,
    ])
    assert SECRET not in stored
