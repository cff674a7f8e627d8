"""Signing in and out, sessions, and the one-time first administrator (CHECKLIST 21, 22)."""

from __future__ import annotations

import threading

import pytest
from flask.sessions import SecureCookieSessionInterface

from app.extensions import db
from app.models import SystemRole, User, UserRole
from app.services import users
from runtime.exceptions import Conflict, ValidationFailed
from tests.factories import DEFAULT_PASSWORD, csrf_token, login, make_user


def test_login_with_the_right_password_lands_on_the_role_home(client):
    user = make_user("staff", teams=("cs_agent",))
    login(client, user)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inbox/")
    assert client.get("/inbox/").status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    user = make_user("staff")
    token = csrf_token(client)
    wrong = client.post("/login", data={"email": user.email, "password": "nope-nope-nope",
                                        "csrf_token": token})
    unknown = client.post("/login", data={"email": "ghost@example.test", "password": "x" * 12,
                                          "csrf_token": token})
    assert wrong.status_code == unknown.status_code == 401
    assert b"E-mail or password is wrong." in wrong.data
    assert b"E-mail or password is wrong." in unknown.data


def test_deactivated_user_cannot_sign_in(client):
    user = make_user("staff")
    user.active = False
    db.session.commit()
    token = csrf_token(client)
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 401


def test_login_refuses_to_redirect_off_site(client):
    user = make_user("staff")
    token = csrf_token(client)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post("/login", data={
            "email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token,
            "next": target,
        })
        assert response.status_code == 302
        assert "evil.example" not in response.headers["Location"], target
        client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox/")})
        token = csrf_token(client)


def test_logout_needs_post_with_csrf(client):
    user = make_user("staff")
    login(client, user)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/inbox/").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox/")})
    assert response.status_code == 302
    assert client.get("/inbox/").status_code == 302


def test_session_cookie_signed_by_another_instance_is_rejected(app, client):
    user = make_user("admin")
    other = app.__class__("other")
    other.secret_key = "another-installation-" + "y" * 40
    forged = SecureCookieSessionInterface().get_signing_serializer(other).dumps(
        {"_user_id": user.get_id(), "_fresh": True}
    )
    client.set_cookie("session", forged)
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_password_change_ends_other_sessions(client, app):
    user = make_user("staff")
    login(client, user)
    users.set_password(user, "another strong passphrase")
    db.session.commit()
    assert client.get("/inbox/").status_code == 302


def test_weak_password_is_refused_with_pointers():
    with pytest.raises(ValidationFailed) as caught:
        users.create_user("not-an-email", "", "short", roles=["wizard"])
    pointers = sorted(e.pointer for e in caught.value.errors)
    assert pointers == ["/email", "/name", "/password", "/roles"]


def test_setup_page_creates_the_first_admin_once(client, app):
    assert client.get("/").headers["Location"].endswith("/setup")
    form = {"name": "First Admin", "email": "first@example.test", "password": DEFAULT_PASSWORD,
            "csrf_token": csrf_token(client, "/setup")}
    response = client.post("/setup", data=form)
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200
    assert client.get("/setup").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/users")})
    assert client.get("/setup").status_code == 404


def test_setup_shows_errors_next_to_fields(client):
    form = {"name": "", "email": "nope", "password": "short",
            "csrf_token": csrf_token(client, "/setup")}
    response = client.post("/setup", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert "is not an e-mail address" in html


def test_concurrent_first_admin_creation_yields_exactly_one_admin(app):
    """CHECKLIST 22: both callers pass the emptiness check; the flag's key admits one."""
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                users.create_first_admin(f"admin{n}@example.test", f"Admin {n}", DEFAULT_PASSWORD)
                outcomes.append("created")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    admins = db.session.scalar(
        db.select(db.func.count()).select_from(UserRole).where(UserRole.role == SystemRole.ADMIN)
    )
    assert admins == 1
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "created"]
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1
