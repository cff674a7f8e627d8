# ruff: noqa: RUF001  (full-width punctuation is correct in Chinese text)
"""Built-in error and interface texts per locale, and the i18n lookup with fallback.

Validation messages are keyed by what failed (a JSON Schema keyword such as `minLength`,
or one of our own checks such as `number` or `file_type`). A form may override any of
them per field with the i18n key `<field>.error.<keyword>`; otherwise the built-in text
in the user's locale is used, then English. `en` and `zh-CN` are complete for every
built-in check (a test keeps the two catalogues in step); more locales are added by
adding a dict here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_LOCALE = "en"

BUILTIN: dict[str, dict[str, str]] = {
    "en": {
        "required": "This field is required.",
        "type": "This value has the wrong type.",
        "minLength": "Enter at least {limit} characters.",
        "maxLength": "Enter at most {limit} characters.",
        "pattern": "This value is not in the expected format.",
        "format": "This value is not in the expected format.",
        "minimum": "Enter a number of at least {limit}.",
        "maximum": "Enter a number of at most {limit}.",
        "exclusiveMinimum": "Enter a number above {limit}.",
        "exclusiveMaximum": "Enter a number below {limit}.",
        "multipleOf": "Enter a multiple of {limit}.",
        "enum": "Choose one of the offered options.",
        "const": "This value is not allowed.",
        "minItems": "Give at least {limit}.",
        "maxItems": "Give at most {limit}.",
        "uniqueItems": "Each choice may appear only once.",
        "additionalProperties": "This form does not take that field.",
        "invalid": "This value is not valid.",
        "number": "Enter a number.",
        "integer": "Enter a whole number.",
        "money": "Enter an amount such as 12.50.",
        "currency": "Choose a currency.",
        "date": "Enter a date as YYYY-MM-DD.",
        "email": "Enter an e-mail address such as name@example.com.",
        "phone": "Enter a phone number with at least 5 digits.",
        "country": "Choose a country from the list.",
        "consent": "You must agree to continue.",
        "file_count": "Upload at most {limit} files.",
        "file_size": "Each file may be at most {limit} MB.",
        "file_type": "This file type is not accepted.",
        "file_broken": "This file could not be read.",
        "too_long": "This value is too long.",
        "summary": "Please correct the following:",
        "choose": "Choose…",
        "add_row": "Add a row",
        "remove_row": "Remove",
        "row": "Row {index}",
        "optional": "optional",
        "files_hint": "Up to {count} files, {size} MB each.",
        "amount": "Amount",
        "street": "Street",
        "city": "City",
        "postal_code": "Postal code",
        "region": "Region",
    },
    "zh-CN": {
        "required": "此项为必填项。",
        "type": "此值的类型不正确。",
        "minLength": "请至少输入 {limit} 个字符。",
        "maxLength": "最多输入 {limit} 个字符。",
        "pattern": "此值的格式不正确。",
        "format": "此值的格式不正确。",
        "minimum": "请输入不小于 {limit} 的数字。",
        "maximum": "请输入不大于 {limit} 的数字。",
        "exclusiveMinimum": "请输入大于 {limit} 的数字。",
        "exclusiveMaximum": "请输入小于 {limit} 的数字。",
        "multipleOf": "请输入 {limit} 的倍数。",
        "enum": "请从提供的选项中选择。",
        "const": "不允许此值。",
        "minItems": "请至少提供 {limit} 项。",
        "maxItems": "最多提供 {limit} 项。",
        "uniqueItems": "每个选项只能出现一次。",
        "additionalProperties": "此表单不接受该字段。",
        "invalid": "此值无效。",
        "number": "请输入数字。",
        "integer": "请输入整数。",
        "money": "请输入金额，例如 12.50。",
        "currency": "请选择货币。",
        "date": "请按 YYYY-MM-DD 格式输入日期。",
        "email": "请输入电子邮件地址，例如 name@example.com。",
        "phone": "请输入至少 5 位数字的电话号码。",
        "country": "请从列表中选择国家或地区。",
        "consent": "您必须同意才能继续。",
        "file_count": "最多上传 {limit} 个文件。",
        "file_size": "每个文件最大 {limit} MB。",
        "file_type": "不接受此文件类型。",
        "file_broken": "无法读取此文件。",
        "too_long": "此值过长。",
        "summary": "请更正以下问题：",
        "choose": "请选择…",
        "add_row": "添加一行",
        "remove_row": "删除",
        "row": "第 {index} 行",
        "optional": "选填",
        "files_hint": "最多 {count} 个文件，每个不超过 {size} MB。",
        "amount": "金额",
        "street": "街道地址",
        "city": "城市",
        "postal_code": "邮政编码",
        "region": "省/州",
    },
}


def fallback_chain(locale: str) -> tuple[str, ...]:
    """`zh-CN` -> (`zh-CN`, `zh`, `en`): the locales to try, most specific first."""
    chain = [locale]
    if "-" in locale:
        chain.append(locale.split("-", 1)[0])
    if DEFAULT_LOCALE not in chain:
        chain.append(DEFAULT_LOCALE)
    return tuple(chain)


def builtin_text(locale: str, key: str, **params: Any) -> str:
    """A built-in text in `locale` (falling back to English), with `{params}` filled in."""
    for candidate in fallback_chain(locale):
        text = BUILTIN.get(candidate, {}).get(key)
        if text is not None:
            return _fill(text, params)
    return _fill(BUILTIN[DEFAULT_LOCALE]["invalid"], params)


def lookup(catalogue: Mapping[str, Mapping[str, str]], locale: str, key: str) -> str | None:
    """The form's own text for `key` in `locale` or its fallbacks; None when it has none."""
    for candidate in fallback_chain(locale):
        text = catalogue.get(candidate, {}).get(key)
        if text:
            return text
    return None


def _fill(text: str, params: Mapping[str, Any]) -> str:
    # Plain replacement, never str.format: a form's texts must not reach attributes.
    for name, value in params.items():
        text = text.replace("{" + name + "}", str(value))
    return text
