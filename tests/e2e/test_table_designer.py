"""The decision-table editor in a real browser: open a saved table, edit a row's
condition and output, see a bad cell marked, test the table with inputs in the side
panel (evaluated by runtime.rules.tables on the server), reorder rows, save, publish.

Needs the built bundle (`make ui`); skipped with that reason when it is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, make_user

ARTIFACTS = Path(__file__).parent / "artifacts"
BUNDLE = Path(__file__).parents[2] / "app" / "static" / "builder" / "manifest.json"
XSS = '"><img src=x onerror=alert(1)>'

POLICY = {
    "hit_policy": "first",
    "inputs": [
        {"id": "days", "label": "Days since delivery", "var": "days", "type": "number"},
        {"id": "reason", "label": "Reason", "var": "reason", "type": "string"},
    ],
    "outputs": [{"id": "decision", "label": "Decision", "type": "string"}],
    "rules": [
        {"id": "late", "when": {"days": {"op": ">", "value": 30}},
         "then": {"decision": "reject"}, "annotation": "outside the window"},
        {"id": "faulty", "when": {"reason": ["damaged", "defective"]},
         "then": {"decision": "manual_review"}, "annotation": XSS},
    ],
    "default": {"decision": "auto_approve"},
}


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"table-designer-{name}.png"))


@pytest.fixture
def builder_page(live_app, page):
    if not BUNDLE.exists():
        pytest.skip("the designer bundle is not built: run `make ui`")
    base, app = live_app
    with app.app_context():
        from app.extensions import db
        from app.services import definitions

        user = make_user("builder", email="bo@example.test", name="Bo Builder")
        definitions.save_draft("decision_table", "returns.policy", "Return policy", POLICY, user)
        db.session.commit()
    page.set_viewport_size({"width": 1500, "height": 900})
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("bo@example.test")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: (errors.append(f"dialog {d.message}"), d.dismiss()))
    yield base, app, page, errors


def run_test(page, days: str, reason: str):
    panel = page.get_by_role("form", name="Test with these inputs")
    panel.get_by_label("Test days").fill(days)
    panel.get_by_label("Test reason").fill(reason)
    panel.get_by_role("button", name="Run test").click()
    return page.get_by_role("status", name="Test result")


def test_edit_a_row_test_it_and_publish(builder_page):
    base, app, page, errors = builder_page
    page.goto(base + "/builder/decision_table/returns.policy")
    page.get_by_role("link", name="Open in table editor").click()
    page.wait_for_selector(".tb-grid")
    expect(page.get_by_test_id("status")).to_contain_text("v1 draft")
    expect(page.get_by_label("Rule 2 annotation")).to_have_value(XSS)  # text, not markup

    # The late window becomes 45 days; a cell that does not fit its column is marked.
    page.get_by_label("Rule 1 days operator").select_option("=")
    page.get_by_label("Rule 1 days value").fill("forty-five")
    expect(page.locator("td.tb-has-error .tb-error")).to_contain_text("number")
    expect(page.get_by_role("button", name="Publish")).to_be_disabled()
    shot(page, "1-cell-error")
    page.get_by_label("Rule 1 days operator").select_option(">")
    page.get_by_label("Rule 1 days value").fill("45")
    page.get_by_label("Rule 1 decision output").fill("manual_review")
    expect(page.locator(".tb-error")).to_have_count(0)

    result = run_test(page, "40", "size")
    expect(result).to_contain_text("No rule matched: the default applies")
    expect(result.locator('[data-output="decision"]')).to_have_text("auto_approve")
    result = run_test(page, "50", "damaged")
    expect(result).to_contain_text("Matched: late")
    expect(result.locator('[data-output="decision"]')).to_have_text("manual_review")
    expect(page.locator('tr[data-rule="late"]')).to_have_class("tb-matched")

    # Move the faulty row first: now it decides for a damaged parcel.
    page.get_by_role("button", name="Move rule faulty up").click()
    page.get_by_label("Hit policy").select_option("first")
    result = run_test(page, "50", "damaged")
    expect(result).to_contain_text("Matched: faulty")
    shot(page, "2-tested")

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").first).to_contain_text("Draft v1 saved")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("v1 published")
    shot(page, "3-published")

    with app.app_context():
        from app.services import definitions
        from runtime.rules.tables import compile_table

        row = definitions.get("decision_table", "returns.policy")
        assert str(row.status) == "published"
        table = compile_table(row.body)
        assert [r.id for r in table.rules] == ["faulty", "late"]
        early = table.evaluate({"days": 44, "reason": "size"})
        assert early.outputs == {"decision": "auto_approve"}
        late = table.evaluate({"days": 46, "reason": "size"})
        assert late.outputs == {"decision": "manual_review"} and late.matched_rule_ids == ("late",)
    assert errors == []
