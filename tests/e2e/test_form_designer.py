"""The form designer in a real browser: drag fields from the palette, reorder them by
dragging, edit texts in both languages and the options, write a rule with the rule
editor, see the live preview in zh-CN, see a compile error on its rule, save, publish.

Needs the built bundle (`make ui`); skipped with that reason when it is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, make_user

ARTIFACTS = Path(__file__).parent / "artifacts"
BUNDLE = Path(__file__).parents[2] / "app" / "static" / "builder" / "manifest.json"
CLAIM_FLOW = {
    "case_number": {"prefix": "CL-", "digits": 6},
    "portal": {"title": {"en": "File a claim", "zh-CN": "提交索赔"}},
    "nodes": [
        {"id": "start", "type": "start",
         "config": {"trigger": {"type": "form", "form": "claims.request"}}},
        {"id": "end", "type": "end"},
    ],
    "edges": [{"from": "start", "to": "end"}],
}


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"form-designer-{name}.png"))


@pytest.fixture
def builder_page(live_app, page):
    if not BUNDLE.exists():
        pytest.skip("the designer bundle is not built: run `make ui`")
    base, app = live_app
    with app.app_context():
        make_user("builder", email="bo@example.test", name="Bo Builder")
    page.set_viewport_size({"width": 1600, "height": 950})
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("bo@example.test")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield base, app, page, errors


def field_order(page) -> list[str]:
    return page.locator(".fm-card").evaluate_all("cards => cards.map(c => c.dataset.field)")


def card(page, name: str):
    return page.locator(f'.fm-card[data-field="{name}"]')


def drag_field(page, field_type: str) -> None:
    page.locator(f'.fm-palette-item[data-type="{field_type}"]').drag_to(
        page.locator('[data-drop-section="main"]')
    )


def test_build_a_form_by_dragging_preview_in_chinese_and_publish(builder_page):
    base, app, page, errors = builder_page
    page.goto(base + "/builder/forms/claims.request/design")
    page.wait_for_selector(".fm-canvas")
    expect(page.get_by_test_id("status")).to_contain_text("new, not saved yet")

    # Three fields dragged from the palette, then the dropdown dragged to the top.
    for field_type in ("text", "select", "textarea"):
        drag_field(page, field_type)
    expect(page.locator(".fm-card")).to_have_count(3)
    assert field_order(page) == ["text_1", "select_1", "textarea_1"]
    card(page, "select_1").drag_to(card(page, "text_1"))
    expect(page.locator(".fm-card").first).to_have_attribute("data-field", "select_1")
    assert field_order(page) == ["select_1", "text_1", "textarea_1"]

    # Texts in both languages, required, a limit.
    card(page, "text_1").click()
    page.get_by_label("Label (en)").fill("Your name")
    page.get_by_label("Label (zh-CN)").fill("您的姓名")
    page.get_by_label("Help (en)").fill("As on the order")
    page.get_by_label("Required").check()
    page.get_by_label("Max length").fill("80")
    card(page, "select_1").click()
    page.get_by_label("Label (en)").fill("Reason")
    page.get_by_label("Label (zh-CN)").fill("退货原因")
    page.get_by_label("Option 1 value").fill("size")
    page.get_by_label("Option 1 text (en)").fill("Wrong size")
    page.get_by_label("Option 1 text (zh-CN)").fill("尺码不合适")
    page.get_by_label("Option 2 value").fill("damaged")
    page.get_by_label("Option 2 text (en)").fill("Arrived damaged")
    page.get_by_label("Option 2 text (zh-CN)").fill("到货损坏")
    card(page, "textarea_1").click()
    page.get_by_label("Label (en)").fill("What is damaged?")
    page.get_by_label("Label (zh-CN)").fill("损坏情况")
    expect(card(page, "text_1")).to_contain_text("Your name")
    expect(page.get_by_test_id("preview")).to_contain_text("What is damaged?")
    shot(page, "1-fields")

    # A rule: when the reason is "damaged", show the description field.
    page.get_by_role("tab", name="Rules (0)").click()
    page.get_by_role("button", name="+ Add rule").click()
    rule = page.locator(".fm-rule").first
    rule.get_by_label("Field", exact=True).fill("select_1")
    rule.get_by_label("Operator").select_option("in")
    rule.get_by_label("Value").fill("damaged")
    rule.get_by_label("Effect").select_option("show")
    rule.get_by_label("Target textarea_1").check()
    # "in" needs a list: the runtime's compile error lands on the rule; publishing is blocked.
    expect(rule.locator(".fl-issue-error")).to_contain_text("must be a list of values")
    expect(page.get_by_role("button", name="Publish")).to_be_disabled()
    shot(page, "2-rule-error")
    rule.get_by_label("Operator").select_option("==")
    expect(rule.locator(".fl-issue-error")).to_have_count(0)
    expect(page.locator(".fl-ok")).to_contain_text("No errors")
    shot(page, "3-rule")

    # The live preview, rendered by the form runtime, in Chinese.
    page.get_by_role("tab", name="Design").click()
    page.get_by_role("tab", name="中文").click()
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("您的姓名")
    expect(preview).to_contain_text("退货原因")
    expect(preview.locator("option", has_text="到货损坏")).to_have_count(1)
    # The customers' own script runs in the preview: the rule hides the field until
    # "damaged" is chosen, then shows it.
    described = preview.locator('[data-fl-path="textarea_1"]')
    expect(described).to_be_hidden()
    preview.locator('select[name="select_1"]').select_option("damaged")
    expect(described).to_be_visible()
    shot(page, "4-preview-zh-CN")

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft v1 saved")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published as v1")
    expect(page.get_by_test_id("status")).to_contain_text("v1 published")
    shot(page, "5-published")

    with app.app_context():
        from app.forms.loading import load_form

        form = load_form("claims.request")
        assert [f.path for f in form.sections[0].fields] == ["select_1", "text_1", "textarea_1"]
        assert form.by_path["text_1"].required
        assert form.i18n["zh-CN"]["select_1.option.damaged"] == "到货损坏"
        shown = form.rules.apply({"select_1": "damaged"})
        hidden = form.rules.apply({"select_1": "size"})
        assert "textarea_1" not in shown.hidden and "textarea_1" in hidden.hidden

    # Once a portal flow starts with it, "Fill as customer" opens the portal page, where
    # the published form is filled in and a case starts with what was typed.
    with app.app_context():
        from app.extensions import db
        from app.services import definitions

        definitions.save_draft("flow", "claims.flow", "Claims", CLAIM_FLOW)
        definitions.publish("flow", "claims.flow")
        db.session.commit()
    page.reload()
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Fill as customer").click()
    portal = opened.value
    portal.wait_for_load_state()
    described = portal.locator('[data-fl-path="textarea_1"]')
    expect(described).to_be_hidden()
    portal.locator('select[name="select_1"]').select_option("damaged")
    expect(described).to_be_visible()
    portal.locator('[name="text_1"]').fill("Ana Lopez")
    portal.locator('[name="textarea_1"]').fill("The lid is cracked")
    portal.locator('button.portal-button[type="submit"]').click()
    case_number = portal.locator(".portal-case-number").inner_text().strip()
    assert case_number.startswith("CL-")
    shot(portal, "6-filled-in-portal")
    with app.app_context():
        from app.extensions import db
        from app.models import FlowInstance

        instance = db.session.scalars(db.select(FlowInstance)).one()
        assert instance.variables["text_1"] == "Ana Lopez"
        assert instance.variables["textarea_1"] == "The lid is cracked"
    assert errors == []


def test_a_colleagues_save_meanwhile_is_shown_and_nothing_is_overwritten(builder_page):
    base, app, page, errors = builder_page
    body = {
        "schema": {"type": "object", "properties": {"name": {"type": "string"}}},
        "ui": {"sections": [{"id": "main", "title": "Details", "fields": ["name"]}]},
        "i18n": {"en": {"name.label": "Name"}},
    }
    with app.app_context():
        from app.extensions import db
        from app.services import definitions

        definitions.save_draft("form", "claims.request", "Claim", body)
        db.session.commit()
    page.goto(base + "/builder/forms/claims.request/design")
    page.wait_for_selector('.fm-card[data-field="name"]')
    with app.app_context():
        from app.extensions import db
        from app.services import definitions

        colleague = make_user("builder", email="cy@example.test", name="Cy Colleague")
        theirs = {**body, "i18n": {"en": {"name.label": "Full name"}}}
        definitions.save_draft("form", "claims.request", "Claim", theirs, colleague)
        db.session.commit()
    card(page, "name").click()
    page.get_by_label("Label (en)").fill("My name")
    page.get_by_role("button", name="Save draft").click()
    alert = page.locator(".fl-message-error")
    expect(alert).to_contain_text("Cy Colleague saved v1 of this form")
    expect(alert.get_by_role("button", name="Reload their version")).to_be_visible()
    shot(page, "7-conflict")
    alert.get_by_role("button", name="Reload their version").click()
    expect(card(page, "name")).to_contain_text("Full name")
    assert errors == []
