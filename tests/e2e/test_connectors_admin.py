"""An admin checks a connector: tests the connection, enters a secret, sees a webhook."""

from __future__ import annotations

import json
import time
from http.client import HTTPConnection
from pathlib import Path

from app.extensions import db
from app.services import credentials, definitions
from connectors.spec import SignatureSpec
from connectors.webhooks import signed_headers
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.http_recorder import recording_server

ARTIFACTS = Path(__file__).parent / "artifacts"
API_KEY = "sk_live_e2e_0123456789abcdef"
HOOK_SECRET = "whsec_e2e_9876543210"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def connector(url: str) -> dict:
    return {
        "type": "carrier", "base_url": url,
        "auth": {"type": "bearer", "credential": "api_key"},
        "actions": {"tracking": {"method": "GET", "path": "/tracking",
                                 "response": {"map": {"ok": "body.ok"}}}},
        "webhooks": {"tracking": {
            "title": "Tracking events",
            "signature": {"header": "X-Signature", "timestamp_header": "X-Timestamp"},
            "event_id": "/id", "message": "carrier_tracking",
            "correlation": "/data/rma_number", "data": {"status": "/data/status"}}},
    }


def test_admin_tests_a_connector_and_sees_its_webhooks(live_app, page):
    base, app = live_app
    app.config["CONNECTOR_ALLOWLIST"] = ["127.0.0.1"]
    with recording_server() as server, app.app_context():
        definitions.save_draft("connector", "carrier.demo", "Demo carrier <b>EU</b>",
                               connector(server.url))
        definitions.publish("connector", "carrier.demo")
        credentials.set_secret("carrier.demo", "api_key", API_KEY, server.url)
        admin = make_user("admin", email="ada@example.test", name="Ada Admin")
        db.session.commit()
        email = admin.email

        page.goto(base + "/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(base + "/admin/")
        page.get_by_role("link", name="Connectors").click()
        page.wait_for_url("**/admin/connectors/")
        assert page.get_by_text("needs credentials").is_visible()
        shot(page, "admin-connectors")
        page.get_by_role("link", name="Demo carrier <b>EU</b>").click()

        page.get_by_role("button", name="Test connection").click()
        assert page.get_by_text("Connected: tracking answered 200").is_visible()
        assert server.calls[0]["authorization"] == f"Bearer {API_KEY}"
        shot(page, "admin-connector-test")

        page.get_by_label("Credential", exact=True).select_option("webhook_secret")
        page.get_by_label("Secret", exact=True).fill(HOOK_SECRET)
        page.get_by_role("button", name="Save credential").click()
        assert page.get_by_text("Credential webhook_secret saved.").is_visible()
        assert HOOK_SECRET not in page.content() and API_KEY not in page.content()

        body = json.dumps({"id": "evt_77", "data": {"rma_number": "RMA-77",
                                                    "status": "in_transit"}}).encode()
        headers = signed_headers(SignatureSpec("X-Signature", "X-Timestamp"), HOOK_SECRET,
                                 body, now=time.time())
        sender = HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=10)
        sender.request("POST", "/hooks/carrier.demo/tracking", body=body,
                       headers={**headers, "Content-Type": "application/json"})
        assert sender.getresponse().status == 202
        sender.close()
        time.sleep(0.5)
        page.reload()
        assert page.get_by_role("cell", name="RMA-77", exact=True).is_visible()
        assert page.get_by_text("unmatched", exact=True).is_visible()
        assert page.get_by_role("button", name="Deliver again").is_visible()
        shot(page, "admin-connector")
