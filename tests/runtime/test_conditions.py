"""JSON conditions: every operator, the null rule, Decimal money, compile errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.exceptions import DefinitionInvalid
from runtime.rules import (
    OPERATORS,
    AllOf,
    Comparison,
    Constant,
    RuleError,
    compile_condition,
    referenced_vars,
)

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)


def check(var_value, op, value=None, *, now=NOW, ignore_case=False, present=True):
    doc = {"var": "x", "op": op}
    if value is not None:
        doc["value"] = value
    if ignore_case:
        doc["ignore_case"] = True
    variables = {"x": var_value} if present else {}
    return compile_condition(doc).evaluate(variables, now=now)


def pointers(excinfo):
    return [e.pointer for e in excinfo.value.errors]


# -- the example from DESIGN §6 -------------------------------------------------------


def test_design_example():
    condition = compile_condition(
        {
            "all": [
                {"var": "reason", "op": "in", "value": ["size", "changed_mind"]},
                {"var": "days_since_delivery", "op": "<=", "value": 30},
            ]
        }
    )
    assert condition.evaluate({"reason": "size", "days_since_delivery": 30})
    assert not condition.evaluate({"reason": "size", "days_since_delivery": 31})
    assert not condition.evaluate({"reason": "defective", "days_since_delivery": 3})
    assert isinstance(condition, AllOf)
    assert condition.items[0] == Comparison(
        condition.items[0].var, "in", condition.items[0].operand, pointer="/all/0"
    )


# -- operators ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "op", "value", "expected"),
    [
        (30, "==", 30, True),
        (30, "==", "30", True),
        ("30.00", "==", 30, True),
        ("abc", "==", "abc", True),
        ("abc", "==", "ABC", False),
        (True, "==", True, True),
        (1, "==", True, False),
        (True, "==", 1, False),
        ("40", "==", "40.0", False),  # two texts compare as text
        (30, "!=", 31, True),
        (30, "!=", 30, False),
        ("x", "!=", 1, True),  # different types are not equal
        (29, "<", 30, True),
        (30, "<", 30, False),
        (30, "<=", 30, True),
        (31, ">", 30, True),
        (30, ">=", 30.0, True),
        ("9", "<", "10", True),  # two numeric texts order as numbers
        ("apple", "<", "banana", True),
        ("abc", "<", 5, False),  # not comparable
        (True, ">", False, False),  # booleans have no order
        ("size", "in", ["size", "changed_mind"], True),
        ("other", "in", ["size", "changed_mind"], False),
        (5, "in", [1, "5", 7], True),
        (["size"], "in", ["size"], False),  # a list is not a member
        ("other", "not_in", ["size"], True),
        ("size", "not_in", ["size"], False),
        (["a", "b"], "contains", "b", True),
        ([1, 2], "contains", "2", True),
        ("hello world", "contains", "lo w", True),
        ("hello", "contains", 1, False),
        (5, "contains", 5, False),
        ("RMA-123", "starts_with", "RMA-", True),
        ("XRMA-123", "starts_with", "RMA-", False),
        ("photo.jpg", "ends_with", ".jpg", True),
        (123, "ends_with", "3", False),
        ("RMA-0042", "matches", r"^RMA-\d{4}$", True),
        ("RMA-42", "matches", r"^RMA-\d{4}$", False),
        (42, "matches", r"\d", False),
        (15, "between", [15, 30], True),
        (30, "between", [15, 30], True),
        (31, "between", [15, 30], False),
        ("2026-03-15", "between", ["2026-03-01", "2026-03-31"], True),
        ("2026-03-01", "before", "2026-03-02", True),
        ("2026-03-02", "before", "2026-03-02", False),
        ("2026-03-02", "on_or_before", "2026-03-02", True),
        ("2026-03-03T00:00:00+01:00", "after", "2026-03-02T22:00:00Z", True),
        ("2026-03-02T23:00:00Z", "on_or_after", "2026-03-02", True),  # by calendar day
        ("2026-03-02T23:00:00Z", "after", "2026-03-02", False),
        (date(2026, 3, 2), "on_or_after", "2026-03-02", True),
        ("not a date", "before", "2026-03-02", False),
    ],
)
def test_operators(left, op, value, expected):
    assert check(left, op, value) is expected


@pytest.mark.parametrize(
    ("left", "op", "value"),
    [
        ("Size", "==", "size"),
        ("SIZE", "in", ["size"]),
        ("Hello", "contains", "ELL"),
        ("rma-1", "starts_with", "RMA"),
        ("A.JPG", "ends_with", ".jpg"),
        ("rma-0042", "matches", r"^RMA-\d+$"),
    ],
)
def test_ignore_case(left, op, value):
    assert not check(left, op, value)
    assert check(left, op, value, ignore_case=True)


@pytest.mark.parametrize(
    ("left", "op", "expected"),
    [
        (None, "is_null", True),
        (0, "is_null", False),
        ("", "is_null", False),
        (0, "is_not_null", True),
        (None, "is_not_null", False),
        ("", "is_empty", True),
        ("   ", "is_empty", True),
        ([], "is_empty", True),
        ({}, "is_empty", True),
        (0, "is_empty", False),
        ("x", "is_not_empty", True),
        ([], "is_not_empty", False),
    ],
)
def test_null_and_empty_operators(left, op, expected):
    assert check(left, op) is expected


def test_within_last_and_older_than_use_the_given_now():
    assert check("2026-03-01", "within_last", "P30D")  # day 30 counts, by calendar day
    assert not check("2026-02-28", "within_last", "P30D")
    assert check("2026-02-28", "older_than", "P30D")
    assert not check("2026-03-01", "older_than", "P30D")
    assert check("2026-03-31T11:00:00Z", "within_last", "PT2H")
    assert not check("2026-03-31T09:00:00Z", "within_last", "PT2H")
    assert not check("2026-04-02T00:00:00Z", "within_last", "P30D")  # future
    assert check("2026-03-31T09:00:00Z", "older_than", "PT2H")
    assert not check("garbage", "older_than", "P1D")
    later = NOW + timedelta(days=10)
    assert not check("2026-03-01", "within_last", "P30D", now=later)
    local = NOW.astimezone(timezone(timedelta(hours=9)))
    assert check("2026-03-31T11:00:00Z", "within_last", "PT2H", now=local)


def test_relative_dates_need_now():
    condition = compile_condition({"var": "x", "op": "within_last", "value": "P30D"})
    with pytest.raises(RuleError, match="no 'now'"):
        condition.evaluate({"x": "2026-03-01"})
    with pytest.raises(RuleError, match="aware"):
        condition.evaluate({"x": "2026-03-01"}, now=datetime(2026, 3, 31))


def test_every_operator_is_covered_here():
    tested = {
        "==", "!=", "<", "<=", ">", ">=", "in", "not_in", "contains", "starts_with",
        "ends_with", "matches", "between", "is_null", "is_not_null", "is_empty",
        "is_not_empty", "before", "after", "on_or_before", "on_or_after", "within_last",
        "older_than",
    }  # fmt: skip
    assert set(OPERATORS) == tested


# -- the null rule --------------------------------------------------------------------

_VALUE_FOR = {
    "none": None,
    "scalar": 1,
    "list": [1],
    "text": "a",
    "pattern": "a",
    "range": [0, 2],
    "date": "2026-01-01",
    "duration": "P1D",
}


@pytest.mark.parametrize("op", sorted(OPERATORS))
def test_missing_left_side_is_false_except_null_checks_and_not_equal(op):
    value = _VALUE_FOR[OPERATORS[op].operand]
    expected = op in {"is_null", "is_empty", "!="}
    assert check(None, op, value) is expected
    assert check(None, op, value, present=False) is expected


@pytest.mark.parametrize("op", [o for o in sorted(OPERATORS) if OPERATORS[o].operand == "scalar"])
def test_missing_right_side_variable_is_false_except_not_equal(op):
    condition = compile_condition({"var": "a", "op": op, "value": {"var": "b"}})
    assert condition.evaluate({"a": 1}) is (op == "!=")
    assert condition.evaluate({"a": 1, "b": None}) is (op == "!=")
    assert condition.evaluate({}) is False


def test_not_is_plain_negation_so_a_missing_variable_makes_not_equal_true():
    condition = compile_condition({"not": {"var": "x", "op": "==", "value": 1}})
    assert condition.evaluate({})
    assert not condition.evaluate({"x": 1})


def test_paths_through_dicts_and_lists():
    variables = {"order": {"items": [{"sku": "A-1", "qty": 2}], "country": "NL"}}
    assert compile_condition({"var": "order.items[0].sku", "op": "==", "value": "A-1"}).evaluate(
        variables
    )
    assert compile_condition({"var": "order.items.0.qty", "op": "==", "value": 2}).evaluate(
        variables
    )
    for path in ["order.items[1].sku", "order.country.code", "order.missing", "order[0]"]:
        assert compile_condition({"var": path, "op": "is_null"}).evaluate(variables)


def test_variables_compared_with_variables():
    condition = compile_condition({"var": "refund", "op": "<=", "value": {"var": "order.paid"}})
    assert condition.evaluate({"refund": "44.95", "order": {"paid": Decimal("44.95")}})
    assert not condition.evaluate({"refund": 45, "order": {"paid": "44.95"}})
    window = compile_condition(
        {"var": "days_since_delivery", "op": "between", "value": [0, {"var": "window_days"}]}
    )
    assert window.evaluate({"days_since_delivery": 14, "window_days": 14})
    assert not window.evaluate({"days_since_delivery": 15, "window_days": 14})
    assert not window.evaluate({"days_since_delivery": 1})
    members = compile_condition({"var": "country", "op": "in", "value": {"var": "eu"}})
    assert members.evaluate({"country": "NL", "eu": ["NL", "DE"]})
    assert not members.evaluate({"country": "NL", "eu": "NL,DE"})
    dates = compile_condition({"var": "shipped", "op": "before", "value": {"var": "promised"}})
    assert dates.evaluate({"shipped": "2026-03-01", "promised": "2026-03-02"})


# -- money ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "op", "threshold", "expected"),
    [
        (0.1 + 0.2, "==", 0.3, False),  # the float really is 0.30000000000000004
        (Decimal("0.1") + Decimal("0.2"), "==", 0.3, True),
        ("0.30", "==", 0.3, True),
        (300, ">", 300.00, False),
        ("300.01", ">", 300, True),
        (Decimal("299.999"), "<", "300", True),
        (44.95, "==", "44.95", True),
        ("44.950", "==", Decimal("44.95"), True),
        (" 10 ", "<", 10.5, True),
        ("1e3", ">", 5, False),  # exponent notation is not a money amount
        ("NaN", ">", 5, False),
        (float("inf"), ">", 5, False),
    ],
)
def test_money_compares_as_decimal(amount, op, threshold, expected):
    assert check(amount, op, threshold) is expected


# -- logic and constants --------------------------------------------------------------


def test_logic_nodes_and_literals():
    assert compile_condition(True) == Constant(True)
    assert not compile_condition(False).evaluate({})
    assert compile_condition({"all": []}).evaluate({})
    assert not compile_condition({"any": []}).evaluate({})
    condition = compile_condition(
        {"any": [{"var": "a", "op": "==", "value": 1}, {"not": {"var": "b", "op": "is_null"}}]}
    )
    assert condition.evaluate({"a": 1})
    assert condition.evaluate({"b": 0})
    assert not condition.evaluate({"a": 2})


def test_referenced_vars():
    condition = compile_condition(
        {
            "all": [
                {"var": "reason", "op": "in", "value": ["size"]},
                {"not": {"var": "order.total", "op": "<=", "value": {"var": "limits.max"}}},
                {"var": "x", "op": "between", "value": [{"var": "lo"}, 5]},
            ]
        }
    )
    assert referenced_vars(condition) == {"reason", "order.total", "limits.max", "x", "lo"}
    assert referenced_vars(compile_condition(True)) == set()


def test_evaluate_needs_a_mapping():
    with pytest.raises(TypeError):
        compile_condition(True).evaluate(["x"])


# -- compile errors -------------------------------------------------------------------


def test_all_compile_errors_are_reported_at_once_with_exact_pointers():
    with pytest.raises(DefinitionInvalid) as info:
        compile_condition(
            {
                "all": [
                    {"var": "a", "op": "~="},
                    {"op": "==", "value": 1},
                    {"var": "b", "op": "in", "value": "size"},
                    {"var": "c", "op": "<", "value": [1]},
                    {"var": "d", "op": "is_null", "value": 1},
                    {"var": "e", "op": "==", "value": None},
                    {"var": "f", "op": "between", "value": [30, 15]},
                    {"var": "g", "op": "before", "value": "yesterday"},
                    {"var": "h", "op": "within_last", "value": "-P1D"},
                    {"var": "i", "op": "matches", "value": "(a"},
                    {"var": "j", "op": "==", "value": 1, "colour": "red"},
                    {"var": "k", "op": "<", "value": 1, "ignore_case": True},
                    {"var": "1abc", "op": "==", "value": 1},
                    {"var": "l", "op": "=="},
                    {"any": {"var": "m", "op": "is_null"}},
                    {"all": [], "any": []},
                    "yes",
                    {"var": "n", "op": "==", "value": {"var": "o", "extra": 1}},
                    {"var": "p", "op": "starts_with", "value": 5},
                ]
            },
            "/nodes/4/config/condition",
        )
    root = "/nodes/4/config/condition/all"
    assert pointers(info) == [
        f"{root}/0/op",
        f"{root}/1",
        f"{root}/2/value",
        f"{root}/3/value",
        f"{root}/4/value",
        f"{root}/5/value",
        f"{root}/6/value",
        f"{root}/7/value",
        f"{root}/8/value",
        f"{root}/9/value",
        f"{root}/10/colour",
        f"{root}/11/ignore_case",
        f"{root}/12/var",
        f"{root}/13",
        f"{root}/14/any",
        f"{root}/15",
        f"{root}/16",
        f"{root}/17/value",
        f"{root}/18/value",
    ]
    reasons = {e.pointer: e.reason for e in info.value.errors}
    assert "unknown operator '~='" in reasons[f"{root}/0/op"]
    assert "needs a 'var'" in reasons[f"{root}/1"]
    assert "use is_null" in reasons[f"{root}/5/value"]
    assert "low end" in reasons[f"{root}/6/value"]
    assert "negative" in reasons[f"{root}/8/value"]
    assert "pattern refused" in reasons[f"{root}/9/value"]
    assert "unknown key 'colour'" in reasons[f"{root}/10/colour"]
    assert "needs a 'value'" in reasons[f"{root}/13"]


def test_nesting_deeper_than_32_is_refused():
    doc: object = {"var": "x", "op": "is_null"}
    for _ in range(31):
        doc = {"not": doc}
    assert compile_condition(doc).evaluate({}) is False  # 31 nots over a true test
    with pytest.raises(DefinitionInvalid) as info:
        compile_condition({"not": {"not": doc}})
    assert info.value.errors[0].pointer == "/not" * 32
    assert "32 levels" in info.value.errors[0].reason


def test_more_than_1000_nodes_is_refused():
    leaf = {"var": "x", "op": "is_null"}
    assert compile_condition({"any": [leaf] * 999})
    with pytest.raises(DefinitionInvalid) as info:
        compile_condition({"any": [leaf] * 1000})
    assert [e.reason for e in info.value.errors] == ["a condition has at most 1000 nodes"]


# -- properties -----------------------------------------------------------------------

leaf_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.decimals(-5, 5, places=2),
    st.sampled_from(["", "a", "size", "2026-03-01", "5", "5.00", "RMA-1"]),
)
comparisons = st.builds(
    lambda var, op, value: {"var": var, "op": op, "value": value},
    st.sampled_from(["a", "b", "c.d"]),
    st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
    st.one_of(st.integers(-5, 5), st.sampled_from(["a", "5", "2026-03-02"]), st.just({"var": "b"})),
) | st.builds(
    lambda var, op: {"var": var, "op": op},
    st.sampled_from(["a", "b", "c.d"]),
    st.sampled_from(["is_null", "is_not_null", "is_empty", "is_not_empty"]),
)
conditions = st.recursive(
    comparisons | st.booleans(),
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=8,
)
variable_sets = st.fixed_dictionaries(
    {},
    optional={"a": leaf_values, "b": leaf_values, "c": st.fixed_dictionaries({"d": leaf_values})},
)


@settings(max_examples=100, deadline=None)
@given(doc=conditions, variables=variable_sets)
def test_not_is_always_the_opposite(doc, variables):
    assert compile_condition({"not": doc}).evaluate(variables) is not compile_condition(
        doc
    ).evaluate(variables)


@settings(max_examples=60, deadline=None)
@given(left=conditions, right=conditions, variables=variable_sets)
def test_de_morgan(left, right, variables):
    negated_all = compile_condition({"not": {"all": [left, right]}})
    any_negated = compile_condition({"any": [{"not": left}, {"not": right}]})
    assert negated_all.evaluate(variables) == any_negated.evaluate(variables)


@settings(max_examples=200, deadline=None)
@given(
    amount=st.decimals(min_value=-(10**6), max_value=10**6, places=2),
    threshold=st.decimals(min_value=-(10**6), max_value=10**6, places=2),
)
def test_money_in_any_representation_agrees_with_decimal(amount, threshold):
    expected = amount <= threshold
    condition = compile_condition({"var": "amount", "op": "<=", "value": float(threshold)})
    for representation in (amount, str(amount), float(amount)):
        assert condition.evaluate({"amount": representation}) is expected
