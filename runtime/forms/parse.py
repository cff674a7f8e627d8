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

Speed (issue 4's overhead target): every field's parser is chosen once, when the form
compiles (`compile_plan`, stored on the FormSpec), so a submit runs one specialised
function per field instead of re-deciding its type, options and limits each time; and
the submitted text is read into one plain dict in a single pass (`_lists`), so looking
up a field that was not sent costs a dict miss, not a method call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from typing import Any, Protocol

from runtime.forms.countries import COUNTRY_CODES
from runtime.forms.spec import FieldSpec, FormSpec

MAX_TEXT = 10_000
MAX_ROWS = 200
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"'.]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{5,30}$")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
CURRENCY = re.compile(r"[A-Z]{3}")
TRUE_TOKENS = frozenset({"true", "on", "1", "yes"})
#: ISO-4217 currencies without minor units; every other currency has two decimals here.
ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", "RWF"})
_PHONE_PUNCTUATION = str.maketrans("", "", "+ ()./-")


class RawInput(Protocol):
    """What request.form offers (a werkzeug MultiDict; `lists()` is used when present)."""

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


#: `{input name: [submitted values]}`, read once per submit.
Lists = dict[str, list[Any]]
#: Parses one field: (lists, input name, submitted names, problems) -> value or None.
Parser = Callable[[Lists, str, list[str], dict[str, Problem]], Any]
#: Turns a field's cleaned, non-empty text into its value (may record a problem).
Converter = Callable[[str, str, dict[str, Problem]], Any]
#: One field of a plan: its name in the data, then either (True, converter or None) for
#: a field typed as one text input (parsed inline, the common case) or (False, parser).
Step = tuple[str, bool, Any]


def parse_input(spec: FormSpec, raw: RawInput) -> tuple[dict[str, Any], dict[str, Problem]]:
    """Typed data and per-key problems for every field of `spec` (files excluded)."""
    data: dict[str, Any] = {}
    problems: dict[str, Problem] = {}
    lists = _lists(raw)
    plan = spec.parse_plan or compile_plan(spec.fields())
    _run(plan, "", lists, list(lists), data, problems)
    return data, problems


def compile_plan(fields: tuple[FieldSpec, ...]) -> tuple[Step, ...]:
    """One parser per field, chosen by its type once (compile time), children included."""
    return tuple(
        (field.name, False, _parser(field))
        if field.type in _STRUCTURED
        else (field.name, True, _converter(field))
        for field in fields
    )


def parse_scalar(field: FieldSpec, text: str, name: str, problems: dict[str, Problem]) -> Any:
    """The typed value of one text input (cleaned, non-empty `text`)."""
    convert = _converter(field)
    return text if convert is None else convert(text, name, problems)


def _lists(raw: RawInput) -> Lists:
    lists = getattr(raw, "lists", None)
    if callable(lists):
        return dict(lists())
    return {key: raw.getlist(key) for key in raw.keys()}  # noqa: SIM118 - RawInput has keys()


def _run(
    plan: tuple[Step, ...],
    prefix: str,
    lists: Lists,
    keys: list[str],
    target: dict[str, Any],
    problems: dict[str, Problem],
) -> None:
    """Parse every field of `plan` (inputs named `prefix + name`) into `target`.

    The hot loop of a submit: a one-text-input field is cleaned here, without a call.
    """
    get = lists.get
    for name, is_text, parse in plan:
        key = prefix + name
        if not is_text:
            value = parse(lists, key, keys, problems)
        else:
            values = get(key)
            if not values:
                continue
            text = values[-1]
            if not isinstance(text, str):
                continue
            if "\r" in text:
                text = text.replace("\r\n", "\n")
            text = text.strip()
            if not text:
                continue
            if len(text) > MAX_TEXT:
                problems[key] = Problem("too_long")
                continue
            value = text if parse is None else parse(text, key, problems)
        if value is not None:
            target[name] = value


#: Field types that need more than one text input (or none); the rest are one input.
_STRUCTURED = frozenset(
    {"file", "photo", "address", "money", "line_items", "multiselect", "checkbox", "consent"}
)


def _parser(field: FieldSpec) -> Parser:
    kind = field.type
    if field.is_file:
        return _file_parser
    if kind == "address":
        return _group_parser(compile_plan(field.children))
    if kind == "money":
        return _money_parser(field)
    if kind == "line_items":
        return _rows_parser(compile_plan(field.children))
    if kind == "multiselect":
        return _multiselect_parser(_choices(field))
    return _boolean_parser  # checkbox, consent


def _converter(field: FieldSpec) -> Converter | None:
    """How a one-input field's text becomes its value; None keeps the text as it is."""
    kind = field.type
    json_type = field.schema.get("type")
    if kind == "number" or (kind == "hidden" and json_type in ("number", "integer")):
        integer = json_type == "integer"
        return partial(_number, integer=integer)  # a C-level call, not a Python frame
    if kind in ("select", "radio"):
        choices = _choices(field)
        return lambda text, name, problems: choices.get(text, text)
    if kind == "email":
        return _email
    if kind == "phone":
        return _phone
    if kind == "date":
        return _date
    if kind == "country":
        return _country
    return None


def _email(text: str, name: str, problems: dict[str, Problem]) -> str:
    if not EMAIL.match(text):
        problems[name] = Problem("email")
    return text


def _phone(text: str, name: str, problems: dict[str, Problem]) -> str:
    # PHONE admits ASCII digits and `+ ()./-` only: deleting those leaves the digits.
    if not (PHONE.match(text) and len(text.translate(_PHONE_PUNCTUATION)) >= 5):
        problems[name] = Problem("phone")
    return text


def _date(text: str, name: str, problems: dict[str, Problem]) -> str:
    if not _is_date(text):
        problems[name] = Problem("date")
    return text


def _country(text: str, name: str, problems: dict[str, Problem]) -> str:
    text = text.upper()
    if text not in COUNTRY_CODES:
        problems[name] = Problem("country")
    return text


def _choices(field: FieldSpec) -> dict[str, Any]:
    """Option token -> option value; the first option with a token wins."""
    choices: dict[str, Any] = {}
    for option in field.options:
        choices.setdefault(option.token, option.value)
    return choices


def _file_parser(lists: Lists, name: str, keys: list[str], problems: dict[str, Problem]) -> None:
    if any(str(v).strip() for v in lists.get(name) or ()):
        problems[name] = Problem("file_type")
    return None


def _boolean_parser(lists: Lists, name: str, keys: list[str], problems: dict[str, Problem]) -> bool:
    texts = lists.get(name)
    return bool(texts) and str(texts[-1]).strip().lower() in TRUE_TOKENS


def _multiselect_parser(choices: dict[str, Any]) -> Parser:
    def parse(lists: Lists, name: str, keys: list[str], problems: dict[str, Problem]) -> Any:
        texts = [t.strip() for t in lists.get(name) or () if isinstance(t, str) and t.strip()]
        return [choices.get(t, t) for t in texts[:1000]] or None

    return parse


def _group_parser(plan: tuple[Step, ...]) -> Parser:
    def parse(lists: Lists, name: str, keys: list[str], problems: dict[str, Problem]) -> Any:
        group: dict[str, Any] = {}
        _run(plan, name + "/", lists, keys, group, problems)
        return group or None

    return parse


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


def _money_parser(field: FieldSpec) -> Parser:
    widget = field.widget
    fixed = widget.currency
    minimum = None if widget.minimum is None else Decimal(str(widget.minimum))
    maximum = None if widget.maximum is None else Decimal(str(widget.maximum))

    def parse(lists: Lists, name: str, keys: list[str], problems: dict[str, Problem]) -> Any:
        amount_key = name + "/amount"
        text = _text(lists, amount_key, problems)
        currency = fixed or (_text(lists, name + "/currency", problems) or "").upper()
        if text is None:
            return None
        amount = money_amount(text, currency)
        if amount is None:
            problems[amount_key] = Problem("money")
            return {"amount": text, "currency": currency} if currency else {"amount": text}
        if not CURRENCY.fullmatch(currency):
            problems[name + "/currency"] = Problem("currency")
        if minimum is not None and amount < minimum:
            problems[amount_key] = Problem("minimum", widget.minimum)
        if maximum is not None and amount > maximum:
            problems[amount_key] = Problem("maximum", widget.maximum)
        return {"amount": str(amount), "currency": currency}

    return parse


def _rows_parser(plan: tuple[Step, ...]) -> Parser:
    def parse(lists: Lists, name: str, keys: list[str], problems: dict[str, Problem]) -> Any:
        prefix = name + "/"
        start = len(prefix)
        indexes: set[int] = set()
        for key in keys:
            if key.startswith(prefix):
                # `name/<1-4 decimal digits>/...`: string operations, not a regex per cell
                slash = key.find("/", start)
                if 0 < slash - start <= 4 and key[start:slash].isdecimal():
                    indexes.add(int(key[start:slash]))
        if not indexes:
            return None
        rows: list[dict[str, Any]] = []
        for index in sorted(indexes)[:MAX_ROWS]:
            row: dict[str, Any] = {}
            found: dict[str, Problem] = {}
            _run(plan, f"{prefix}{index}/", lists, keys, row, found)
            for value in row.values():
                if value is not None and value != 0:  # 0 == False: an unticked box
                    break
            else:
                continue  # nothing answered in this row: it is not a row
            # Empty rows are skipped, so a row's problems move to its position.
            position = len(rows)
            if position == index:
                problems.update(found)
            else:
                for key, problem in found.items():
                    moved = key.replace(f"{prefix}{index}/", f"{prefix}{position}/", 1)
                    problems[moved] = problem
            rows.append(row)
        return rows or None

    return parse


def _text(lists: Lists, name: str, problems: dict[str, Problem]) -> str | None:
    values = lists.get(name)
    if not values or not isinstance(values[-1], str):
        return None
    text = values[-1].replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT:
        problems[name] = Problem("too_long")
        return None
    return text or None


def _number(text: str, name: str, problems: dict[str, Problem], integer: bool = False) -> Any:
    cleaned = text.replace(" ", "")
    if len(cleaned) <= 30 and cleaned.isascii():
        # The common shapes (`3`, `19.99`) without Decimal; same values as the path below.
        whole, point, fraction = cleaned.partition(".")
        if whole.isdigit() and (not point or fraction.isdigit()):
            if not fraction.strip("0"):
                return int(whole)
            if integer:
                problems[name] = Problem("integer")
                return text
            return float(cleaned)
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


def _is_date(text: str) -> bool:
    if len(text) != 10:
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
