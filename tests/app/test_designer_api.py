"""The builder endpoints the flow designer uses, and the designer page itself."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.services.users import ensure_team
from builder.definitions import starter_body
from tests.factories import csrf_token, login, make_api_token, make_user

API = "/api/v1"


@pytest.fixture
def builder_auth(app):
    ensure_team("cs_agent")  # the team the test flows assign their review to
    db.session.commit()
    return {"Authorization": f"Bearer {make_api_token(make_user('builder'))}"}


def approval_flow(outcome_edges: bool = True) -> dict:
    edges = [{"id": "e1", "from": "start", "to": "review"}]
    if outcome_edges:
        edges += [
            {"id": "e2", "from": "review", "to": "done", "outcome": "approve"},
            {"id": "e3", "from": "review", "to": "rejected", "outcome": "reject"},
        ]
    return {
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 0, "y": 0}},
            {
                "id": "review",
                "type": "user_task",
                "name": "Review",
                "config": {"assignee": {"role": "cs_agent"}, "outcomes": ["approve", "reject"]},
            },
            {"id": "done", "type": "end"},
            {"id": "rejected", "type": "end", "config": {"status": "rejected"}},
        ],
        "edges": edges,
    }


def test_lint_answers_issues_with_pointers_and_owners(client, builder_auth):
    response = client.post(
        f"{API}/builder/lint", json={"kind": "flow", "body": approval_flow(False)},
        headers=builder_auth,
    )
    assert response.status_code == 200, response.json
    data = response.json
    assert data["errors"] >= 2 and data["errors"] + data["warnings"] == len(data["issues"])
    dead_end = [i for i in data["issues"] if "dead end" in i["message"]]
    assert {(i["node"], i["pointer"]) for i in dead_end} == {("review", "/nodes/1")}
    assert all(i["severity"] == "error" for i in dead_end)


def test_lint_knows_roles_and_published_forms(client, builder_auth):
    body = approval_flow()
    body["nodes"][1]["config"]["assignee"] = {"role": "nobody_team"}
    body["nodes"][1]["config"]["form"] = "missing.form"
    issues = client.post(f"{API}/builder/lint", json={"body": body}, headers=builder_auth).json[
        "issues"
    ]
    pointers = {i["pointer"]: i["message"] for i in issues}
    assert pointers["/nodes/1/config/assignee/role"].endswith("'nobody_team'")
    assert pointers["/nodes/1/config/form"] == "there is no published form 'missing.form'"
    body["nodes"][1]["config"]["assignee"] = {"role": "cs_agent"}
    del body["nodes"][1]["config"]["form"]
    clean = client.post(f"{API}/builder/lint", json={"body": body}, headers=builder_auth).json
    assert (clean["issues"], clean["errors"], clean["warnings"]) == ([], 0, 0)


@pytest.mark.parametrize(
    "payload, pointer",
    [
        ({"body": []}, "/body"),
        ({"kind": "form", "body": {}}, "/kind"),
        ({"body": {}, "role": "admin"}, "/role"),
    ],
)
def test_lint_refuses_bad_requests_with_pointers(client, builder_auth, payload, pointer):
    response = client.post(f"{API}/builder/lint", json=payload, headers=builder_auth)
    assert response.status_code == 422
    assert pointer in [d["pointer"] for d in response.json["error"]["details"]]


def test_lint_and_design_need_the_builder_role(client, app):
    staff = {"Authorization": f"Bearer {make_api_token(make_user('staff'))}"}
    assert client.post(f"{API}/builder/lint", json={"body": {}}, headers=staff).status_code == 403
    assert client.get(f"{API}/builder/flows/a.flow", headers=staff).status_code == 403
    assert client.post(f"{API}/builder/lint", json={"body": {}}).status_code == 401


def test_design_offers_a_starter_for_a_new_key_then_the_draft(client, builder_auth):
    fresh = client.get(f"{API}/builder/flows/returns.approval", headers=builder_auth).json
    assert (fresh["status"], fresh["version"], fresh["title"]) == ("new", None, "Approval")
    assert fresh["body"] == starter_body("flow")
    assert fresh["context"]["roles"] == ["cs_agent"]
    # no published connector, only the built-in `platform` with its functions
    assert list(fresh["context"]["connectors"]) == ["platform"]
    assert "refund_amount" in fresh["context"]["connectors"]["platform"]
    saved = client.put(
        f"{API}/definitions/flow/returns.approval/draft",
        json={"title": "Approval", "body": approval_flow()},
        headers=builder_auth,
    )
    assert saved.status_code == 200
    draft = client.get(f"{API}/builder/flows/returns.approval", headers=builder_auth).json
    assert (draft["status"], draft["version"]) == ("draft", 1)
    assert draft["body"] == approval_flow()
    assert client.get(f"{API}/builder/flows/Not-A-Key", headers=builder_auth).status_code == 404


def test_publish_is_refused_while_lint_errors_remain(client, builder_auth):
    key = "returns.approval"
    client.put(
        f"{API}/definitions/flow/{key}/draft",
        json={"title": "Approval", "body": approval_flow(False)},
        headers=builder_auth,
    )
    refused = client.post(f"{API}/builder/flows/{key}/publish", headers=builder_auth)
    assert refused.status_code == 422
    details = refused.json["error"]["details"]
    assert {"pointer": "/body/nodes/1", "reason": "user_task 'Review' is a dead end: "
            "connect it to a next step"} in details
    assert client.get(f"{API}/definitions/flow/{key}", headers=builder_auth).json[
        "published_version"
    ] is None
    client.put(
        f"{API}/definitions/flow/{key}/draft",
        json={"title": "Approval", "body": approval_flow()},
        headers=builder_auth,
    )
    published = client.post(f"{API}/builder/flows/{key}/publish", headers=builder_auth)
    assert published.status_code == 200, published.json
    assert (published.json["status"], published.json["version"]) == ("published", 1)
    again = client.post(f"{API}/builder/flows/{key}/publish", headers=builder_auth)
    assert again.status_code == 404  # no draft left to publish


def test_publish_without_a_draft_is_404_and_body_fields_are_refused(client, builder_auth):
    missing = client.post(f"{API}/builder/flows/no.such/publish", headers=builder_auth)
    assert missing.status_code == 404
    client.put(
        f"{API}/definitions/flow/a.flow/draft",
        json={"title": "A", "body": approval_flow()},
        headers=builder_auth,
    )
    extra = client.post(
        f"{API}/builder/flows/a.flow/publish", json={"force": True}, headers=builder_auth
    )
    assert extra.status_code == 422


def test_session_calls_need_csrf(client, app):
    user = make_user("builder")
    login(client, user)
    assert client.post(f"{API}/builder/lint", json={"body": {}}).status_code == 400
    token = csrf_token(client, "/builder/flows/a.flow/design")
    ok = client.post(f"{API}/builder/lint", json={"body": {}}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200


def test_designer_page_loads_the_built_bundle_or_explains(client, app, tmp_path):
    login(client, make_user("builder"))
    page = client.get("/builder/flows/returns.approval/design")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    if 'id="flow-designer"' in html:
        assert 'data-key="returns.approval"' in html
        assert '<script type="module" src="/static/builder/assets/' in html
        assert "<script>" not in html  # CSP: no inline script
    else:
        assert "make ui" in html
    assert client.get("/builder/flows/Bad..Key/design").status_code == 404


def test_designer_page_without_bundle_says_how_to_build(client, app, monkeypatch):
    from app.web import designer

    monkeypatch.setattr(designer, "MANIFEST", designer.Path("builder") / "missing.json")
    login(client, make_user("builder"))
    html = client.get("/builder/flows/returns.approval/design").get_data(as_text=True)
    assert "make ui" in html and "/builder/flow/returns.approval/edit" in html


def test_designer_page_is_for_builders_only(client, app):
    login(client, make_user("staff"))
    assert client.get("/builder/flows/returns.approval/design").status_code == 403


def test_openapi_documents_the_builder_endpoints(client):
    paths = client.get(f"{API}/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/builder/lint"]
    assert "post" in paths["/api/v1/builder/flows/{key}/publish"]
    assert "get" in paths["/api/v1/builder/flows/{key}"]


def save(client, headers, key, revision, body=None, title="Approval"):
    payload = {"title": title, "body": body or approval_flow(), "revision": revision}
    return client.put(f"{API}/builder/flows/{key}/draft", json=payload, headers=headers)


def test_two_builders_saving_the_same_draft_the_second_gets_409(client, app, builder_auth):
    other = {"Authorization": f"Bearer {make_api_token(make_user('builder', name='Cy Colleague'))}"}
    key = "returns.approval"
    opened = client.get(f"{API}/builder/flows/{key}", headers=builder_auth).json
    assert opened["revision"] == "new"
    first = save(client, builder_auth, key, opened["revision"])
    assert first.status_code == 200 and first.json["version"] == 1
    mine = first.json["revision"]
    theirs = client.get(f"{API}/builder/flows/{key}", headers=other).json["revision"]
    assert theirs == mine
    body = approval_flow()
    body["nodes"][1]["name"] = "Their review"
    assert save(client, other, key, theirs, body).status_code == 200
    body["nodes"][1]["name"] = "My review"
    refused = save(client, builder_auth, key, mine, body)
    assert refused.status_code == 409
    assert "Cy Colleague saved v1" in refused.json["error"]["message"]
    stored = client.get(f"{API}/definitions/flow/{key}/draft", headers=builder_auth).json
    assert stored["body"]["nodes"][1]["name"] == "Their review"  # nothing overwritten
    fresh = client.get(f"{API}/builder/flows/{key}", headers=builder_auth).json["revision"]
    assert save(client, builder_auth, key, fresh, body).status_code == 200


def test_a_new_flow_started_by_someone_else_meanwhile_is_a_conflict(client, builder_auth):
    client.put(
        f"{API}/definitions/flow/a.flow/draft",
        json={"title": "A", "body": approval_flow()},
        headers=builder_auth,
    )
    assert save(client, builder_auth, "a.flow", "new").status_code == 409


def test_publish_with_a_stale_revision_is_a_conflict(client, builder_auth):
    saved = save(client, builder_auth, "a.flow", "new").json
    newer = save(client, builder_auth, "a.flow", saved["revision"], title="A2").json
    stale = client.post(
        f"{API}/builder/flows/a.flow/publish", json={"revision": saved["revision"]},
        headers=builder_auth,
    )
    assert stale.status_code == 409
    ok = client.post(
        f"{API}/builder/flows/a.flow/publish", json={"revision": newer["revision"]},
        headers=builder_auth,
    )
    assert ok.status_code == 200 and ok.json["status"] == "published"
    assert ok.json["revision"] == client.get(
        f"{API}/builder/flows/a.flow", headers=builder_auth
    ).json["revision"]


def test_save_needs_a_revision_and_refuses_extra_fields(client, builder_auth):
    missing = client.put(
        f"{API}/builder/flows/a.flow/draft", json={"title": "A", "body": approval_flow()},
        headers=builder_auth,
    )
    assert missing.status_code == 422
    assert "/revision" in [d["pointer"] for d in missing.json["error"]["details"]]
    extra = client.put(
        f"{API}/builder/flows/a.flow/draft",
        json={"title": "A", "body": approval_flow(), "revision": "new", "status": "published"},
        headers=builder_auth,
    )
    assert extra.status_code == 422
    invalid = save(client, builder_auth, "a.flow", "new", {"nodes": [], "edges": []})
    assert invalid.status_code == 422
    assert any(d["pointer"].startswith("/body/nodes") for d in invalid.json["error"]["details"])
