"""State-changing requests need a CSRF token, or an API token (CHECKLIST 27)."""

from __future__ import annotations

from app.extensions import db
from app.models import User
from tests.factories import DEFAULT_PASSWORD, csrf_token, login, make_api_token, make_user

NEW_USER = {"email": "new@example.test", "name": "New Person", "password": DEFAULT_PASSWORD,
            "roles": "staff"}


def _count(email: str) -> int:
    query = db.select(db.func.count()).select_from(User).where(User.email == email)
    return db.session.scalar(query)


def test_admin_form_without_csrf_token_is_refused_and_changes_nothing(client):
    login(client, make_user("admin"))
    response = client.post("/admin/users", data=NEW_USER)
    assert response.status_code == 400
    assert b"CSRF" in response.data
    assert _count("new@example.test") == 0


def test_admin_form_with_a_wrong_csrf_token_is_refused(client):
    login(client, make_user("admin"))
    response = client.post("/admin/users", data={**NEW_USER, "csrf_token": "forged"})
    assert response.status_code == 400
    assert _count("new@example.test") == 0


def test_admin_form_with_csrf_token_creates_the_user(client):
    login(client, make_user("admin"))
    token = csrf_token(client, "/admin/users")
    response = client.post("/admin/users", data={**NEW_USER, "csrf_token": token})
    assert response.status_code == 302
    assert _count("new@example.test") == 1


def test_csrf_token_of_another_session_is_refused(app, client):
    login(client, make_user("admin"))
    other_client = app.test_client()
    login(other_client, make_user("admin"))
    foreign = csrf_token(other_client, "/admin/users")
    response = client.post("/admin/users", data={**NEW_USER, "csrf_token": foreign})
    assert response.status_code == 400
    assert _count("new@example.test") == 0


def test_session_api_write_needs_the_csrf_header(client):
    login(client, make_user("admin"))
    token = csrf_token(client, "/admin/users")
    without = client.post("/api/v1/me")
    assert without.status_code in (400, 405)
    assert client.post("/logout", headers={"X-CSRFToken": token}).status_code == 302


def test_bearer_token_calls_skip_csrf_but_not_auth(client):
    user = make_user("admin")
    token = make_api_token(user)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    # A bearer-authenticated request is not a browser session: no cookie is issued.
    assert "session=" not in response.headers.get("Set-Cookie", "")


def test_api_errors_for_bad_csrf_are_json(client):
    login(client, make_user("admin"))
    response = client.post("/api/v1/openapi.json")
    assert response.status_code in (400, 405)
    assert response.is_json
    assert "error" in response.json
