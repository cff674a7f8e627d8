"""The API answers in JSON, always, and describes itself in OpenAPI generated from code."""

from __future__ import annotations

from flask import Blueprint

from app.security import public
from tests.factories import make_api_token, make_user


def _auth(user_role: str = "builder") -> dict[str, str]:
    return {"Authorization": f"Bearer {make_api_token(make_user(user_role))}"}


def test_openapi_lists_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    api_rules = {
        r.rule.replace("<", "{").replace(">", "}")
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1")
    }
    documented = set(document["paths"])
    normalised = {p.split(":")[-1] if ":" in p else p for p in api_rules}
    assert len(documented) == len(api_rules)
    assert "/api/v1/me" in documented
    assert "/api/v1/openapi.json" in documented
    assert normalised  # every rule produced a path
    me = document["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearer": []}, {"session": []}]
    assert {"200", "401", "403"} <= set(me["responses"])
    assert "security" not in document["paths"]["/api/v1/openapi.json"]["get"]


def test_me_returns_roles_and_teams(client):
    user = make_user("staff", teams=("finance",))
    token = make_api_token(user)
    body = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json
    assert body == {"id": user.id, "email": user.email, "name": user.name,
                    "roles": ["staff"], "teams": ["finance"]}


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here", headers=_auth())
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_wrong_method_is_a_json_405(client):
    response = client.delete("/api/v1/me", headers=_auth())
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_unexpected_error_is_a_json_500_without_internals(app_config, tmp_path, monkeypatch):
    from app import create_app

    broken = Blueprint("broken", __name__, url_prefix="/api/v1")

    @broken.get("/boom")
    @public
    def boom():
        raise RuntimeError("secret internal detail")

    import app.web as web

    original = web.register_blueprints
    monkeypatch.setattr(web, "register_blueprints",
                        lambda a: (original(a), a.register_blueprint(broken)))
    application = create_app({**app_config, "INSTANCE_PATH": str(tmp_path / "i3")})
    monkeypatch.setattr("app.api.openapi.build_document", lambda *a, **k: {})
    response = application.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_error"
    assert "secret internal detail" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_html_pages_get_an_html_error_page(client):
    user = make_user("staff")
    from tests.factories import login

    login(client, user)
    response = client.get("/inbox/nothing-here")
    assert response.status_code == 404
    assert b"Nothing was found at this address." in response.data
    assert response.mimetype == "text/html"


def test_security_headers_are_set(client):
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_static_assets_are_public(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert b".topbar" in response.data


def test_absurdly_nested_json_is_a_400_not_a_500(client):
    body = "[" * 100_000 + "]" * 100_000
    response = client.put(
        "/api/v1/definitions/form/deep.form/draft",
        data=body, content_type="application/json", headers=_auth("builder"),
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"
