# ruff: noqa: RUF001  (full-width punctuation is correct in the Chinese messages)
"""Every field type: parsed and validated on the server, with errors in en and zh-CN."""

from __future__ import annotations

import pytest

from tests.runtime.forms.kit import check, every_field_spec, valid_input

SPEC = every_field_spec()


def test_every_field_type_is_in_the_test_form():
    types = {f.type for f in SPEC.fields()}
    assert types >= {
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
    }


def test_a_complete_valid_submission_is_typed():
    checked, errors = check(
        SPEC,
        valid_input(
            notes="Line one\r\nline two",
            quantity="3",
            **{"refund/amount": "1,234.5", "refund/currency": "USD"},
            delivered_on="2026-11-01",
            extras=["gift", "insured"],
            contact_by="phone",
            newsletter="on",
            phone="+49 30 1234567",
            parcel="JJD0001234567",
        ),
    )
    assert errors == {}
    data = checked.data
    assert data["notes"] == "Line one\nline two"
    assert data["quantity"] == 3
    assert data["refund"] == {"amount": "1234.50", "currency": "EUR"}  # widget fixes EUR
    assert data["delivered_on"] == "2026-11-01"
    assert data["extras"] == ["gift", "insured"]
    assert data["contact_by"] == "phone" and data["newsletter"] is True
    assert data["country"] == "DE" and data["address"]["city"] == "Berlin"
    assert data["parcel"] == "JJD0001234567"
    assert data["items"] == [{"sku": "SKU-1", "qty": 2, "unit_price": 19.99}]
    assert data["total"] == 39.98
    assert data["agree"] is True


# (overrides, key, en, zh-CN)
BAD = [
    ({"name": "A"}, "name", "Enter at least 2 characters.", "请至少输入 2 个字符。"),
    ({"name": None}, "name", "This field is required.", "此项为必填项。"),
    ({"notes": "x" * 2001}, "notes", "Enter at most 2000 characters.", "最多输入 2000 个字符。"),
    ({"quantity": "abc"}, "quantity", "Enter a number.", "请输入数字。"),
    ({"quantity": "1.5"}, "quantity", "Enter a whole number.", "请输入整数。"),
    ({"quantity": "11"}, "quantity", "Enter a number of at most 10.", "请输入不大于 10 的数字。"),
    (
        {"refund/amount": "12,5x"},
        "refund/amount",
        "Enter an amount such as 12.50.",
        "请输入金额，例如 12.50。",
    ),
    (
        {"refund/amount": "5000.01"},
        "refund/amount",
        "Enter a number of at most 5000.",
        "请输入不大于 5000 的数字。",
    ),
    (
        {"delivered_on": "2026-02-30"},
        "delivered_on",
        "Enter a date as YYYY-MM-DD.",
        "请按 YYYY-MM-DD 格式输入日期。",
    ),
    ({"reason": "bored"}, "reason", "Choose one of the offered options.", "请从提供的选项中选择。"),
    (
        {"extras": ["gift", "spa"]},
        "extras/1",
        "Choose one of the offered options.",
        "请从提供的选项中选择。",
    ),
    (
        {"contact_by": "fax"},
        "contact_by",
        "Choose one of the offered options.",
        "请从提供的选项中选择。",
    ),
    (
        {"email": "ann@"},
        "email",
        "Enter an e-mail address such as name@example.com.",
        "请输入电子邮件地址，例如 name@example.com。",
    ),
    (
        {"phone": "12ab"},
        "phone",
        "Enter a phone number with at least 5 digits.",
        "请输入至少 5 位数字的电话号码。",
    ),
    ({"country": "XX"}, "country", "Choose a country from the list.", "请从列表中选择国家或地区。"),
    ({"address/city": None}, "address/city", "This field is required.", "此项为必填项。"),
    (
        {"items/0/qty": "0"},
        "items/0/qty",
        "Enter a number of at least 1.",
        "请输入不小于 1 的数字。",
    ),
    (
        {"items/0/sku": None, "items/0/qty": None, "items/0/unit_price": None},
        "items",
        "Give at least 1.",
        "请至少提供 1 项。",
    ),
    ({"agree": None}, "agree", "You must agree to continue.", "您必须同意才能继续。"),
    ({"parcel": "x" * 65}, "parcel", "Enter at most 64 characters.", "最多输入 64 个字符。"),
    (
        {"reason": "damaged", "photos": '{"file": "abc", "name": "x.jpg"}'},
        "photos",
        "This file type is not accepted.",
        "不接受此文件类型。",
    ),
]


@pytest.mark.parametrize(("overrides", "key", "en", "zh"), BAD, ids=[b[1] for b in BAD])
def test_bad_values_get_a_message_in_each_locale(overrides, key, en, zh):
    _, errors_en = check(SPEC, valid_input(**overrides), "en")
    _, errors_zh = check(SPEC, valid_input(**overrides), "zh-CN")
    assert errors_en.get(key) == en, errors_en
    assert errors_zh.get(key) == zh, errors_zh


def test_wrong_types_never_crash():
    values = valid_input(quantity=["1", "2"], name=["a", "b", "Bob"], newsletter="maybe")
    values["address/street"] = ""
    checked, errors = check(SPEC, values)
    assert checked.data["name"] == "Bob"  # the last value of a repeated text field
    assert checked.data["newsletter"] is False
    assert errors == {"address/street": "This field is required."}


def test_xss_text_is_kept_as_data_not_interpreted():
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(2)> javascript:alert(3)'
    checked, errors = check(
        SPEC, valid_input(name=payload[:80], notes=payload, parcel=payload[:64])
    )
    assert errors == {}
    assert checked.data["notes"] == payload


def test_unknown_locale_falls_back_to_english():
    _, errors = check(SPEC, valid_input(name=None), "fr")
    assert errors == {"name": "This field is required."}


def test_form_specific_error_text_wins_per_locale():
    from runtime.forms import compile_form
    from tests.runtime.forms.kit import every_field_body

    body = every_field_body()
    body["i18n"]["zh-CN"]["name.error.required"] = "请告诉我们您的姓名。"
    spec = compile_form(body, "test.custom", 1, "custom")
    assert check(spec, valid_input(name=None), "zh-CN")[1] == {"name": "请告诉我们您的姓名。"}
    assert check(spec, valid_input(name=None), "en")[1] == {"name": "This field is required."}
