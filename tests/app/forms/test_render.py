# ruff: noqa: RUF001  (full-width punctuation is correct in the Chinese texts)
"""Rendering: every field type in both locales, labels bound, errors linked, text escaped."""

from __future__ import annotations

import re

import pytest

from app.forms import load_form, render_form
from tests.app.forms.kit import every_field_body, publish_form

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def _html(app, locale="en", **kwargs) -> str:
    form = load_form("test.every")
    with app.test_request_context():
        return str(render_form(form, locale=locale, **kwargs))


@pytest.mark.parametrize(
    ("locale", "texts"),
    [
        (
            "en",
            [
                "Full name",
                "Reason for the return",
                "Arrived damaged",
                "Pickup address",
                "Germany",
                "Add a row",
                "Up to 3 files, 5 MB each.",
                "About you",
            ],
        ),
        (
            "zh-CN",
            [
                "姓名",
                "退货原因",
                "到货损坏",
                "取件地址",
                "德国",
                "添加一行",
                "最多 3 个文件，每个不超过 5 MB。",
                "您的信息",
            ],
        ),
    ],
)
def test_every_field_type_renders_in_each_locale(app, locale, texts):
    publish_form()
    html = _html(app, locale)
    for text in texts:
        assert text in html, text
    for kind in (
        "text",
        "textarea",
        "number",
        "money",
        "date",
        "select",
        "multiselect",
        "radio",
        "checkbox",
        "email",
        "phone",
        "country",
        "address",
        "photo",
        "line_items",
        "consent",
        "barcode",
    ):
        assert f'data-fl-type="{kind}"' in html, kind
    # every <label for=...> points at an element that exists
    ids = set(re.findall(r'id="([^"]+)"', html))
    for target in re.findall(r'<label for="([^"]+)"', html):
        assert target in ids, target
    assert 'type="file"' in html and "multiple" in html
    assert 'name="items/0/qty"' in html and 'name="address/city"' in html
    assert 'name="refund/amount"' in html and "data-fl-barcode" in html


def test_values_are_filled_back(app):
    publish_form()
    html = _html(
        app,
        values={
            "name": "Ann",
            "reason": "damaged",
            "extras": ["gift"],
            "agree": True,
            "address": {"city": "Berlin"},
            "refund": {"amount": "12.50", "currency": "EUR"},
            "items": [{"sku": "A1", "qty": 2}],
            "contact_by": "phone",
            "country": "DE",
        },
    )
    assert 'value="Ann"' in html and 'value="Berlin"' in html and 'value="12.50"' in html
    assert '<option value="damaged" selected>' in html
    assert '<option value="DE" selected>' in html
    assert re.search(r'value="gift" checked', html)
    assert re.search(r'value="phone" checked', html)
    assert re.search(r'name="items/0/sku"[^>]*value="A1"', html)


def test_errors_have_summary_aria_and_messages(app):
    publish_form()
    errors = {
        "email": "Enter an e-mail address.",
        "items/0/qty": "Enter a number.",
        "": "The form expired; please try again.",
    }
    html = _html(app, errors=errors)
    assert html.index("fl-error-summary") < html.index("fl-section")
    assert '<a href="#f-email">E-mail: Enter an e-mail address.</a>' in html
    assert '<a href="#f-items-0-qty">Quantity: Enter a number.</a>' in html
    assert "The form expired; please try again." in html
    email = re.search(r"<input[^>]+id=\"f-email\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in email and "f-email-error" in email
    assert '<p class="fl-error" id="f-email-error">Enter an e-mail address.</p>' in html


def test_xss_in_every_designed_text_and_value_is_escaped(app):
    body = every_field_body()
    for locale in ("en", "zh-CN"):
        texts = body["i18n"][locale]
        for key in list(texts):
            texts[key] = XSS
        for name in ("name", "notes", "email", "parcel"):
            texts[f"{name}.help"] = XSS
            texts[f"{name}.placeholder"] = XSS
    body["ui"]["sections"][0]["title"] = XSS
    body["ui"]["sections"][0]["description"] = XSS
    body["ui"]["widgets"]["contact_by"]["options"] = [
        {"value": "email", "label": XSS},
        {"value": "phone", "label": XSS},
    ]
    body["rules"][0]["when"]["value"] = "</script><script>alert(3)</script>"
    publish_form(body=body)
    values = dict.fromkeys(("name", "notes", "email", "phone", "parcel"), XSS)
    values["address"] = {"street": XSS, "city": XSS}
    values["items"] = [{"sku": XSS}]
    for locale in ("en", "zh-CN"):
        html = _html(app, locale, values=values, errors={"name": XSS})
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        # the rules JSON cannot close its <script> block
        assert html.count("</script>") == 1


def test_hidden_by_rule_fields_are_rendered_for_no_js_users(app):
    publish_form()
    html = _html(app)
    photos = re.search(r'<div class="fl-field fl-photo[^>]*>', html).group(0)
    assert "hidden" not in photos  # forms.js hides it; without JS the server applies the rule
