"""The webhook contract from the sender's side: a delivery signed by the sandbox
simulators' own code (connectors.sandbox.base) is accepted and advances the case."""

from __future__ import annotations

from app.extensions import db
from app.models import FlowInstance
from connectors.sandbox.base import SandboxSettings
from tests.app.hooks.conftest import WEBHOOK_SECRET, settle, start_waiting


def test_a_sandbox_signed_tracking_webhook_is_accepted(client, carrier):
    instance = start_waiting(rma="RMA-000777")
    sandbox = SandboxSettings(root_secret="r" * 32, webhook_secret=WEBHOOK_SECRET,
                              callback_base_url="http://formloom.test",
                              connector_keys={"carrier": "carrier.demo"})
    outgoing = sandbox.webhook("carrier", "tracking", {
        "id": "evt_sbx_1", "type": "tracking.updated",
        "data": {"tracking_number": "SBX123", "rma_number": "RMA-000777",
                 "status": "delivered"}})
    path = outgoing.url.removeprefix("http://formloom.test")
    assert path == "/hooks/carrier.demo/tracking"
    answer = client.post(path, data=outgoing.body, headers=dict(outgoing.headers))
    assert answer.status_code == 202, answer.json
    settle()
    case = db.session.get(FlowInstance, instance.id)
    assert case.status == "completed"
    assert case.variables["tracking"]["tracking_number"] == "SBX123"
