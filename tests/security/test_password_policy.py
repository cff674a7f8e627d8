"""The password policy applies wherever a password is set: create, first admin, reset, CLI."""

from __future__ import annotations

import pytest

from app.services import users
from app.services.passwords import MAX_PASSWORD_LENGTH, password_problems
from runtime.exceptions import ValidationFailed
from tests.factories import DEFAULT_PASSWORD, csrf_token, login, make_user

COMMON = ["password123", "qwertyuiop", "1234567890", "iloveyou1234", "Password2024!",
          "abcdefghij", "aaaaaaaaaaaa"]


@pytest.mark.parametrize("password", COMMON)
def test_common_and_patterned_passwords_are_refused(password):
    assert any("too easy to guess" in p for p in password_problems(password))


def test_good_passphrases_pass():
    for password in (DEFAULT_PASSWORD, "formloom-demo-2026", "lantern orchard seventeen"):
        assert password_problems(password, "ana@example.test", "Ana") == []


def test_length_bounds_and_the_account_itself():
    assert password_problems("Zq8#kL2") == ["must be at least 10 characters"]
    assert password_problems("x" * (MAX_PASSWORD_LENGTH + 1)) == [
        f"must be at most {MAX_PASSWORD_LENGTH} characters"]
    assert "must not be the e-mail address" in password_problems(
        "ana.lopez@example.test", "ana.lopez@example.test")
    assert any("too easy" in p for p in password_problems(
        "ana.lopez2026", "ana.lopez@example.test", "Ana Lopez"))


def test_create_user_and_set_password_refuse_with_a_pointer(app):
    with pytest.raises(ValidationFailed) as caught:
        users.create_user("ana@example.test", "Ana", "password123")
    assert [e.pointer for e in caught.value.errors] == ["/password"]
    user = make_user("staff")
    with pytest.raises(ValidationFailed):
        users.set_password(user, "qwertyuiop123")


def test_admin_page_shows_the_policy_error(client):
    admin = make_user("admin")
    login(client, admin)
    form = {"email": "new@example.test", "name": "New", "password": "password123",
            "roles": "staff", "csrf_token": csrf_token(client, "/admin/users")}
    response = client.post("/admin/users", data=form)
    assert response.status_code == 422
    assert "too easy to guess" in response.get_data(as_text=True)


def test_setup_page_refuses_a_common_password(client):
    form = {"name": "First", "email": "first@example.test", "password": "1234567890",
            "csrf_token": csrf_token(client, "/setup")}
    response = client.post("/setup", data=form)
    assert response.status_code == 422
    assert "too easy to guess" in response.get_data(as_text=True)
