"""A flow's service node refunds through the outbox against the sandbox over real HTTP:
the success maps outputs; a declined refund follows the error edge; one refund per key."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.flows import service
from app.jobs import get_dispatcher
from app.sandbox.install import install_connectors
from app.sandbox.store import DatabaseStore
from connectors.sandbox import seed, set_mode

PI = seed.payment_intent_id("SO-FR-10877")  # 129.00 EUR

FLOW = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "refund", "type": "service", "config": {
            "connector": "payment", "action": "create_refund",
            "input": {"payment_intent": "payment_intent", "amount": "amount",
                      "currency": {"value": "EUR"}, "rma_number": "rma"},
            "output": {"refund.id": "refund_id", "refund.status": "status"}}},
        {"id": "done", "type": "end"},
        {"id": "declined", "type": "end", "config": {"status": "rejected"}},
    ],
    "edges": [{"from": "start", "to": "refund"}, {"from": "refund", "to": "done"},
              {"from": "refund", "to": "declined", "on": "error"}],
}


@pytest.fixture
def refund_flow(served):
    from app.services import definitions

    install_connectors()
    definitions.save_draft("flow", "sandbox.refund", "Refund", FLOW)
    definitions.publish("flow", "sandbox.refund")
    db.session.commit()


def _run(amount: int):
    instance = service.start("sandbox.refund", {"payment_intent": PI, "amount": amount,
                                                "rma": "RMA-2026-00900"})
    db.session.commit()
    assert get_dispatcher().wait_idle(30)
    db.session.expire_all()
    return instance


def test_the_service_node_refunds_and_maps_outputs(refund_flow):
    instance = _run(4500)
    assert instance.status == "completed", instance.status
    assert instance.variables["refund"]["id"].startswith("re_3")
    assert instance.variables["refund"]["status"] == "succeeded"
    refunds = DatabaseStore().list("payment.refund")
    assert [(r["amount"], r["metadata"]) for r in refunds] == [
        (4500, {"rma_number": "RMA-2026-00900"})]


def test_a_declined_refund_follows_the_error_edge(refund_flow):
    set_mode(DatabaseStore(), "payment", "decline", remaining=1)
    instance = _run(4500)
    assert instance.status == "rejected", instance.status
    assert "refund" not in instance.variables
    assert DatabaseStore().list("payment.refund") == []
