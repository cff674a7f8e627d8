"""The decision-table editor's endpoints: open, save (cells compiled), test panel, publish."""

from __future__ import annotations

from tests.factories import csrf_token, login, make_api_token, make_user

API = "/api/v1"


def auth(role: str = "builder", name: str | None = None) -> dict:
    user = make_user(role, name=name) if name else make_user(role)
    return {"Authorization": f"Bearer {make_api_token(user)}"}


def policy() -> dict:
    return {
        "hit_policy": "first",
        "inputs": [
            {"id": "days", "var": "days", "type": "number"},
            {"id": "reason", "var": "reason", "type": "string"},
        ],
        "outputs": [{"id": "decision", "type": "string"}],
        "rules": [
            {
                "id": "late",
                "when": {"days": {"op": ">", "value": 30}},
                "then": {"decision": "reject"},
                "annotation": "outside the window",
            },
            {
                "id": "faulty",
                "when": {"reason": ["damaged", "defective"]},
                "then": {"decision": "manual_review"},
            },
        ],
        "default": {"decision": "auto_approve"},
    }


def save(client, headers, key, revision, body=None):
    payload = {"title": "Policy", "body": body or policy(), "revision": revision}
    return client.put(f"{API}/builder/tables/{key}/draft", json=payload, headers=headers)


def test_panel_says_which_rows_match_and_the_outputs(client, app):
    headers = auth()
    late = client.post(
        f"{API}/builder/tables/test",
        json={"body": policy(), "inputs": {"days": 45, "reason": "damaged"}},
        headers=headers,
    ).json
    assert late == {
        "matched": ["late"],
        "outputs": {"decision": "reject"},
        "used_default": False,
        "problem": None,
    }
    faulty = client.post(
        f"{API}/builder/tables/test",
        json={"body": policy(), "inputs": {"days": 3, "reason": "damaged"}},
        headers=headers,
    ).json
    assert faulty["matched"] == ["faulty"] and faulty["outputs"] == {"decision": "manual_review"}
    fallback = client.post(
        f"{API}/builder/tables/test",
        json={"body": policy(), "inputs": {"days": 3, "reason": "size"}},
        headers=headers,
    ).json
    assert fallback["used_default"] and fallback["outputs"] == {"decision": "auto_approve"}


def test_collect_and_unique_conflicts_are_explained(client, app):
    body = policy()
    body["hit_policy"] = "collect"
    both = client.post(
        f"{API}/builder/tables/test",
        json={"body": body, "inputs": {"days": 45, "reason": "damaged"}},
        headers=auth(),
    ).json
    assert both["matched"] == ["late", "faulty"] and len(both["outputs"]) == 2
    body["hit_policy"] = "unique"
    clash = client.post(
        f"{API}/builder/tables/test",
        json={"body": body, "inputs": {"days": 45, "reason": "damaged"}},
        headers=auth(),
    ).json
    assert clash["outputs"] is None and "late" in clash["problem"]


def test_a_cell_that_does_not_compile_is_a_422_pointing_at_the_cell(client, app):
    headers = auth()
    body = policy()
    body["rules"][0]["when"]["days"] = "thirty"  # a number column
    tested = client.post(
        f"{API}/builder/tables/test", json={"body": body, "inputs": {}}, headers=headers
    )
    assert tested.status_code == 422
    pointers = [d["pointer"] for d in tested.json["error"]["details"]]
    assert any(p.startswith("/rules/0/when/days") for p in pointers), pointers
    refused = save(client, headers, "returns.policy", "new", body)
    assert refused.status_code == 422
    assert any(
        d["pointer"].startswith("/body/rules/0/when/days") for d in refused.json["error"]["details"]
    )
    shape = client.post(
        f"{API}/builder/tables/test", json={"body": policy(), "inputs": []}, headers=headers
    )
    assert shape.status_code == 422


def test_save_publish_and_conflicts(client, app):
    mine, theirs = auth(), auth(name="Cy Colleague")
    opened = client.get(f"{API}/builder/tables/returns.policy", headers=mine).json
    assert (opened["status"], opened["revision"]) == ("new", "new")
    first = save(client, mine, "returns.policy", "new")
    assert first.status_code == 200, first.json
    revision = first.json["revision"]
    changed = policy()
    changed["rules"][0]["then"]["decision"] = "manual_review"
    assert save(client, theirs, "returns.policy", revision, changed).status_code == 200
    refused = save(client, mine, "returns.policy", revision)
    assert refused.status_code == 409
    assert "Cy Colleague saved v1 of this decision table" in refused.json["error"]["message"]
    fresh = client.get(f"{API}/builder/tables/returns.policy", headers=mine).json
    assert fresh["body"]["rules"][0]["then"]["decision"] == "manual_review"
    published = client.post(
        f"{API}/builder/tables/returns.policy/publish",
        json={"revision": fresh["revision"]},
        headers=mine,
    )
    assert published.status_code == 200 and published.json["version"] == 1
    nothing = client.post(f"{API}/builder/tables/returns.policy/publish", headers=mine)
    assert nothing.status_code in (404, 409)


def test_only_builders_and_admins_and_csrf_on_session_calls(client, app):
    staff = auth("staff")
    assert client.get(f"{API}/builder/tables/a.table", headers=staff).status_code == 403
    assert client.post(f"{API}/builder/tables/test", json={}, headers=staff).status_code == 403
    assert client.post(f"{API}/builder/tables/test", json={}).status_code == 401
    login(client, make_user("builder"))
    payload = {"body": policy(), "inputs": {"days": 1}}
    assert client.post(f"{API}/builder/tables/test", json=payload).status_code == 400
    token = csrf_token(client, "/builder/tables/a.table/design")
    ok = client.post(f"{API}/builder/tables/test", json=payload, headers={"X-CSRFToken": token})
    assert ok.status_code == 200
    page = client.get("/builder/tables/a.table/design").get_data(as_text=True)
    assert 'id="table-designer"' in page or "make ui" in page


def test_definition_pages_link_the_right_designer(client, app):
    headers = auth()
    save(client, headers, "returns.policy", "new")
    login(client, make_user("builder"))
    page = client.get("/builder/decision_table/returns.policy").get_data(as_text=True)
    assert "/builder/tables/returns.policy/design" in page
    listing = client.get("/builder/").get_data(as_text=True)
    assert "/builder/tables/returns.policy/design" in listing
