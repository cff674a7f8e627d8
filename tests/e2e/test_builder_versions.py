"""A builder creates a definition, meets a schema error at its pointer, publishes, revises."""

from __future__ import annotations

import json

from tests.e2e.conftest import shot

PASSWORD = "correct horse battery staple"


def _sign_in_as_new_builder(page, base: str) -> None:
    page.goto(base + "/setup")
    page.get_by_label("Name").fill("Ada Admin")
    page.get_by_label("E-mail").fill("ada@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create administrator").click()
    page.wait_for_url("**/admin/users")
    page.locator("#u-name").fill("Bo Builder")
    page.locator("#u-email").fill("bo@example.test")
    page.locator("#u-password").fill(PASSWORD)
    page.get_by_label("staff").uncheck()
    page.get_by_label("builder").check()
    page.get_by_role("button", name="Create user").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("E-mail").fill("bo@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/builder/")


def test_builder_draft_error_publish_and_diff(live_server, page):
    _sign_in_as_new_builder(page, live_server)
    page.locator("select[name=kind]").last.select_option("form")
    page.get_by_placeholder("returns.request").fill("claims.contact")
    page.get_by_role("button", name="Start").click()

    body = json.loads(page.locator("#d-body").input_value())
    broken = {**body, "schema": {**body.get("schema", {}), "type": 5}}
    page.locator("#d-title").fill("Contact form")
    page.locator("#d-body").fill(json.dumps(broken, indent=2))
    page.get_by_role("button", name="Save draft").click()
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    assert "/schema/type" in alert.inner_text()
    shot(page, "builder-draft-errors")

    page.locator("#d-body").fill(json.dumps(body, indent=2))
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Publish draft v1").click()
    assert page.get_by_text("live version v1").is_visible()

    page.get_by_role("link", name="Edit draft").click()
    page.locator("#d-title").fill("Contact form (revised)")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Publish draft v2").click()
    assert page.get_by_text("live version v2").is_visible()
    page.get_by_role("link", name="changes since v1").click()
    assert "Contact form (revised)" in page.content()
    assert "/title" in page.content()
    shot(page, "builder-diff")
