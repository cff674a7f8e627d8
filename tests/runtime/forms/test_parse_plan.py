"""The compiled parse plan (issue 4 speed work) gives the values the plain rules give.

parse.py reads common numbers without Decimal and finds line-item rows with string
operations instead of a regex; these cases pin that the shortcuts agree with the
definitions they replace (NUMBER + Decimal, `name/<1-4 digits>/`), on their edges.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from runtime.forms import DictInput, parse_input
from runtime.forms.parse import NUMBER, Problem, _number, compile_plan
from tests.runtime.forms.kit import every_field_spec, valid_input


def _reference_number(text: str, integer: bool) -> tuple[object, str | None]:
    """The number rule as written before the fast path: NUMBER, then Decimal."""
    cleaned = text.replace(" ", "")
    if not NUMBER.match(cleaned) or len(cleaned) > 30:
        return text, "number"
    value = Decimal(cleaned)
    if value == value.to_integral_value():
        return int(value), None
    if integer:
        return text, "integer"
    return float(cleaned), None


NUMBER_TEXTS = [
    "3", "007", "0", "19.99", "19.00", "19.", ".5", "19.5", "1 000", "+3", "-3", "-2.50",
    "1.2.3", "1e5", "", "\u00b2", "\uff13", "\u0661\u0662", "1" * 30, "1" * 31,
    "0." + "0" * 26 + "1", "12.3400", "abc", "1,5",
]


@pytest.mark.parametrize("integer", [False, True])
@pytest.mark.parametrize("text", NUMBER_TEXTS)
def test_number_fast_path_matches_the_decimal_rule(text, integer):
    problems: dict[str, Problem] = {}
    value = _number(text, "n", problems, integer=integer)
    expected, code = _reference_number(text, integer)
    assert (value, type(value)) == (expected, type(expected))
    assert problems == ({"n": Problem(code)} if code else {})


ROW = re.compile(r"^(\d{1,4})/")


@pytest.mark.parametrize(
    "names",
    [
        ["items/0/sku", "items/2/sku", "items/10/sku"],
        ["items/x/sku", "items/00012/sku", "items//sku", "items/1", "items/3/sku"],
        ["items/٣/sku", "items/0001/sku", "itemsX/1/sku", "items/1/sku/extra"],
    ],
)
def test_rows_are_found_where_the_row_pattern_finds_them(names):
    spec = every_field_spec()
    values = {name: f"SKU-{i}" for i, name in enumerate(names)}
    data, _ = parse_input(spec, DictInput(values))
    wanted = sorted({int(m.group(1)) for n in names if n.startswith("items/")
                     if (m := ROW.match(n[len("items/"):]))})
    # a row is read under its canonical names (`items/3/sku`); a row with nothing is dropped
    skus = [values[f"items/{i}/sku"] for i in wanted if f"items/{i}/sku" in values]
    assert [row.get("sku") for row in data.get("items", [])] == skus


def test_empty_rows_are_dropped_and_problems_follow_the_row():
    spec = every_field_spec()
    values = valid_input(**{
        "items/0/sku": None, "items/0/qty": None, "items/0/unit_price": None,
        "items/3/sku": "A", "items/3/qty": "x",
    })
    data, problems = parse_input(spec, DictInput(values))
    assert data["items"] == [{"sku": "A", "qty": "x"}]
    assert problems == {"items/0/qty": Problem("number")}


def test_a_plan_is_built_once_at_compile_time_and_used():
    spec = every_field_spec()
    assert [name for name, _, _ in spec.parse_plan] == [f.name for f in spec.fields()]
    rebuilt = compile_plan(spec.fields())
    raw = DictInput(valid_input(phone="+49 (30) 123-45", notes="a\r\nb ", country="de"))
    plain = parse_input(spec, raw)
    object.__setattr__(spec, "parse_plan", rebuilt)
    assert parse_input(spec, raw) == plain
    assert plain[0]["notes"] == "a\nb" and plain[0]["country"] == "DE"
    assert "phone" not in plain[1]


@pytest.mark.parametrize("phone, ok", [("+49 30 1234", True), ("1234", False),
                                       ("(1) 2-3.4/5", True), ("+ ( ) . / -", False)])
def test_phone_needs_five_digits(phone, ok):
    _, problems = parse_input(every_field_spec(), DictInput(valid_input(phone=phone)))
    assert ("phone" not in problems) is ok
