"""The /api/v1/definitions endpoints: roles, CSRF, 422 pointers, versions, diff."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Definition
from builder.definitions import starter_body
from tests.factories import csrf_token, login, make_api_token, make_user

BASE = "/api/v1/definitions"


@pytest.fixture
def builder_auth(app):
    token = make_api_token(make_user("builder"))
    return {"Authorization": f"Bearer {token}"}


def form_body(label: str = "Reason") -> dict:
    body = starter_body("form")
    body["schema"]["properties"]["reason"] = {"type": "string"}
    body["ui"]["sections"][0]["fields"] = ["reason"]
    body["ui"]["widgets"] = {"reason": {"type": "text", "label": label}}
    return body


def put_draft(client, headers, key="returns.request", **payload):
    payload.setdefault("title", "Return request")
    payload.setdefault("body", form_body())
    return client.put(f"{BASE}/form/{key}/draft", json=payload, headers=headers)


def count_rows() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Definition))


def test_save_publish_read_flow(client, builder_auth):
    saved = put_draft(client, builder_auth)
    assert saved.status_code == 200, saved.json
    assert (saved.json["version"], saved.json["status"], saved.json["checksum"]) == (
        1,
        "draft",
        None,
    )
    published = client.post(f"{BASE}/form/returns.request/publish", headers=builder_auth)
    assert published.status_code == 200
    assert published.json["status"] == "published" and len(published.json["checksum"]) == 64
    detail = client.get(f"{BASE}/form/returns.request", headers=builder_auth).json
    assert (detail["status"], detail["published_version"], detail["draft_version"]) == (
        "published",
        1,
        None,
    )
    assert [v["version"] for v in detail["versions"]] == [1]
    assert "body" not in detail["versions"][0]
    v1 = client.get(f"{BASE}/form/returns.request/versions/1", headers=builder_auth).json
    assert v1["body"] == form_body() and v1["checksum"] == published.json["checksum"]
    listed = client.get(f"{BASE}?kind=form", headers=builder_auth).json["definitions"]
    assert [(d["key"], d["status"]) for d in listed] == [("returns.request", "published")]


def test_invalid_draft_is_422_with_every_pointer(client, builder_auth):
    body = form_body()
    body["ui"]["widgets"]["reason"]["type"] = "slider"
    body["ui"]["sections"] = []
    body["rules"] = [{"when": {"var": "reason", "op": "=="}, "effect": "show", "fields": ["x"]}]
    response = put_draft(client, builder_auth, title="", body=body)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "definition_invalid"
    assert error["details"] == [
        {"pointer": "/body/rules/0/when/value", "reason": "is required"},
        {"pointer": "/body/ui/sections", "reason": "must not be empty"},
        {"pointer": "/body/ui/widgets/reason/type", "reason": error["details"][2]["reason"]},
        {"pointer": "/title", "reason": "must be a non-empty string"},
    ]
    assert error["details"][2]["reason"].startswith('must be one of: "text"')
    assert count_rows() == 0


def test_extra_request_fields_are_refused_with_the_other_errors(client, builder_auth):
    response = put_draft(client, builder_auth, title="", status="published", version=7)
    assert response.status_code == 422
    assert [d["pointer"] for d in response.json["error"]["details"]] == [
        "/status",
        "/title",
        "/version",
    ]
    assert count_rows() == 0
    put_draft(client, builder_auth)
    refused = client.post(
        f"{BASE}/form/returns.request/publish", json={"version": 1}, headers=builder_auth
    )
    assert refused.status_code == 422
    assert refused.json["error"]["details"] == [{"pointer": "/version", "reason": "unknown field"}]
    assert client.get(f"{BASE}/form/returns.request/draft", headers=builder_auth).status_code == 200


def test_unknown_kind_key_and_version_are_404(client, builder_auth):
    assert put_draft(client, builder_auth).status_code == 200
    for path in (
        "/spreadsheet/returns.request",
        "/form/no.such",
        "/form/returns.request/versions/9",
    ):
        response = client.get(BASE + path, headers=builder_auth)
        assert response.status_code == 404, path
        assert response.json["error"]["code"] == "not_found"
    response = client.put(
        f"{BASE}/spreadsheet/x/draft", json={"title": "T", "body": {}}, headers=builder_auth
    )
    assert response.status_code == 404


def test_published_versions_have_no_write_endpoint(client, builder_auth):
    put_draft(client, builder_auth)
    client.post(f"{BASE}/form/returns.request/publish", headers=builder_auth)
    response = client.put(
        f"{BASE}/form/returns.request/versions/1", json={"title": "x"}, headers=builder_auth
    )
    assert response.status_code == 405
    again = client.post(f"{BASE}/form/returns.request/publish", headers=builder_auth)
    assert again.status_code == 409 and "no draft" in again.json["error"]["message"]


def test_edit_after_publish_is_v2_and_diff_shows_the_change(client, builder_auth):
    put_draft(client, builder_auth)
    client.post(f"{BASE}/form/returns.request/publish", headers=builder_auth)
    v2 = put_draft(client, builder_auth, body=form_body("Why?"))
    assert (v2.json["version"], v2.json["status"]) == (2, "draft")
    response = client.get(f"{BASE}/form/returns.request/diff?from=1&to=draft", headers=builder_auth)
    assert response.status_code == 200
    assert response.json == {
        "kind": "form",
        "key": "returns.request",
        "from": 1,
        "to": 2,
        "changes": [
            {
                "op": "replace",
                "path": "/body/ui/widgets/reason/label",
                "old": "Reason",
                "new": "Why?",
            }
        ],
    }
    missing = client.get(f"{BASE}/form/returns.request/diff?from=1", headers=builder_auth)
    assert missing.status_code == 400
    latest = client.get(f"{BASE}/form/returns.request/diff?from=latest&to=1", headers=builder_auth)
    assert (latest.json["from"], latest.json["to"], latest.json["changes"]) == (1, 1, [])
    bad = client.get(f"{BASE}/form/returns.request/diff?from=-1&to=2", headers=builder_auth)
    assert bad.status_code == 404


def test_archive_and_restore(client, builder_auth):
    put_draft(client, builder_auth)
    client.post(f"{BASE}/form/returns.request/publish", headers=builder_auth)
    archived = client.post(f"{BASE}/form/returns.request/archive", headers=builder_auth)
    assert archived.status_code == 200
    assert [v["status"] for v in archived.json["versions"]] == ["archived"]
    assert client.get(BASE, headers=builder_auth).json["definitions"] == []
    listed = client.get(f"{BASE}?include_archived=1", headers=builder_auth).json["definitions"]
    assert [d["status"] for d in listed] == ["archived"]
    assert (
        client.post(f"{BASE}/form/returns.request/archive", headers=builder_auth).status_code == 409
    )
    restored = client.post(f"{BASE}/form/returns.request/restore", headers=builder_auth)
    assert restored.json["status"] == "published"


def test_discarding_the_only_draft_removes_the_key(client, builder_auth):
    put_draft(client, builder_auth)
    response = client.delete(f"{BASE}/form/returns.request/draft", headers=builder_auth)
    assert response.status_code == 204
    assert client.get(f"{BASE}/form/returns.request", headers=builder_auth).status_code == 404


@pytest.mark.parametrize("role", ["staff", "manager", "customer"])
def test_only_builders_write(client, builder_auth, role):
    put_draft(client, builder_auth)
    headers = {"Authorization": f"Bearer {make_api_token(make_user(role))}"}
    assert put_draft(client, headers, body=form_body("x")).status_code == 403
    for action in ("publish", "archive", "restore"):
        assert (
            client.post(f"{BASE}/form/returns.request/{action}", headers=headers).status_code == 403
        )
    assert client.delete(f"{BASE}/form/returns.request/draft", headers=headers).status_code == 403
    can_read = role == "manager"
    assert client.get(BASE, headers=headers).status_code == (200 if can_read else 403)
    assert definitions_in_db() == [("returns.request", 1, "draft", "Return request")]


def definitions_in_db():
    db.session.expire_all()
    return [
        (r.key, r.version, r.status, r.title) for r in db.session.scalars(db.select(Definition))
    ]


def test_anonymous_callers_get_401(client):
    assert client.get(BASE).status_code == 401
    assert client.put(f"{BASE}/form/a/draft", json={"title": "T", "body": {}}).status_code in (
        400,
        401,
    )


def test_session_writes_need_the_csrf_header(client):
    login(client, make_user("builder"))
    payload = {"title": "Return request", "body": form_body()}
    refused = client.put(f"{BASE}/form/returns.request/draft", json=payload)
    assert refused.status_code == 400 and refused.json["error"]["code"] == "csrf_failed"
    token = csrf_token(client, "/builder/")
    accepted = client.put(
        f"{BASE}/form/returns.request/draft", json=payload, headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 200


def test_openapi_describes_the_definition_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    draft = paths["/api/v1/definitions/{kind}/{key}/draft"]
    assert set(draft) == {"get", "put", "delete"}
    assert "422" in draft["put"]["responses"]
    assert (
        draft["put"]["requestBody"]["content"]["application/json"]["schema"]["additionalProperties"]
        is False
    )
    for action in ("publish", "archive", "restore"):
        assert "post" in paths[f"/api/v1/definitions/{{kind}}/{{key}}/{action}"]
    assert "get" in paths["/api/v1/definitions/{kind}/{key}/diff"]
