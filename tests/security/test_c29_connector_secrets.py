"""CHECKLIST 29: connector secrets are encrypted at rest, returned only redacted, and never
appear in logs, job arguments or error messages — across one whole journey: a service
node's call, a failing call, a signed webhook, the admin pages and the API."""

from __future__ import annotations

import json
import logging
import time

import pytest

from app.extensions import db
from app.flows import service
from app.jobs import get_dispatcher
from app.models import Incident, OutboxEntry
from app.models.platform import ConnectorCall, WebhookDelivery
from app.services import credentials, definitions
from connectors.spec import SignatureSpec
from connectors.webhooks import signed_headers
from tests.factories import login, make_api_token, make_user
from tests.http_recorder import recording_server

API_KEY = "sk_live_C29_4f1d2c3b4a5968778695a4b3"
HOOK_SECRET = "whsec_C29_0a1b2c3d4e5f67890"
FLOW = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "label", "type": "service", "config": {
            "connector": "carrier.c29", "action": "label", "input": {"rma": "rma"}}},
        {"id": "transit", "type": "wait", "config": {
            "until": "message", "message": {"name": "parcel_moved", "correlate": "rma"}}},
        {"id": "done", "type": "end"},
    ],
    "edges": [{"from": "start", "to": "label"}, {"from": "label", "to": "transit"},
              {"from": "transit", "to": "done"}],
}


def connector(url: str) -> dict:
    return {
        "type": "carrier", "base_url": url,
        "auth": {"type": "api_key", "in": "header", "name": "X-Api-Key", "credential": "api_key"},
        "retry": {"max_attempts": 2, "initial_seconds": 0.01, "max_seconds": 0.02},
        "actions": {"label": {"method": "POST", "path": "/labels",
                              "input": {"type": "object", "properties": {"rma": {}}},
                              "request": {"body": {"rma": "rma"}}}},
        "webhooks": {"moved": {
            "signature": {"header": "X-Signature", "timestamp_header": "X-Timestamp"},
            "event_id": "/id", "message": "parcel_moved", "correlation": "/rma"}},
    }


@pytest.fixture
def journey(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    app.config["CONNECTOR_ALLOWLIST"] = ["127.0.0.1"]
    jobs = []
    backend = get_dispatcher().backend
    original = backend.submit
    backend.submit = lambda request: (jobs.append(request), original(request))[1]
    try:
        with recording_server() as server:
            definitions.save_draft("connector", "carrier.c29", "Carrier", connector(server.url))
            definitions.publish("connector", "carrier.c29")
            credentials.set_secret("carrier.c29", "api_key", API_KEY, server.url)
            credentials.set_secret("carrier.c29", "webhook_secret", HOOK_SECRET, server.url)
            definitions.save_draft("flow", "c29.flow", "C29", FLOW)
            definitions.publish("flow", "c29.flow")
            db.session.commit()
            service.start("c29.flow", {"rma": "RMA-1"})  # succeeds
            db.session.commit()
            assert get_dispatcher().wait_idle(20)
            server.failures = [500, 500]
            service.start("c29.flow", {"rma": "RMA-2"})  # fails into an incident
            db.session.commit()
            assert get_dispatcher().wait_idle(20)
            body = json.dumps({"id": "e1", "rma": "RMA-1"}).encode()
            headers = signed_headers(SignatureSpec("X-Signature", "X-Timestamp"), HOOK_SECRET,
                                     body, now=time.time())
            assert client.post("/hooks/carrier.c29/moved", data=body,
                               headers=headers).status_code == 202
            assert client.post("/hooks/carrier.c29/moved", data=body,
                               headers={**headers, "X-Signature": "0" * 64}).status_code == 401
            assert get_dispatcher().wait_idle(20)
            assert server.calls[0]["body"] == {"rma": "RMA-1"}
            yield {"jobs": jobs, "logs": caplog, "server": server}
    finally:
        backend.submit = original


def leaks(text: str) -> list[str]:
    return [s for s in (API_KEY, HOOK_SECRET, API_KEY[-12:], HOOK_SECRET[-12:]) if s in text]


def test_the_journey_really_called_out_and_failed_once(journey):
    assert db.session.scalar(db.select(db.func.count()).select_from(Incident)) == 1
    statuses = sorted(db.session.scalars(db.select(ConnectorCall.status)))
    assert statuses == ["failed", "ok"]
    assert sorted(db.session.scalars(db.select(WebhookDelivery.status))) == ["delivered",
                                                                             "refused"]


def test_secrets_never_reach_the_logs(journey):
    records = journey["logs"].get_records("setup")  # the journey runs in the fixture
    text = "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in records)
    assert "connector=carrier.c29" in text and "webhook refused" in text  # logs were captured
    assert "request_headers" in text and "X-Api-Key" in text  # headers logged, redacted
    assert leaks(text) == []


def test_secrets_never_reach_job_arguments(journey):
    assert journey["jobs"], "the journey enqueued jobs"
    for request in journey["jobs"]:
        assert leaks(json.dumps([request.name, list(request.args)])) == []
        assert all(isinstance(a, int | str) for a in request.args)


def test_secrets_never_reach_stored_rows(journey):
    rows = [
        *(json.dumps(e.payload) for e in db.session.scalars(db.select(OutboxEntry))),
        *(f"{i.message} {json.dumps(i.details)}" for i in db.session.scalars(db.select(Incident))),
        *(f"{c.error}" for c in db.session.scalars(db.select(ConnectorCall))),
        *(f"{d.error} {json.dumps(d.payload)}" for d in db.session.scalars(
            db.select(WebhookDelivery))),
    ]
    assert leaks("\n".join(rows)) == []


def test_the_database_holds_only_ciphertext(journey):
    for (raw,) in db.session.execute(db.text("SELECT ciphertext FROM connector_credentials")):
        assert API_KEY.encode() not in bytes(raw) and HOOK_SECRET.encode() not in bytes(raw)


def test_pages_and_api_answers_show_only_redacted_values(journey, client):
    admin = make_user("admin")
    token = make_api_token(admin)
    api = client.get("/api/v1/definitions/connector/carrier.c29",
                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and leaks(api.get_data(as_text=True)) == []
    login(client, admin)
    for path in ("/admin/connectors/", "/admin/connectors/carrier.c29", "/admin/incidents",
                 "/admin/audit"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert leaks(answer.get_data(as_text=True)) == [], path
    assert "••••••" in client.get("/admin/connectors/carrier.c29").get_data(as_text=True)
