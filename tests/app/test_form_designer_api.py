"""The form designer's endpoints: open, save with revisions, live preview, publish."""

from __future__ import annotations

from builder.definitions import starter_body
from tests.factories import csrf_token, login, make_api_token, make_user

API = "/api/v1"


def auth(role: str = "builder", name: str | None = None) -> dict:
    user = make_user(role, name=name) if name else make_user(role)
    return {"Authorization": f"Bearer {make_api_token(user)}"}


def small_form() -> dict:
    return {
        "schema": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "maxLength": 80},
                "reason": {"type": "string", "enum": ["size", "damaged"]},
                "photo_note": {"type": "string"},
            },
        },
        "ui": {
            "sections": [
                {"id": "main", "title": "Return", "fields": ["name", "reason", "photo_note"]}
            ],
            "widgets": {
                "reason": {
                    "type": "select",
                    "options": [
                        {"value": "size", "label": "Size"},
                        {"value": "damaged", "label": "Damaged"},
                    ],
                }
            },
        },
        "i18n": {
            "en": {"name.label": "Your name"},
            "zh-CN": {"name.label": "您的姓名", "reason.option.damaged": "到货损坏"},
        },
        "rules": [
            {
                "when": {"var": "reason", "op": "==", "value": "damaged"},
                "effect": "show",
                "fields": ["photo_note"],
            }
        ],
    }


def save(client, headers, key, revision, body=None, title="Return request"):
    payload = {"title": title, "body": body or small_form(), "revision": revision}
    return client.put(f"{API}/builder/forms/{key}/draft", json=payload, headers=headers)


def test_open_offers_a_starter_then_the_saved_draft(client, app):
    headers = auth()
    fresh = client.get(f"{API}/builder/forms/returns.request", headers=headers).json
    assert (fresh["status"], fresh["revision"], fresh["title"]) == ("new", "new", "Request")
    assert fresh["body"] == starter_body("form") and fresh["portal_url"] is None
    saved = save(client, headers, "returns.request", "new")
    assert saved.status_code == 200, saved.json
    opened = client.get(f"{API}/builder/forms/returns.request", headers=headers).json
    assert (opened["status"], opened["version"]) == ("draft", 1)
    assert opened["body"] == small_form() and opened["revision"] == saved.json["revision"]
    assert client.get(f"{API}/builder/forms/Bad..Key", headers=headers).status_code == 404


def test_preview_renders_with_the_form_runtime_in_each_locale(client, app):
    headers = auth()
    en = client.post(f"{API}/builder/forms/preview", json={"body": small_form()}, headers=headers)
    assert en.status_code == 200
    assert "Your name" in en.json["html"] and 'name="name"' in en.json["html"]
    zh = client.post(
        f"{API}/builder/forms/preview",
        json={"body": small_form(), "locale": "zh-CN"},
        headers=headers,
    )
    assert "您的姓名" in zh.json["html"] and "到货损坏" in zh.json["html"]


def test_preview_escapes_hostile_labels(client, app):
    body = small_form()
    body["i18n"]["en"]["name.label"] = '"><img src=x onerror=alert(1)>'
    html = client.post(f"{API}/builder/forms/preview", json={"body": body}, headers=auth()).json[
        "html"
    ]
    assert "<img" not in html and "&lt;img" in html


def test_compile_errors_come_back_with_pointers_into_the_body(client, app):
    headers = auth()
    body = small_form()
    body["ui"]["sections"][0]["fields"].append("ghost")
    body["rules"][0]["fields"] = ["nowhere"]
    answer = client.post(f"{API}/builder/forms/preview", json={"body": body}, headers=headers)
    assert answer.status_code == 422
    pointers = {d["pointer"] for d in answer.json["error"]["details"]}
    assert "/ui/sections/0/fields/3" in pointers
    assert any(p.startswith("/rules/0") for p in pointers)
    refused = save(client, headers, "a.form", "new", body)
    assert refused.status_code == 422
    assert "/body/ui/sections/0/fields/3" in {
        d["pointer"] for d in refused.json["error"]["details"]
    }
    bad_locale = client.post(
        f"{API}/builder/forms/preview", json={"body": small_form(), "locale": "xx"}, headers=headers
    )
    assert bad_locale.status_code == 422


def test_two_builders_saving_the_same_form_the_second_gets_409(client, app):
    mine, theirs = auth(), auth(name="Cy Colleague")
    first = save(client, mine, "a.form", "new")
    revision = first.json["revision"]
    assert save(client, theirs, "a.form", revision, title="Theirs").status_code == 200
    refused = save(client, mine, "a.form", revision, title="Mine")
    assert refused.status_code == 409
    assert "Cy Colleague saved v1 of this form" in refused.json["error"]["message"]
    stored = client.get(f"{API}/definitions/form/a.form/draft", headers=mine).json
    assert stored["title"] == "Theirs"


def test_publish_then_a_stale_revision_is_refused(client, app):
    headers = auth()
    saved = save(client, headers, "a.form", "new").json
    published = client.post(
        f"{API}/builder/forms/a.form/publish", json={"revision": saved["revision"]}, headers=headers
    )
    assert published.status_code == 200 and published.json["status"] == "published"
    again = client.post(
        f"{API}/builder/forms/a.form/publish", json={"revision": saved["revision"]}, headers=headers
    )
    assert again.status_code == 409
    extra = client.post(
        f"{API}/builder/forms/a.form/publish", json={"role": "admin"}, headers=headers
    )
    assert extra.status_code == 422


def test_only_builders_and_admins(client, app):
    staff = auth("staff")
    assert client.get(f"{API}/builder/forms/a.form", headers=staff).status_code == 403
    assert (
        client.post(f"{API}/builder/forms/preview", json={"body": {}}, headers=staff).status_code
        == 403
    )
    assert client.get(f"{API}/builder/forms/a.form").status_code == 401
    assert client.get(f"{API}/builder/forms/a.form", headers=auth("admin")).status_code == 200


def test_session_calls_need_csrf_and_the_page_is_for_builders(client, app):
    login(client, make_user("builder"))
    assert (
        client.post(f"{API}/builder/forms/preview", json={"body": small_form()}).status_code == 400
    )
    token = csrf_token(client, "/builder/forms/a.form/design")
    ok = client.post(
        f"{API}/builder/forms/preview", json={"body": small_form()}, headers={"X-CSRFToken": token}
    )
    assert ok.status_code == 200
    page = client.get("/builder/forms/a.form/design").get_data(as_text=True)
    assert 'id="form-designer"' in page or "make ui" in page
    assert client.get("/builder/forms/Bad..Key/design").status_code == 404


def test_staff_cannot_open_the_page(client, app):
    login(client, make_user("staff"))
    assert client.get("/builder/forms/a.form/design").status_code == 403


def test_fill_as_customer_links_the_portal_page_of_the_flow_it_starts(client, app):
    from app.extensions import db
    from app.services import definitions

    headers = auth()
    save(client, headers, "claims.request", "new")
    client.post(f"{API}/builder/forms/claims.request/publish", headers=headers)
    flow = {
        "portal": {"title": {"en": "File a claim", "zh-CN": "提交索赔"}},
        "nodes": [
            {
                "id": "start",
                "type": "start",
                "config": {"trigger": {"type": "form", "form": "claims.request"}},
            },
            {"id": "end", "type": "end"},
        ],
        "edges": [{"from": "start", "to": "end"}],
    }
    assert (
        client.get(f"{API}/builder/forms/claims.request", headers=headers).json["portal_url"]
        is None
    )
    definitions.save_draft("flow", "claims.flow", "Claims", flow)
    definitions.publish("flow", "claims.flow")
    db.session.commit()
    opened = client.get(f"{API}/builder/forms/claims.request", headers=headers).json
    assert opened["portal_url"] == "/portal/r/claims.flow"
    assert client.get(opened["portal_url"]).status_code == 200
