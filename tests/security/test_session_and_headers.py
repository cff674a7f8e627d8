"""Security headers on every kind of response, cookie flags in production, session expiry."""

from __future__ import annotations

import time

import pytest

from app.headers import CSP
from tests.factories import DEFAULT_PASSWORD, csrf_token, login, make_user


def assert_security_headers(response) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert "frame-ancestors 'none'" in CSP and "script-src 'self';" in CSP
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "geolocation=()" in headers["Permissions-Policy"]


def test_headers_on_pages_api_errors_and_redirects(client):
    for path, status in (("/login", 200), ("/api/v1/openapi.json", 200), ("/api/v1/me", 401),
                         ("/inbox/", 302), ("/portal/no-such-page", 404), ("/healthz", 200)):
        response = client.get(path)
        assert response.status_code == status, path
        assert_security_headers(response)
        assert "Strict-Transport-Security" not in response.headers  # not in testing


@pytest.fixture
def production(app_overrides):
    app_overrides["ENV_MODE"] = "production"


def test_production_cookies_are_secure_httponly_lax_and_hsts_is_sent(production, app):
    client = app.test_client()
    user = make_user("staff")
    page = client.get("/login", base_url="https://localhost")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    token = _token(page)
    response = client.post("/login", base_url="https://localhost",
                           headers={"Referer": "https://localhost/login"}, data={
        "email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "expires"} <= flags
    assert "SameSite=Lax" in cookie


def _token(page) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_a_session_ends_session_hours_after_sign_in_even_when_active(client, app):
    user = make_user("staff")
    login(client, user)
    assert client.get("/inbox/").status_code == 200
    app.config["SESSION_HOURS"] = 1.5 / 3600  # 1.5 seconds
    time.sleep(0.5)
    assert client.get("/inbox/").status_code == 200  # active within the limit
    time.sleep(1.2)
    response = client.get("/inbox/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/inbox/").status_code == 302  # and it stays signed out


def test_the_session_cookie_expires_after_session_hours(client, app):
    user = make_user("staff")
    token = csrf_token(client)
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD,
                                           "csrf_token": token})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Expires=" in cookie and "HttpOnly" in cookie
    assert app.permanent_session_lifetime.total_seconds() == 12 * 3600
