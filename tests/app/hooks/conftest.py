"""A published carrier connector with a signed `tracking` webhook and a flow waiting for it."""

from __future__ import annotations

import json
import time

import pytest

from app.extensions import db
from app.flows import service
from app.jobs import get_dispatcher
from app.models import FlowInstance
from app.services import credentials, definitions
from connectors.spec import SignatureSpec
from connectors.webhooks import signed_headers

WEBHOOK_SECRET = "whsec_5f3b9c0d7e8a1b2c3d4e5f60718293a4"
BASE_URL = "https://carrier.example.com"
CONNECTOR = {
    "type": "carrier",
    "base_url": BASE_URL,
    "auth": {"type": "none"},
    "actions": {"ping": {"method": "GET", "path": "/ping"}},
    "webhooks": {
        "tracking": {
            "signature": {"header": "X-Signature", "timestamp_header": "X-Timestamp",
                          "tolerance_seconds": 300},
            "event_id": "/id",
            "message": "carrier_tracking",
            "correlation": "/data/rma_number",
            "data": {"status": "/data/status", "tracking_number": "/data/tracking_number"},
        }
    },
}
FLOW = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "transit", "type": "wait", "config": {
            "until": "message",
            "message": {"name": "carrier_tracking", "correlate": "rma", "output": "tracking"}}},
        {"id": "done", "type": "end"},
    ],
    "edges": [{"from": "start", "to": "transit"}, {"from": "transit", "to": "done"}],
}
SIGNATURE = SignatureSpec("X-Signature", "X-Timestamp")
URL = "/hooks/carrier.demo/tracking"


@pytest.fixture
def carrier(app):
    definitions.save_draft("connector", "carrier.demo", "Carrier <b>demo</b>", CONNECTOR)
    definitions.publish("connector", "carrier.demo")
    credentials.set_secret("carrier.demo", "webhook_secret", WEBHOOK_SECRET, BASE_URL)
    definitions.save_draft("flow", "returns.transit", "Transit", FLOW)
    definitions.publish("flow", "returns.transit")
    db.session.commit()
    return app


def event(event_id="evt_1", rma="RMA-000123", status="delivered", **extra) -> bytes:
    data = {"rma_number": rma, "status": status, "tracking_number": "1Z999", **extra}
    return json.dumps({"id": event_id, "type": "tracking.updated", "data": data}).encode()


def post(client, body: bytes, *, secret=WEBHOOK_SECRET, now=None, headers=None, url=URL):
    sent = signed_headers(SIGNATURE, secret, body, now=now if now is not None else time.time())
    sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    return client.post(url, data=body, headers=sent)


def start_waiting(rma="RMA-000123") -> FlowInstance:
    instance = service.start("returns.transit", {"rma": rma})
    db.session.commit()
    return instance


def settle() -> None:
    assert get_dispatcher().wait_idle(20)
    db.session.expire_all()
