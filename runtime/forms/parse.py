"""Turn the strings of a submitted form into typed values, one field type at a time.

Browsers send every value as text (`"3"`, `"on"`, `"2026-03-01"`), nothing for an
unticked box and nothing useful for an empty input. Parsing gives each field the JSON
type its schema expects - int/float for numbers, a `{"amount": "12.50", "currency":
"EUR"}` object for money (Decimal text, never a float), booleans for checkboxes - or
a problem code (`number`, `date`, `email`…) that validate.py turns into a message in
the user's locale. Empty inputs are absent, so `required` means "typed something".

File fields are never read from text input: their values come from the multipart
parser's file parts only (app/forms/uploads.py), so a body faking file metadata has no
way in (a text value under a file field's name is a problem, not data).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol

from runtime.forms.countries import COUNTRY_CODES
from runtime.forms.spec import FieldSpec, FormSpec

MAX_TEXT = 10_000
MAX_ROWS = 200
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"'.]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{5,30}$")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
TRUE_TOKENS = frozenset({"true", "on", "1", "yes"})
#: ISO-4217 currencies without minor units; every other currency has two decimals here.
ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", "RWF"})
_ROW = re.compile(r"^(\d{1,4})/")


class RawInput(Protocol):
    def getlist(self, key: str) -> list[Any]: ...

    def keys(self) -> Iterable[str]: ...


@dataclass(frozen=True)
class Problem:
    code: str
    limit: Any = None


class DictInput:
    """A RawInput over a plain dict (values are text or lists of text): for tests, APIs."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def getlist(self, key: str) -> list[Any]:
        value = self._values.get(key)
        if value is None:
            return []
        return list(value) if isinstance(value, list | tuple) else [value]

    def keys(self) -> Iterable[str]:
        return self._values.keys()


def parse_input(spec: FormSpec, raw: RawInput) -> tuple[dict[str, Any], dict[str, Problem]]:
    """Typed data and per-key problems for every field of `spec` (files excluded)."""
    data: dict[str, Any] = {}
    problems: dict[str, Problem] = {}
    keys = list(raw.keys())
    _parse_fields(spec.fields(), "", raw, keys, data, problems)
    return data, problems


#: Field types that need more than one text input; everything else is one text value.
_STRUCTURED = frozenset(
    {"file", "photo", "address", "money", "line_items", "multiselect", "checkbox", "consent"}
)


def _parse_fields(
    fields: tuple[FieldSpec, ...],
    prefix: str,
    raw: RawInput,
    keys: list[str],
    target: dict[str, Any],
    problems: dict[str, Problem],
) -> None:
    """Parse `fields` (named `prefix + name`) into `target`; the hot loop of a submit."""
    getlist = raw.getlist
    for field in fields:
        name = prefix + field.name
        if field.type in _STRUCTURED:
            value = _parse_structured(field, name, raw, keys, problems)
        else:
            values = getlist(name)
            if not values or not isinstance(values[-1], str):
                continue
            text = values[-1]
            if "\r" in text:
                text = text.replace("\r\n", "\n")
            text = text.strip()
            if not text:
                continue
            if len(text) > MAX_TEXT:
                problems[name] = Problem("too_long")
                continue
            value = parse_scalar(field, text, name, problems)
        if value is not None:
            target[field.name] = value


def _parse_structured(
    field: FieldSpec, name: str, raw: RawInput, keys: list[str], problems: dict[str, Problem]
) -> Any:
    kind = field.type
    if field.is_file:
        if any(str(v).strip() for v in raw.getlist(name)):
            problems[name] = Problem("file_type")
        return None
    if kind == "address":
        group: dict[str, Any] = {}
        _parse_fields(field.children, name + "/", raw, keys, group, problems)
        return group or None
    if kind == "money":
        return _money(field, name, raw, problems)
    if kind == "line_items":
        return _rows(field, name, raw, keys, problems)
    if kind == "multiselect":
        texts = [t.strip() for t in raw.getlist(name) if isinstance(t, str) and t.strip()]
        return [_choice(field, t) for t in texts[:1000]] or None
    texts = raw.getlist(name)  # checkbox, consent
    return bool(texts) and str(texts[-1]).strip().lower() in TRUE_TOKENS


def parse_scalar(field: FieldSpec, text: str, name: str, problems: dict[str, Problem]) -> Any:
    """The typed value of one text input (also used for hidden and line-item cells)."""
    kind = field.type
    json_type = field.schema.get("type")
    if kind == "number" or (kind == "hidden" and json_type in ("number", "integer")):
        return _number(text, json_type == "integer", name, problems)
    if kind in ("select", "radio"):
        return _choice(field, text)
    if kind == "email" and not EMAIL.match(text):
        problems[name] = Problem("email")
    elif kind == "phone" and not (PHONE.match(text) and sum(c.isdigit() for c in text) >= 5):
        problems[name] = Problem("phone")
    elif kind == "date" and not _is_date(text):
        problems[name] = Problem("date")
    elif kind == "country":
        text = text.upper()
        if text not in COUNTRY_CODES:
            problems[name] = Problem("country")
    return text


def money_amount(text: str, currency: str) -> Decimal | None:
    """The amount rounded to the currency's minor unit, or None when it is not a number."""
    cleaned = text.replace(" ", "").replace(",", "")
    if not NUMBER.match(cleaned) or len(cleaned) > 30:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits digits only
        return None
    places = Decimal(1) if currency in ZERO_DECIMAL else Decimal("0.01")
    return amount.quantize(places, rounding=ROUND_HALF_UP)


def _money(field: FieldSpec, name: str, raw: RawInput, problems: dict[str, Problem]) -> Any:
    text = _text(raw, f"{name}/amount", problems)
    fixed = field.widget.currency
    currency = fixed or (_text(raw, f"{name}/currency", problems) or "").upper()
    if text is None:
        return None
    amount = money_amount(text, currency)
    if amount is None:
        problems[f"{name}/amount"] = Problem("money")
        return {"amount": text, "currency": currency} if currency else {"amount": text}
    if not re.fullmatch(r"[A-Z]{3}", currency):
        problems[f"{name}/currency"] = Problem("currency")
    widget = field.widget
    if widget.minimum is not None and amount < Decimal(str(widget.minimum)):
        problems[f"{name}/amount"] = Problem("minimum", widget.minimum)
    if widget.maximum is not None and amount > Decimal(str(widget.maximum)):
        problems[f"{name}/amount"] = Problem("maximum", widget.maximum)
    return {"amount": str(amount), "currency": currency}


def _rows(
    field: FieldSpec, name: str, raw: RawInput, keys: list[str], problems: dict[str, Problem]
) -> list[dict[str, Any]] | None:
    prefix = name + "/"
    found_rows = (_ROW.match(k[len(prefix) :]) for k in keys if k.startswith(prefix))
    indexes = sorted({int(m.group(1)) for m in found_rows if m})[:MAX_ROWS]
    rows: list[dict[str, Any]] = []
    for index in indexes:
        row: dict[str, Any] = {}
        found: dict[str, Problem] = {}
        _parse_fields(field.children, f"{prefix}{index}/", raw, keys, row, found)
        if any(v not in (None, False) for v in row.values()):
            position = len(rows)
            for key, problem in found.items():
                problems[key.replace(f"{prefix}{index}/", f"{prefix}{position}/", 1)] = problem
            rows.append(row)
    return rows or None


def _text(raw: RawInput, name: str, problems: dict[str, Problem]) -> str | None:
    values = raw.getlist(name)
    if not values or not isinstance(values[-1], str):
        return None
    text = values[-1].replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT:
        problems[name] = Problem("too_long")
        return None
    return text or None


def _number(text: str, integer: bool, name: str, problems: dict[str, Problem]) -> Any:
    cleaned = text.replace(" ", "")
    if not NUMBER.match(cleaned) or len(cleaned) > 30:
        problems[name] = Problem("number")
        return text
    value = Decimal(cleaned)
    if value == value.to_integral_value():
        return int(value)
    if integer:
        problems[name] = Problem("integer")
        return text
    return float(cleaned)


def _choice(field: FieldSpec, text: str) -> Any:
    for option in field.options:
        if option.token == text:
            return option.value
    return text


def _is_date(text: str) -> bool:
    if len(text) != 10:
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
