"""A new installation as a person meets it: set up the admin, add a colleague, sign in."""

from __future__ import annotations

from tests.e2e.conftest import shot

PASSWORD = "correct horse battery staple"


def test_first_run_setup_user_creation_and_staff_sign_in(live_server, page):
    page.goto(live_server + "/")
    assert page.url.endswith("/setup")
    topbar = page.locator("header.topbar")
    colour = topbar.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(24, 32, 58)", "the stylesheet did not load"
    page.get_by_label("Name").fill("Ada Admin")
    page.get_by_label("E-mail").fill("ada@example.test")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create administrator").click()
    assert page.get_by_role("alert").is_visible()
    assert page.locator("#password[aria-invalid=true]").count() == 1
    shot(page, "setup-errors")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create administrator").click()
    page.wait_for_url("**/admin/users")
    assert page.get_by_role("heading", name="Users and teams").is_visible()

    page.locator("#t-key").fill("warehouse_eu")
    page.locator("#t-name").fill("Warehouse EU")
    page.get_by_role("button", name="Save team").click()
    page.wait_for_url("**/admin/users")

    page.locator("#u-name").fill('Wim <script>alert("x")</script>')
    page.locator("#u-email").fill("wim@example.test")
    page.locator("#u-password").fill(PASSWORD)
    page.get_by_label("warehouse_eu").check()
    page.get_by_role("button", name="Create user").click()
    page.wait_for_url("**/admin/users")
    row = page.get_by_role("row", name="wim@example.test")
    assert 'Wim <script>alert("x")</script>' in row.inner_text()
    assert "warehouse_eu" in row.inner_text()
    shot(page, "admin-users")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.get_by_label("E-mail").fill("wim@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox/")
    assert page.get_by_text("No open tasks for you or your teams.").is_visible()
    assert page.get_by_role("link", name="Admin").count() == 0
    shot(page, "staff-inbox")

    page.goto(live_server + "/admin/users")
    assert page.get_by_role("heading", name="403").is_visible()
