"""Sign-in throttling: per account and per address, a clear message, audit entries."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEntry
from app.services.sign_in import FAILURES_PER_ACCOUNT, FAILURES_PER_IP
from tests.factories import DEFAULT_PASSWORD, csrf_token, make_user


def attempt(client, email: str, password: str, addr: str = "198.51.100.7"):
    form = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=form, environ_base={"REMOTE_ADDR": addr})


def audit_actions() -> list[str]:
    return db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()


def test_an_account_is_paused_after_its_failures_even_with_the_right_password(client):
    user = make_user("staff")
    for n in range(FAILURES_PER_ACCOUNT.hits):
        response = attempt(client, user.email, "wrong guess number", addr=f"203.0.113.{n}")
        assert response.status_code == 401
    refused = attempt(client, user.email, DEFAULT_PASSWORD, addr="203.0.113.99")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    html = refused.get_data(as_text=True)
    assert "Too many failed sign-in attempts" in html and "try again in" in html
    assert client.get("/inbox/").status_code == 302  # not signed in
    actions = audit_actions()
    assert actions.count("auth.sign_in_failed") == FAILURES_PER_ACCOUNT.hits
    assert actions.count("auth.sign_in_throttled") == 1
    # other accounts are not affected
    other = make_user("staff")
    assert attempt(client, other.email, DEFAULT_PASSWORD, addr="203.0.113.100").status_code == 302


def test_an_address_is_paused_after_failures_across_accounts(client):
    user = make_user("staff")
    for n in range(FAILURES_PER_IP.hits):
        attempt(client, f"guess{n}@example.test", "wrong guess number")
    refused = attempt(client, user.email, DEFAULT_PASSWORD)
    assert refused.status_code == 429
    assert attempt(client, user.email, DEFAULT_PASSWORD, addr="192.0.2.1").status_code == 302


def test_throttled_refusals_are_audited_once_per_window(client):
    user = make_user("staff")
    for _ in range(FAILURES_PER_ACCOUNT.hits):
        attempt(client, user.email, "wrong guess number")
    for _ in range(4):
        assert attempt(client, user.email, "wrong guess number").status_code == 429
    assert audit_actions().count("auth.sign_in_throttled") == 1


def test_unknown_accounts_are_throttled_like_real_ones(client):
    for _ in range(FAILURES_PER_ACCOUNT.hits):
        assert attempt(client, "ghost@example.test", "wrong guess number").status_code == 401
    assert attempt(client, "ghost@example.test", "wrong guess number").status_code == 429


def test_successful_sign_ins_do_not_count(client):
    user = make_user("staff")
    for _ in range(FAILURES_PER_ACCOUNT.hits + 2):
        assert attempt(client, user.email, DEFAULT_PASSWORD).status_code == 302
