"""End to end in the app: installed connectors call the sandbox over HTTP, and the sandbox's
signed webhooks arrive at the app's own /hooks endpoint and are accepted."""

from __future__ import annotations

import base64

from app.extensions import db
from app.flows.connector_calls import allowlist, connector_spec
from app.models.platform import WebhookDelivery
from app.sandbox.install import install_connectors
from app.services import credentials
from connectors import Transport, call_action
from tests.factories import make_api_token, make_user

SHIPPER = {"name": "Chloe Nguyen", "line1": "88 George St", "city": "Sydney",
           "postal_code": "2000", "country": "AU"}
CUSTOMS = {"contents_type": "returned_goods", "currency": "AUD", "reason_for_return": "Too small",
           "items": [{"description": "Smartwatch, 40 mm", "hs_code": "8517.62", "quantity": 1,
                      "value": "399.00", "weight_kg": "0.120", "origin_country": "CN"}]}


def _call(connector, action, inputs, key):
    spec = connector_spec(connector)
    secrets = {n: credentials.get_secret(connector, n, spec.base_url)
               for n in spec.auth.credentials}
    return call_action(spec, action, inputs, idempotency_key=key, secrets=secrets,
                       transport=Transport(), allowlist=allowlist())


def test_label_then_signed_tracking_and_receipt_webhooks_reach_the_app(served, client):
    base, _app = served
    install_connectors()
    label = _call("carrier", "create_return_label", {
        "rma_number": "RMA-2026-00777", "warehouse": "CN-SHA", "shipper": SHIPPER,
        "weight_kg": "0.300", "customs": CUSTOMS}, "lbl").outputs
    assert base64.b64decode(label["label_pdf_base64"]).startswith(b"%PDF-")
    asn = _call("wms", "create_asn", {"rma_number": "RMA-2026-00777", "warehouse": "CN-SHA",
                                      "items": [{"sku": "SW-SMT-40", "quantity": 1}]},
                "asn").outputs
    auth = {"Authorization": f"Bearer {make_api_token(make_user('admin'))}"}
    tracked = client.post("/sandbox/_control/carrier/tracking", headers=auth, json={
        "tracking_number": label["tracking_number"], "status": "in_transit"})
    assert tracked.status_code == 200, tracked.json
    assert tracked.json["webhook"]["url"] == f"{base}/hooks/carrier/tracking"
    assert 200 <= tracked.json["webhook"]["status"] < 300, tracked.json
    received = client.post("/sandbox/_control/wms/receipt", headers=auth,
                           json={"asn_id": asn["asn_id"]})
    assert 200 <= received.json["webhook"]["status"] < 300, received.json
    assert received.json["discrepancy"] is False
    db.session.expire_all()
    rows = db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [(r.connector_key, r.webhook, r.correlation) for r in rows] == [
        ("carrier", "tracking", "RMA-2026-00777"), ("wms", "receipt", "RMA-2026-00777")]
    assert all(r.status != "refused" for r in rows)


def test_unknown_controls_and_bad_payloads_are_clear_4xx(client):
    auth = {"Authorization": f"Bearer {make_api_token(make_user('admin'))}"}
    assert client.post("/sandbox/_control/carrier/explode", headers=auth).status_code == 404
    answer = client.post("/sandbox/_control/carrier/tracking", headers=auth,
                         json={"tracking_number": "RR000000000XX", "status": "in_transit"})
    assert answer.status_code == 400 and "no shipment" in answer.json["error"]["message"]
    answer = client.post("/sandbox/_control/wms/receipt", headers=auth, json={"asn_id": "x"})
    assert answer.status_code == 400
