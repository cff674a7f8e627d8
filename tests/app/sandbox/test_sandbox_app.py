"""The sandbox served by the app: database state, the own-auth gate, controls, install."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.sandbox import settings
from app.sandbox.install import install_connectors
from app.services import credentials
from connectors import Transport, call_action
from connectors.exceptions import ClientRejected
from connectors.sandbox import seed
from tests.factories import csrf_token, login, make_api_token, make_user

PI = seed.payment_intent_id("SO-UK-20377")  # 249.99 + 3 x 12.50 = 287.49 GBP


def _call(action, inputs, key="effect-1", connector="payment"):
    from app.flows.connector_calls import allowlist, connector_spec

    spec = connector_spec(connector)
    secrets = {n: credentials.get_secret(connector, n, spec.base_url)
               for n in spec.auth.credentials}
    return call_action(spec, action, inputs, idempotency_key=key, secrets=secrets,
                       transport=Transport(sleep=lambda s: None), allowlist=allowlist())


def test_install_publishes_every_preset_aimed_at_this_app(served):
    base, _ = served
    rows = install_connectors()
    assert {r.key for r in rows} >= {"payment"}
    assert all(r.outcome == "published" and r.base_url == f"{base}/sandbox/{r.key}" for r in rows)
    again = install_connectors()
    assert {r.outcome for r in again} == {"unchanged"}
    assert [r.version for r in again] == [r.version for r in rows]


def test_refund_through_the_published_connector_is_stored_in_the_database(served):
    install_connectors()
    refund = {"payment_intent": PI, "amount": 2000, "currency": "GBP"}
    first = _call("create_refund", refund)
    again = _call("create_refund", refund)
    assert again.outputs["refund_id"] == first.outputs["refund_id"]
    assert again.outputs["replayed"] == "true"
    with pytest.raises(ClientRejected) as caught:
        _call("create_refund", {**refund, "amount": 2500})
    assert caught.value.details["error"]["type"] == "idempotency_error"
    status = _call("get_refund", {"refund_id": first.outputs["refund_id"]}, key="k2")
    assert status.outputs["amount"] == 2000
    from app.sandbox.models import SandboxRecord

    kinds = db.session.scalars(db.select(SandboxRecord.kind)).all()
    assert kinds.count("payment.refund") == 1


def test_sandbox_calls_need_the_sandbox_key_not_a_session_or_csrf(client):
    answer = client.post("/sandbox/payment/v1/refunds", data={"payment_intent": PI})
    assert answer.status_code == 401 and answer.json["error"]["code"] == "api_key_invalid"
    key = settings().key_for("payment")
    answer = client.post("/sandbox/payment/v1/refunds", data={"payment_intent": PI,
                                                              "amount": "100"},
                         headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200 and answer.json["id"].startswith("re_3")
    assert "Set-Cookie" not in answer.headers
    bad = client.post("/sandbox/payment/v1/refunds", data={"payment_intent": PI, "amount": "x"},
                      headers={"Authorization": f"Bearer {key}"})
    assert bad.status_code == 400 and "minor unit" in bad.json["error"]["message"]
    assert client.get("/sandbox/nosuch/x", headers={"Authorization": "Bearer x"}
                      ).status_code == 404


def test_the_own_auth_gate_does_not_open_other_routes(client):
    assert client.get("/admin/", headers={"Authorization": "Bearer sk_test_x"}).status_code == 401


def test_controls_are_for_admins_only(client):
    assert client.post("/sandbox/_control/payment/mode", json={"mode": "error_500"}
                       ).status_code in (302, 400, 401)
    staff = make_user("staff")
    token = make_api_token(staff)
    assert client.post("/sandbox/_control/payment/mode", json={"mode": "error_500"},
                       headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_an_admin_switches_modes_with_a_token_or_a_session_with_csrf(client):
    admin = make_user("admin")
    token = make_api_token(admin)
    auth = {"Authorization": f"Bearer {token}"}
    answer = client.post("/sandbox/_control/payment/mode", headers=auth,
                         json={"mode": "rate_limited", "retry_after": 3, "remaining": 1})
    assert answer.status_code == 200 and answer.json["mode"]["retry_after"] == 3
    key = settings().key_for("payment")
    limited = client.get("/sandbox/payment/v1/refunds/re_3x", headers={"Authorization":
                                                                         f"Bearer {key}"})
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    again = client.get("/sandbox/payment/v1/refunds/re_3x", headers={"Authorization":
                                                                       f"Bearer {key}"})
    assert again.status_code == 404  # the mode applied once
    overview = client.get("/sandbox/_control", headers=auth).json
    assert overview["systems"]["payment"]["base_url"].endswith("/sandbox/payment")
    assert client.post("/sandbox/_control/payment/mode", headers=auth,
                       json={"mode": "explode"}).status_code == 400
    assert client.post("/sandbox/_control/crm/mode", headers=auth,
                       json={"mode": "decline"}).status_code == 400
    login(client, admin)
    assert client.post("/sandbox/_control/payment/mode", json={"mode": None}
                       ).status_code == 400  # no CSRF token
    token_csrf = csrf_token(client, "/inbox/")
    answer = client.post("/sandbox/_control/payment/mode", json={"mode": None},
                         headers={"X-CSRFToken": token_csrf})
    assert answer.status_code == 200 and answer.json["mode"] is None


@pytest.fixture
def app_overrides():
    return {}


@pytest.mark.parametrize("app_overrides", [{"SANDBOX_ENABLED": False}])
def test_a_disabled_sandbox_has_no_routes(client, app_overrides):
    key = "Bearer whatever"
    assert client.get("/sandbox/payment/v1/refunds/re_3x", headers={"Authorization": key}
                      ).status_code == 401  # an unknown URL: the bearer is not a Formloom token
    assert client.get("/sandbox/payment/v1/refunds/re_3x").status_code in (302, 401, 404)
    with pytest.raises(Exception, match="disabled"):
        install_connectors()


def test_production_turns_the_sandbox_off_and_never_allowlists(tmp_path):
    from app import create_app

    app = create_app({"ENV_MODE": "production", "SECRET_KEY": "p" * 40,
                      "ENCRYPTION_KEYS": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/p.db",
                      "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SANDBOX_ENABLED"] is False
    assert not any(r.rule.startswith("/sandbox") for r in app.url_map.iter_rules())
    assert app.config["CONNECTOR_ALLOWLIST"] == []


def test_development_allowlists_its_own_host_only(tmp_path):
    from app import create_app

    app = create_app({"ENV_MODE": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/d.db",
                      "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SANDBOX_ENABLED"] is True
    assert app.config["CONNECTOR_ALLOWLIST"] == ["127.0.0.1"]


def test_concurrent_refunds_on_the_database_store_stay_within_the_charge(served):
    """Several workers refunding at once: row lock (PostgreSQL) / process lock (SQLite)."""
    from concurrent.futures import ThreadPoolExecutor

    from app.flows.connector_calls import allowlist, connector_spec

    install_connectors()
    spec = connector_spec("payment")
    secrets = {"api_key": credentials.get_secret("payment", "api_key", spec.base_url)}
    allowed = allowlist()
    pi = seed.payment_intent_id("SO-US-30412")  # 139.95 USD

    def attempt(n):
        key = "same" if n < 4 else f"k{n}"
        try:
            return call_action(spec, "create_refund", {"payment_intent": pi, "amount": 5000,
                                                       "currency": "usd"},
                               idempotency_key=key, secrets=secrets,
                               transport=Transport(sleep=lambda s: None),
                               allowlist=allowed).outputs["refund_id"]
        except ClientRejected as exc:
            return exc.status

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(8)))
    from app.sandbox.store import DatabaseStore

    refunds = DatabaseStore().list("payment.refund")
    assert sum(r["amount"] for r in refunds) == 10000 == DatabaseStore().get(
        "payment.intent", pi)["amount_refunded"]
    assert len({r for r in results if isinstance(r, str)}) == 2
    assert {r for r in results if not isinstance(r, str)} <= {400, 409}


def test_cli_installs_and_is_idempotent(runner):
    result = runner.invoke(args=["sandbox", "install-connectors"])
    assert result.exit_code == 0, result.output
    assert "payment" in result.output and "published" in result.output
    again = runner.invoke(args=["sandbox", "install-connectors"])
    assert "published" not in again.output and again.output.count("unchanged") == 6


def test_install_leaves_a_real_connector_alone_unless_forced(app):
    from app.services import definitions
    from connectors.presets import load_preset

    definitions.save_draft("connector", "payment", "Stripe", load_preset("payment"))
    definitions.publish("connector", "payment")
    db.session.commit()
    rows = {r.key: r for r in install_connectors()}
    assert rows["payment"].outcome == "skipped"
    assert rows["payment"].base_url == "https://api.stripe.com"
    forced = {r.key: r for r in install_connectors(force=True)}
    assert forced["payment"].outcome == "published"
    assert forced["payment"].base_url.endswith("/sandbox/payment")
