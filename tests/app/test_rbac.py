"""Every route declares who may use it; the gate fails closed (DESIGN §10, CHECKLIST 18)."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint

from app import create_app
from app.security import access_of
from tests.factories import login, make_api_token, make_user

#: Route family -> (a GET page in it, the roles that may open it).
FAMILIES = {
    "inbox": ("/inbox/", {"staff", "manager", "admin"}),
    "dashboards": ("/dashboards/", {"manager", "admin"}),
    "builder": ("/builder/", {"builder", "admin"}),
    "admin": ("/admin/users", {"admin"}),
    "audit": ("/admin/audit", {"admin"}),
    "api": ("/api/v1/me", {"staff", "manager", "builder", "admin", "customer"}),
}
ROLES = ["customer", "staff", "manager", "builder", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_against_each_route_family(client, role):
    user = make_user(role)
    login(client, user)
    seen = {family: client.get(path).status_code for family, (path, _) in FAMILIES.items()}
    expected = {family: 200 if role in allowed else 403
                for family, (_, allowed) in FAMILIES.items()}
    assert seen == expected


def _sample_url(rule) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "x", rule.rule)


def test_every_non_public_route_refuses_anonymous_callers(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        access = access_of(view)
        if rule.endpoint == "static" or access.public:
            continue
        url = _sample_url(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if url.startswith("/api/"):
                assert response.status_code == 401, (method, url)
                assert response.json["error"]["code"] == "unauthorized"
            elif method == "GET":
                assert response.status_code == 302, (method, url)
                assert "/login" in response.headers["Location"]
            else:
                assert response.status_code == 302, (method, url)
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users?/hooks/x",
        "/admin/users/%2e%2e/",
        "/admin/%2e%2e/",
        "/admin/users/..;/",
        "/builder/../admin/users",
        "/inbox//",
        "/api/v1/me?/healthz",
        "/api/v1/%2e%2e/healthz",
    ],
)
def test_odd_suffixes_do_not_open_protected_routes(client, path):
    response = client.get(path)
    if path.startswith("/api/"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_forged_and_revoked_tokens_are_refused(client, app):
    from app.extensions import db
    from app.models import ApiToken, utcnow

    user = make_user("builder")
    token = make_api_token(user)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json["email"] \
        == user.email
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer flm_forged"}).status_code \
        == 401
    assert client.get("/api/v1/me", headers={"Authorization": token}).status_code == 401
    db.session.execute(db.update(ApiToken).values(revoked_at=utcnow()))
    db.session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_a_bad_token_on_a_page_is_refused_not_ignored(client):
    response = client.get("/inbox/", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_tokens_are_stored_hashed(app):
    from app.extensions import db
    from app.models import ApiToken

    token = make_api_token(make_user("staff"))
    stored = db.session.scalar(db.select(ApiToken))
    assert token not in (stored.token_hash, stored.prefix)
    assert len(stored.token_hash) == 64


def test_a_route_without_an_access_declaration_stops_the_app(app_config, tmp_path, monkeypatch):
    undeclared = Blueprint("undeclared", __name__)

    @undeclared.get("/oops")
    def oops():
        return "open"

    import app.web as web

    original = web.register_blueprints

    def with_undeclared(application):
        original(application)
        application.register_blueprint(undeclared)

    monkeypatch.setattr(web, "register_blueprints", with_undeclared)
    with pytest.raises(RuntimeError, match=r"undeclared\.oops"):
        create_app({**app_config, "INSTANCE_PATH": str(tmp_path / "i2")})


def test_users_manage_only_their_own_tokens(client):
    owner = make_user("staff")
    make_api_token(owner, name="owner-token")
    other = make_user("staff")
    login(client, other)
    from app.extensions import db
    from app.models import ApiToken

    token_id = db.session.scalar(db.select(ApiToken.id))
    from tests.factories import csrf_token

    response = client.post(f"/admin/tokens/{token_id}/revoke",
                           data={"csrf_token": csrf_token(client, "/admin/tokens")})
    assert response.status_code == 404
    assert db.session.get(ApiToken, token_id).revoked_at is None
