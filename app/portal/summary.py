"""The case values a customer may read on their status page, and nothing else.

A flow declares them in `portal.summary` (builder/schemas/flow.json): a per-locale label
and a variable path each, e.g. the refund amount and method. Only declared paths are
ever read, so an internal variable (fraud score, review note) can never reach the page
by accident. Money (`"currency": <path of the ISO code>`) is formatted by Babel in the
reader's locale (`€44.95`); a value with a `values` map shows its per-locale name and
an unlisted raw value is left out rather than shown as an internal code. Empty values
are left out. The template escapes every text (Jinja autoescape).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.core import UnknownLocaleError
from babel.numbers import UnknownCurrencyError, format_currency, format_decimal

from app.portal import i18n
from runtime.flows.mapping import read_var

#: Portal locale -> Babel locale.
BABEL_LOCALES = {"en": "en", "zh-CN": "zh_Hans_CN"}


@dataclass(frozen=True)
class SummaryLine:
    label: str
    value: str


def summary(variables: Mapping[str, Any], items: tuple[Mapping[str, Any], ...],
            locale: str) -> list[SummaryLine]:
    """The declared `items` that have a value, as label and formatted text in `locale`."""
    lines = []
    for item in items:
        text = _value_text(variables, item, locale)
        if text:
            lines.append(SummaryLine(i18n.pick(item.get("label"), locale, str(item["var"])), text))
    return lines


def _value_text(variables: Mapping[str, Any], item: Mapping[str, Any], locale: str) -> str:
    value = read_var(variables, str(item["var"]))
    if value is None or value == "" or isinstance(value, (dict, list)):
        return ""
    names = item.get("values")
    if isinstance(names, Mapping):
        key = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return i18n.pick(names.get(key), locale)
    if item.get("currency"):
        return money(value, read_var(variables, str(item["currency"])), locale)
    if isinstance(value, bool):
        return ""  # a bare true/false means nothing to a customer without `values`
    return str(value)


def money(amount: Any, currency: Any, locale: str) -> str:
    """`amount` (a decimal string or number) in `currency`, as the reader's locale writes it."""
    babel_locale = BABEL_LOCALES.get(locale, "en")
    try:
        number = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return ""
    if not number.is_finite():
        return ""
    if not isinstance(currency, str) or not currency:
        return format_decimal(number, locale=babel_locale)
    try:
        return format_currency(number, currency.upper(), locale=babel_locale)
    except (UnknownCurrencyError, UnknownLocaleError, ValueError):
        return f"{format_decimal(number, locale=babel_locale)} {currency}"
