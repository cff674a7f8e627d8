"""CHECKLIST 23 for password resets: the mailed link's host comes from PUBLIC_BASE_URL,
never from the request's Host or Origin; the link is signed, expiring and single-use."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import AuditEntry, MailMessage, User
from tests.factories import DEFAULT_PASSWORD, csrf_token, login, make_user

NEW_PASSWORD = "lantern orchard seventeen"
LINK = re.compile(r"(https?://[^\s/]+)(/password/reset/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def app_overrides():
    return {"PUBLIC_BASE_URL": "https://returns.example.com/"}


def ask_for_link(client, email: str, base_url: str = "http://localhost", **headers) -> None:
    page = client.get("/password/forgot", base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/password/forgot", data={"email": email, "csrf_token": token},
                           base_url=base_url, headers=headers)
    assert response.status_code == 200
    assert "If an account uses that address" in response.get_data(as_text=True)


def mailed_links() -> list[tuple[str, str]]:
    texts = db.session.scalars(db.select(MailMessage.text).order_by(MailMessage.id)).all()
    return [m.groups() for text in texts for m in [LINK.search(text)] if m]


def test_c23_reset_link_host_comes_from_configuration_not_the_request(client):
    user = make_user("staff")
    ask_for_link(client, user.email.upper(), base_url="http://evil.example",
                 Origin="https://evil.example", **{"X-Forwarded-Host": "evil.example"})
    [(host, _path)] = mailed_links()
    assert host == "https://returns.example.com"
    mail = db.session.scalar(db.select(MailMessage))
    assert mail.to_addrs == [user.email]
    assert "evil.example" not in mail.text


def test_unknown_accounts_get_the_same_answer_and_no_mail(client):
    ask_for_link(client, "nobody@example.test")
    assert mailed_links() == []


def test_the_link_sets_a_new_password_once_and_signs_out_other_sessions(client, app):
    user = make_user("staff")
    other = app.test_client()
    login(other, user)
    ask_for_link(client, user.email)
    [(_, path)] = mailed_links()
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, path)}
    response = client.post(path, data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert other.get("/inbox/").status_code == 302  # the other session ended
    login(client, db.session.get(User, user.id), NEW_PASSWORD)
    again = app.test_client()
    assert again.get(path).status_code == 404  # used once: the hash changed
    actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert "auth.password_reset" in actions and "auth.password_reset_requested" in actions


def test_the_new_password_must_meet_the_policy_and_match(client):
    user = make_user("staff")
    ask_for_link(client, user.email)
    [(_, path)] = mailed_links()
    token = csrf_token(client, path)
    weak = client.post(path, data={"password": "password123", "confirm": "password123",
                                   "csrf_token": token})
    assert weak.status_code == 422
    assert "too easy to guess" in weak.get_data(as_text=True)
    mismatch = client.post(path, data={"password": NEW_PASSWORD, "confirm": "other words here",
                                       "csrf_token": token})
    assert mismatch.status_code == 422
    assert "does not match" in mismatch.get_data(as_text=True)
    login(client, db.session.get(User, user.id), DEFAULT_PASSWORD)  # unchanged


def test_forged_and_expired_links_are_refused(client, app):
    user = make_user("staff")
    ask_for_link(client, user.email)
    [(_, path)] = mailed_links()
    assert client.get(path[:-3] + "AAA").status_code == 404
    assert client.get("/password/reset/not-a-token").status_code == 404
    app.config["PASSWORD_RESET_MINUTES"] = 0
    import time

    time.sleep(1.1)
    response = client.get(path)
    assert response.status_code == 404
    assert "no longer works" in response.get_data(as_text=True)


def test_reset_requests_are_rate_limited(client):
    user = make_user("staff")
    for _ in range(3):
        ask_for_link(client, user.email)
    token = csrf_token(client, "/password/forgot")
    response = client.post("/password/forgot", data={"email": user.email, "csrf_token": token})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert len(mailed_links()) == 3
