"""app.services.connectors: synchronous calls, the call log, test connection, base URL.

Calls go to a real loopback HTTP server through the guarded transport; the call log is
read back from the database (CHECKLIST 16, 29).
"""

from __future__ import annotations

import logging

import pytest

from app.extensions import db
from app.models import ConnectorCredential, Definition
from app.models.platform import ConnectorCall
from app.services import call_log, connectors, credentials, definitions
from connectors.exceptions import ConnectorMisconfigured, ServerFailed, TargetRefused
from runtime.exceptions import Conflict, PermissionDenied, ValidationFailed
from tests.factories import make_user
from tests.http_recorder import recording_server

SECRET = "erp_key_9d8c7b6a5f4e3d2c1b0a"


def erp_body(url: str) -> dict:
    return {
        "type": "erp", "base_url": url,
        "auth": {"type": "bearer", "credential": "api_key"},
        "retry": {"max_attempts": 2, "initial_seconds": 0.01, "max_seconds": 0.02},
        "actions": {
            "ping": {"method": "GET", "path": "/ping", "response": {"map": {"ok": "body.ok"}}},
            "credit_note": {"method": "POST", "path": "/credit-notes",
                            "request": {"body": {"amount": "amount"}}},
        },
    }


@pytest.fixture
def erp(app):
    app.config["CONNECTOR_ALLOWLIST"] = ["127.0.0.1"]
    with recording_server() as server:
        definitions.save_draft("connector", "erp.test", "ERP", erp_body(server.url))
        definitions.publish("connector", "erp.test")
        credentials.set_secret("erp.test", "api_key", SECRET, server.url)
        db.session.commit()
        yield server


def calls() -> list[ConnectorCall]:
    return list(db.session.scalars(db.select(ConnectorCall).order_by(ConnectorCall.id)))


def test_a_call_returns_outputs_and_is_logged(erp):
    result = connectors.call("erp.test", "ping", {}, source="portal")
    assert result.outputs == {"ok": True}
    assert erp.calls[0]["authorization"] == f"Bearer {SECRET}"
    assert erp.calls[0]["idempotency_key"] == ""  # a lookup sends no key
    [row] = calls()
    assert (row.connector_key, row.action, row.status, row.http_status, row.source) == (
        "erp.test", "ping", "ok", 200, "portal")
    assert row.attempts == 1 and row.duration_ms >= 0 and row.error is None


def test_an_idempotency_key_is_sent_when_given(erp):
    connectors.call("erp.test", "credit_note", {"amount": 5}, idempotency_key="case-1:cn")
    assert erp.calls[0]["idempotency_key"] == "case-1:cn"


def test_a_failing_call_is_logged_with_attempts_and_error(erp):
    erp.failures = [503, 503]
    with pytest.raises(ServerFailed):
        connectors.call("erp.test", "ping", {})
    [row] = calls()
    assert (row.status, row.http_status, row.attempts) == ("failed", 503, 2)
    assert "503" in row.error


def test_a_refused_target_is_logged_as_refused(erp, app):
    app.config["CONNECTOR_ALLOWLIST"] = []
    with pytest.raises(TargetRefused) as info:
        connectors.call("erp.test", "ping", {})
    assert "allowlist" in str(info.value)
    assert calls()[0].status == "refused"


def test_unknown_connector_and_missing_credential_are_connector_errors(erp):
    with pytest.raises(ConnectorMisconfigured):
        connectors.call("nope", "ping", {})
    credentials.base_url_changed("erp.test", "https://other.example.com")
    with pytest.raises(ConnectorMisconfigured) as info:
        connectors.call("erp.test", "ping", {})
    assert "api_key" in str(info.value) and SECRET not in str(info.value)
    [row] = calls()
    assert (row.status, row.attempts) == ("misconfigured", 0) and "api_key" in row.error


def test_test_connection_uses_only_read_only_actions(erp):
    assert connectors.test_connection("erp.test", "ping", {}).status == 200
    with pytest.raises(ConnectorMisconfigured):
        connectors.test_connection("erp.test", "credit_note", {"amount": 1})
    assert [c["path"] for c in erp.calls] == ["/ping"]
    assert calls()[0].source == "test"


def test_the_secret_never_reaches_logs_or_the_call_log(erp, caplog):
    caplog.set_level(logging.DEBUG)
    connectors.call("erp.test", "ping", {})
    erp.failures = [500, 500]
    with pytest.raises(ServerFailed):
        connectors.call("erp.test", "ping", {})
    db.session.commit()
    assert "connector=erp.test" in caplog.text and "status=500" in caplog.text  # captured
    assert SECRET not in caplog.text
    assert all(SECRET not in (row.error or "") for row in calls())
    raw = db.session.execute(db.text("SELECT ciphertext FROM connector_credentials")).scalar()
    assert SECRET.encode() not in bytes(raw)


def test_scrub_removes_secret_values():
    assert call_log.scrub("failed with key abcd1234", ["abcd1234"]) == "failed with key [redacted]"


def test_the_call_log_is_bounded(erp):
    for _ in range(5):
        connectors.call("erp.test", "ping", {})
    assert call_log.prune(max_rows=2) == 3
    assert len(calls()) == 2


def test_service_node_calls_are_logged_with_their_case(erp):
    from app.flows import service
    from app.jobs import get_dispatcher

    flow = {"nodes": [{"id": "start", "type": "start"},
                      {"id": "check", "type": "service",
                       "config": {"connector": "erp.test", "action": "ping"}},
                      {"id": "done", "type": "end"}],
            "edges": [{"from": "start", "to": "check"}, {"from": "check", "to": "done"}]}
    definitions.save_draft("flow", "erp.check", "Check", flow)
    definitions.publish("flow", "erp.check")
    instance = service.start("erp.check", {})
    db.session.commit()
    assert get_dispatcher().wait_idle(20)
    db.session.expire_all()
    [row] = calls()
    assert (row.source, row.instance_id, row.node_id, row.status) == (
        "flow", instance.id, "check", "ok")


# --- base URL changes (CHECKLIST 16) -----------------------------------------------------


def test_changing_the_base_url_publishes_a_version_and_clears_the_secret(erp):
    builder = make_user("builder")
    row, cleared = connectors.change_base_url("erp.test", "https://erp.example.com/api", builder)
    db.session.commit()
    assert (row.version, row.body["base_url"], cleared) == (2, "https://erp.example.com/api", 1)
    assert db.session.scalar(db.select(db.func.count()).select_from(ConnectorCredential)) == 0
    with pytest.raises(ConnectorMisconfigured):
        connectors.call("erp.test", "ping", {})
    assert erp.calls == []  # the old secret never went anywhere


@pytest.mark.parametrize("role", ["staff", "manager", "customer"])
def test_only_builders_and_admins_may_change_the_base_url(erp, role):
    with pytest.raises(PermissionDenied):
        connectors.change_base_url("erp.test", "https://evil.example.com", make_user(role))
    assert db.session.scalar(db.select(db.func.count()).select_from(ConnectorCredential)) == 1
    assert db.session.scalar(db.select(db.func.max(Definition.version))) == 1


def test_a_bad_url_or_an_open_draft_is_refused(erp):
    admin = make_user("admin")
    with pytest.raises(ValidationFailed):
        connectors.change_base_url("erp.test", "ftp://x.example.com", admin)
    with pytest.raises(ValidationFailed):
        connectors.change_base_url("erp.test", "https://u:p@x.example.com", admin)
    body = erp_body(erp.url) | {"description": "work in progress"}
    definitions.save_draft("connector", "erp.test", "ERP", body)
    with pytest.raises(Conflict):
        connectors.change_base_url("erp.test", "https://erp.example.com", admin)


def test_set_credential_accepts_only_names_the_definition_uses(erp):
    from runtime.exceptions import NotFound

    admin = make_user("admin")
    with pytest.raises(NotFound):
        connectors.set_credential("erp.test", "other", "x", admin)
    connectors.set_credential("erp.test", "api_key", "new-value-123456", admin)
    [view] = credentials.list_redacted("erp.test")
    assert view.redacted.endswith("56") and "new-value" not in view.redacted
