"""Admin > Connectors: RBAC, escaping, redacted credentials, settings, test connection."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import ConnectorCredential, Definition
from app.services import credentials, definitions
from tests.factories import csrf_token, login, make_user
from tests.http_recorder import recording_server

SECRET = "sk_live_51Hx9fGZadmin_page_secret"
XSS_TITLE = 'Carrier <script>alert("t")</script>'
XSS_HOOK = '"><img src=x onerror=alert(1)>'


def body(url: str) -> dict:
    return {
        "type": "carrier", "base_url": url,
        "auth": {"type": "bearer", "credential": "api_key"},
        "retry": {"max_attempts": 1},
        "actions": {
            "ping": {"method": "GET", "path": "/ping", "response": {"map": {"ok": "body.ok"}}},
            "label": {"method": "POST", "path": "/labels"},
        },
        "webhooks": {"tracking": {
            "title": XSS_HOOK,
            "signature": {"header": "X-Signature", "timestamp_header": "X-Timestamp"},
            "event_id": "/id", "message": "carrier_tracking", "correlation": "/rma"}},
    }


@pytest.fixture
def carrier(app):
    app.config["CONNECTOR_ALLOWLIST"] = ["127.0.0.1"]
    with recording_server() as server:
        definitions.save_draft("connector", "carrier.x", XSS_TITLE, body(server.url))
        definitions.publish("connector", "carrier.x")
        credentials.set_secret("carrier.x", "api_key", SECRET, server.url)
        db.session.commit()
        yield server


def signed_in(client, *roles):
    user = make_user(*roles)
    login(client, user)
    return user


def post(client, path, data):
    token = csrf_token(client, "/admin/connectors/carrier.x")
    return client.post(path, data={**data, "csrf_token": token})


@pytest.mark.parametrize("role", ["admin", "builder"])
def test_pages_render_for_admins_and_builders(client, carrier, role):
    signed_in(client, role)
    listing = client.get("/admin/connectors/")
    assert listing.status_code == 200
    assert "carrier.x" in listing.get_data(as_text=True)
    page = client.get("/admin/connectors/carrier.x")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Test connection" in html and "/hooks/carrier.x/tracking" in html


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_other_roles_are_refused(client, carrier, role):
    signed_in(client, role)
    assert client.get("/admin/connectors/").status_code == 403
    assert client.get("/admin/connectors/carrier.x").status_code == 403


@pytest.mark.parametrize("suffix", ["", "?/hooks/x", "/%2e%2e/"])
def test_anonymous_callers_are_sent_to_sign_in(client, carrier, suffix):
    answer = client.get("/admin/connectors/carrier.x" + suffix)
    assert answer.status_code in (302, 401)
    assert SECRET[-6:] not in answer.get_data(as_text=True)


def test_names_and_labels_are_escaped(client, carrier):
    signed_in(client, "admin")
    for path in ("/admin/connectors/", "/admin/connectors/carrier.x"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_credentials_are_shown_only_redacted(client, carrier):
    signed_in(client, "admin")
    html = client.get("/admin/connectors/carrier.x").get_data(as_text=True)
    assert SECRET not in html and SECRET[:8] not in html
    assert "••••••" in html
    assert "webhook_secret" in html and "not set" in html


def test_an_admin_saves_a_credential_encrypted(client, carrier):
    signed_in(client, "admin")
    answer = post(client, "/admin/connectors/carrier.x/credentials",
                  {"name": "webhook_secret", "value": "whsec_new_value_0042"})
    assert answer.status_code == 302
    raw = db.session.execute(db.select(ConnectorCredential.ciphertext).where(
        ConnectorCredential.name == "webhook_secret")).scalar()
    assert b"whsec_new_value_0042" not in bytes(raw)
    html = client.get("/admin/connectors/carrier.x").get_data(as_text=True)
    assert "whsec_new_value_0042" not in html and "••••••42" in html


def test_a_builder_cannot_enter_credentials(client, carrier):
    signed_in(client, "builder")
    answer = post(client, "/admin/connectors/carrier.x/credentials",
                  {"name": "api_key", "value": "stolen"})
    assert answer.status_code == 403


def test_changing_the_base_url_clears_the_secret(client, carrier):
    signed_in(client, "builder")
    answer = post(client, "/admin/connectors/carrier.x/base-url",
                  {"base_url": "https://carrier.example.com"})
    assert answer.status_code == 302
    html = client.get("/admin/connectors/carrier.x").get_data(as_text=True)
    assert "version 2 published" in html and "1 stored secret(s) cleared" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(ConnectorCredential)) == 0


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_staff_and_managers_cannot_change_the_base_url(client, carrier, role):
    signed_in(client, role)
    token = csrf_token(client, "/admin/tokens")
    answer = client.post("/admin/connectors/carrier.x/base-url",
                         data={"base_url": "https://evil.example.com", "csrf_token": token})
    assert answer.status_code == 403
    assert db.session.scalar(db.select(db.func.max(Definition.version))) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(ConnectorCredential)) == 1


def test_a_post_without_csrf_token_is_refused(client, carrier):
    signed_in(client, "admin")
    answer = client.post("/admin/connectors/carrier.x/base-url",
                         data={"base_url": "https://carrier.example.com"})
    assert answer.status_code == 400
    assert db.session.scalar(db.select(db.func.max(Definition.version))) == 1


def test_a_bad_base_url_is_a_clear_message(client, carrier):
    signed_in(client, "admin")
    post(client, "/admin/connectors/carrier.x/base-url", {"base_url": "javascript:alert(1)"})
    html = client.get("/admin/connectors/carrier.x").get_data(as_text=True)
    assert "must be an http:// or https:// URL" in html


def test_test_connection_reaches_the_server(client, carrier):
    signed_in(client, "builder")
    answer = post(client, "/admin/connectors/carrier.x/test", {"action": "ping", "inputs": "{}"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert re.search(r"Connected: ping answered 200 in \d+ ms", html)
    assert carrier.calls[0]["authorization"] == f"Bearer {SECRET}"
    assert SECRET not in html
    assert "ok" in html  # the recent calls table shows the call


def test_test_connection_explains_an_ssrf_refusal(client, carrier, app):
    app.config["CONNECTOR_ALLOWLIST"] = []
    signed_in(client, "builder")
    html = post(client, "/admin/connectors/carrier.x/test",
                {"action": "ping", "inputs": "{}"}).get_data(as_text=True)
    assert "The test failed: target refused" in html
    assert "SSRF guard" in html and "FORMLOOM_CONNECTOR_ALLOWLIST" in html
    assert carrier.calls == []


def test_test_connection_refuses_writing_actions_and_bad_inputs(client, carrier):
    signed_in(client, "builder")
    html = post(client, "/admin/connectors/carrier.x/test",
                {"action": "label", "inputs": "{}"}).get_data(as_text=True)
    assert "no read-only action" in html
    bad = post(client, "/admin/connectors/carrier.x/test", {"action": "ping", "inputs": "[1"})
    assert bad.status_code == 422 and "JSON object" in bad.get_data(as_text=True)
    assert carrier.calls == []


def test_unknown_connector_is_404(client, carrier):
    signed_in(client, "admin")
    assert client.get("/admin/connectors/nope").status_code == 404


def test_incidents_of_this_connector_are_listed_with_retry(client, carrier):
    from app.flows import service
    from app.jobs import get_dispatcher

    flow = {"nodes": [{"id": "start", "type": "start"},
                      {"id": "track", "type": "service",
                       "config": {"connector": "carrier.x", "action": "ping"}},
                      {"id": "done", "type": "end"}],
            "edges": [{"from": "start", "to": "track"}, {"from": "track", "to": "done"}]}
    definitions.save_draft("flow", "carrier.flow", "Track", flow)
    definitions.publish("flow", "carrier.flow")
    carrier.failures = [503]
    service.start("carrier.flow", {})
    db.session.commit()
    assert get_dispatcher().wait_idle(20)
    signed_in(client, "admin")
    html = client.get("/admin/connectors/carrier.x").get_data(as_text=True)
    assert "No open incidents" not in html
    assert "at track" in html and "Retry</button>" in html
    assert re.search(r"<td>flow <span class=\"muted\">track</span></td>", html)
    carrier.failures = []
    incident_id = re.search(r"/admin/incidents/(\d+)/retry", html).group(1)
    token = csrf_token(client, "/admin/connectors/carrier.x")
    retried = client.post(f"/admin/incidents/{incident_id}/retry", data={"csrf_token": token})
    assert retried.status_code == 302
    assert get_dispatcher().wait_idle(20)
    html = client.get("/admin/connectors/carrier.x").get_data(as_text=True)
    assert "No open incidents for this connector" in html


def test_a_published_connector_that_no_longer_compiles_is_listed_not_a_500(client, carrier):
    row = db.session.scalar(db.select(Definition).where(Definition.key == "carrier.x"))
    broken = dict(row.body)
    broken["actions"] = {}
    db.session.execute(db.update(Definition).where(Definition.id == row.id)
                       .values(body=broken))  # as if the meta-schema had grown stricter
    db.session.commit()
    from app.flows import connector_calls

    connector_calls._specs.clear()
    signed_in(client, "admin")
    answer = client.get("/admin/connectors/")
    assert answer.status_code == 200
    assert "invalid definition" in answer.get_data(as_text=True)


def test_builders_find_the_connectors_page_in_the_main_navigation(client, carrier):
    signed_in(client, "builder")
    html = client.get("/admin/connectors/").get_data(as_text=True)
    assert '<a href="/admin/connectors/">Connectors</a>' in html
