"""forms.js on a page that includes it alone (as the builder's form designer does).

Pages include forms-values.js, forms-rules.js and forms.js in order
(forms/_scripts.html); a page that loads only forms.js by URL must still get live rules,
because forms.js then loads its two companions from its own folder.
"""

from __future__ import annotations

from tests.runtime.forms.kit import every_field_body


def test_forms_js_alone_loads_its_companions_and_applies_rules(live_app, page):
    base, app = live_app
    with app.app_context():
        from app.forms import render_form
        from runtime.forms import compile_form

        fields = str(render_form(compile_form(every_field_body(), "t.every", 1, "c"), locale="en"))
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><title>alone</title></head><body>"
        f"<form method='post'>{fields}</form>"
        f"<script src='{base}/static/js/forms.js'></script></body></html>"
    )
    page.route(base + "/forms-js-alone", lambda route: route.fulfill(
        status=200, content_type="text/html", body=html))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + "/forms-js-alone")
    page.wait_for_function("() => document.querySelector('[data-fl-ready]') !== null")
    assert page.evaluate("() => typeof window.FormloomRules.apply") == "function"
    photos = page.locator('[data-fl-path="photos"]')
    assert photos.is_hidden()  # the show rule ran
    page.locator("#f-reason").select_option("damaged")
    assert photos.is_visible()
    page.locator("#f-items-0-qty").fill("2")
    page.locator("#f-items-0-unit_price").fill("0.1")
    page.locator("#f-items-0-unit_price").blur()
    assert page.locator("#f-total").input_value() == "0.2"
    assert errors == []
