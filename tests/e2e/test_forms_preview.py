"""A builder tries the every-field form in zh-CN: rules live, line items, photo preview, submit."""

from __future__ import annotations

from tests.app.forms.kit import jpeg_bytes
from tests.e2e.forms_shots import shot
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.runtime.forms.kit import every_field_body


def _sign_in_and_open(live_app, page, locale):
    base, app = live_app
    with app.app_context():
        from app.extensions import db
        from app.services import definitions

        body = every_field_body()
        body["i18n"]["zh-CN"]["notes.help"] = '<script>alert("help")</script>'
        definitions.save_draft("form", "test.every", "Every field", body)
        definitions.publish("form", "test.every")
        make_user("builder", email="builder@example.test")
        db.session.commit()
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("builder@example.test")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/builder/forms/test.every/preview?locale={locale}")
    return base


def test_fill_in_zh_cn_with_a_conditional_photo_and_line_items(live_app, page, tmp_path):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in_and_open(live_app, page, "zh-CN")
    photos = page.locator('[data-fl-path="photos"]')
    assert photos.is_hidden()  # shown only when the reason is "damaged"
    assert page.get_by_text('<script>alert("help")</script>').is_visible()  # escaped help text

    page.get_by_label("姓名").fill("李雷")
    page.get_by_role("textbox", name="电子邮件").fill("li@example.com")
    page.get_by_label("国家/地区").select_option("CN")
    page.get_by_label("街道地址").fill("人民路 1 号")
    page.get_by_label("城市").fill("上海")
    page.get_by_label("退货原因").select_option("damaged")
    assert photos.is_visible()

    page.locator("#f-items-0-sku").fill("SKU-1")
    page.locator("#f-items-0-qty").fill("3")
    page.locator("#f-items-0-unit_price").fill("19.99")
    page.get_by_role("button", name="添加一行").click()
    page.locator("#f-items-1-sku").fill("SKU-2")
    page.locator("#f-items-1-qty").fill("1")
    page.locator("#f-items-1-unit_price").fill("0.1")
    page.locator("#f-items-1-unit_price").blur()
    assert page.locator("#f-total").input_value() == "60.07"

    image = tmp_path / "damage.jpg"
    image.write_bytes(jpeg_bytes(size=(120, 90)))
    page.locator("#f-photos").set_input_files(str(image))
    assert page.locator(".fl-previews img").count() == 1
    page.get_by_label("我同意退货条款").check()

    page.get_by_role("textbox", name="电子邮件").fill("li@")
    page.get_by_label("姓名").focus()
    assert page.get_by_text("请输入电子邮件地址，例如 name@example.com。").is_visible()  # noqa: RUF001
    page.get_by_role("textbox", name="电子邮件").fill("li@example.com")
    page.get_by_label("姓名").focus()
    shot(page, "forms-preview-zh-CN-filled")

    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state()
    assert page.get_by_text("The test submission is valid").is_visible()
    text = page.locator(".fl-preview-data").inner_text()
    assert '"total": 60.07' in text and '"type": "image/jpeg"' in text
    shot(page, "forms-preview-zh-CN-valid")
    assert errors == []


def test_without_javascript_the_server_shows_errors_with_a_summary(live_app, chromium):
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        try:
            _sign_in_and_open(live_app, page, "en")
            assert page.locator('[data-fl-path="photos"]').is_visible()  # no JS: every field
            page.get_by_label("Full name").fill('"><img src=x onerror=alert(1)>')
            page.get_by_role("button", name="Check").click()
            summary = page.locator(".fl-error-summary")
            assert summary.is_visible()
            assert summary.get_by_role("link", name="E-mail: This field is required.").count() == 1
            assert page.locator("#f-email").get_attribute("aria-invalid") == "true"
            assert page.locator("img[src=x]").count() == 0
            shot(page, "forms-preview-no-js-errors")
        finally:
            context.close()
            browser.close()


def test_barcode_scan_ending_in_enter_submits_the_form(live_app, page):
    _sign_in_and_open(live_app, page, "en")
    parcel = page.get_by_label("Parcel barcode")
    parcel.press("Enter")  # an empty scan does nothing
    assert page.locator(".fl-error:not([hidden])").count() == 0
    parcel.fill("JJD0001234567")
    parcel.press("Enter")  # a keyboard-wedge scanner types the code, then Enter
    # forms.js ran the submit checks: required fields are flagged, the first is focused
    assert page.locator("#f-name-error").inner_text() == "This field is required."
    assert page.evaluate("document.activeElement.id") == "f-name"
    page.get_by_label("Full name").fill("Ann Lee")
    page.get_by_role("textbox", name="E-mail").fill("ann@example.com")
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("Reason for the return").select_option("size")
    page.locator("#f-address-street").fill("Main 1")
    page.locator("#f-address-city").fill("Berlin")
    page.locator("#f-items-0-sku").fill("A")
    page.locator("#f-items-0-qty").fill("1")
    page.get_by_label("I agree to the return conditions").check()
    parcel.press("Enter")
    page.wait_for_selector(".fl-preview-data")
    assert '"parcel": "JJD0001234567"' in page.locator(".fl-preview-data").inner_text()
