"""CHECKLIST 16: changing a connector's base URL clears its stored secret; only builders
and admins can — through the admin page or by publishing a new version over the API."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import ConnectorCredential, Definition
from app.services import connectors, credentials, definitions
from connectors.exceptions import ConnectorMisconfigured
from tests.factories import csrf_token, login, make_api_token, make_user
from tests.http_recorder import recording_server

SECRET = "sk_live_C16_aa11bb22cc33dd44"


def body(url: str) -> dict:
    return {"type": "erp", "base_url": url, "auth": {"type": "bearer", "credential": "key"},
            "actions": {"ping": {"method": "GET", "path": "/ping"}}}


@pytest.fixture
def erp(app):
    app.config["CONNECTOR_ALLOWLIST"] = ["127.0.0.1"]
    with recording_server() as old_host, recording_server() as new_host:
        definitions.save_draft("connector", "erp.c16", "ERP", body(old_host.url))
        definitions.publish("connector", "erp.c16")
        credentials.set_secret("erp.c16", "key", SECRET, old_host.url)
        db.session.commit()
        yield old_host, new_host


def secrets_stored() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(ConnectorCredential))


def versions() -> int:
    return db.session.scalar(db.select(db.func.max(Definition.version)))


@pytest.mark.parametrize("role", ["builder", "admin"])
def test_builders_and_admins_change_it_and_the_secret_is_gone(client, erp, role):
    old_host, new_host = erp
    login(client, make_user(role))
    token = csrf_token(client, "/admin/connectors/erp.c16")
    answer = client.post("/admin/connectors/erp.c16/base-url",
                         data={"base_url": new_host.url, "csrf_token": token})
    assert answer.status_code == 302
    assert (versions(), secrets_stored()) == (2, 0)
    with pytest.raises(ConnectorMisconfigured):
        connectors.call("erp.c16", "ping", {})
    assert new_host.calls == [] and old_host.calls == []


@pytest.mark.parametrize("role", ["staff", "manager", "customer"])
def test_other_roles_cannot_change_it(client, erp, role):
    login(client, make_user(role))
    token = csrf_token(client, "/admin/tokens") if role != "customer" else "x"
    answer = client.post("/admin/connectors/erp.c16/base-url",
                         data={"base_url": erp[1].url, "csrf_token": token})
    assert answer.status_code in (400, 403)
    assert (versions(), secrets_stored()) == (1, 1)


def test_anonymous_callers_cannot_change_it(client, erp):
    answer = client.post("/admin/connectors/erp.c16/base-url", data={"base_url": erp[1].url})
    assert answer.status_code in (302, 400, 401)
    assert (versions(), secrets_stored()) == (1, 1)


def test_a_version_published_over_the_api_never_sends_the_old_secret_elsewhere(client, erp):
    _old_host, new_host = erp
    builder = make_user("builder")
    auth = {"Authorization": f"Bearer {make_api_token(builder)}"}
    saved = client.put("/api/v1/definitions/connector/erp.c16/draft", headers=auth,
                       json={"title": "ERP", "body": body(new_host.url)})
    assert saved.status_code == 200, saved.json
    assert client.post("/api/v1/definitions/connector/erp.c16/publish",
                       headers=auth).status_code == 200
    with pytest.raises(ConnectorMisconfigured):
        connectors.call("erp.c16", "ping", {})
    assert new_host.calls == []


def test_managers_cannot_publish_a_new_base_url_over_the_api(client, erp):
    manager = make_user("manager")
    auth = {"Authorization": f"Bearer {make_api_token(manager)}"}
    answer = client.put("/api/v1/definitions/connector/erp.c16/draft", headers=auth,
                        json={"title": "ERP", "body": body(erp[1].url)})
    assert answer.status_code == 403
    assert versions() == 1
