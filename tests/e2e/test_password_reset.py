"""Signing in as a person meets it: a forgotten password reset by e-mail, and the pause
after too many failed attempts. Screenshots in tests/e2e/artifacts/auth-*.png."""

from __future__ import annotations

import re
from pathlib import Path

from tests.factories import DEFAULT_PASSWORD

ARTIFACTS = Path(__file__).parent / "artifacts"
NEW_PASSWORD = "lantern orchard seventeen"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"auth-{name}.png"), full_page=True)


def _make_user(app, email: str) -> None:
    from app.extensions import db
    from app.services import users

    with app.app_context():
        users.create_user(email, "Rita Reset", DEFAULT_PASSWORD, roles=["staff"])
        db.session.commit()


def _mailed_path(app) -> str:
    from app.extensions import db
    from app.models import MailMessage

    with app.app_context():
        text = db.session.scalars(db.select(MailMessage.text)).one()
    return re.search(r"https?://[^/\s]+(/password/reset/\S+)", text).group(1)


def test_forgotten_password_is_reset_through_the_mailed_link(live_app, page):
    base, app = live_app
    _make_user(app, "rita@example.test")
    page.goto(base + "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill("rita@example.test")
    page.get_by_role("button", name="Send the link").click()
    assert page.get_by_role("heading", name="Check your e-mail").is_visible()
    shot(page, "1-link-sent")

    page.goto(base + _mailed_path(app))
    page.get_by_label("New password", exact=True).fill("password123")
    page.get_by_label("New password again").fill("password123")
    page.get_by_role("button", name="Set the new password").click()
    assert page.get_by_role("alert").is_visible()
    assert "too easy to guess" in page.locator("#password-error").inner_text()
    shot(page, "2-weak-password")

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    page.wait_for_url("**/login")
    assert page.get_by_text("Your password has been changed").is_visible()
    page.get_by_label("E-mail").fill("rita@example.test")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox/**")

    page.goto(base + _mailed_path(app))  # used once: the link no longer works
    assert page.get_by_role("heading", name="This link no longer works").is_visible()
    shot(page, "3-link-used")


def test_too_many_failures_pause_signing_in_with_a_clear_message(live_app, page):
    base, app = live_app
    _make_user(app, "tom@example.test")
    page.goto(base + "/login")
    for _ in range(6):
        page.get_by_label("E-mail").fill("tom@example.test")
        page.get_by_label("Password").fill("not my password")
        page.get_by_role("button", name="Sign in").click()
    message = page.get_by_role("alert")
    assert "Too many failed sign-in attempts" in message.inner_text()
    assert re.search(r"try again in \d+ minutes?", message.inner_text())
    shot(page, "4-throttled")
