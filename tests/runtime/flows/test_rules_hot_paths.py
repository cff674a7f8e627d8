"""Fast paths the engine's profile asked for in `runtime/rules`, held to the slow path.

Decision tables run on every case start; `order`/`equal` now short-cut ints, Decimals
and plain strings, and `read_path` remembers which paths passed its safety check. These
tests check the short cuts answer exactly as the general code and never let an unsafe
path through because an equal-looking safe one was remembered.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.rules import UnsafeRule
from runtime.rules.safety import MISSING, read_path
from runtime.rules.values import _sign, equal, order, to_decimal

numbers = st.one_of(st.integers(-10**30, 10**30),
                    st.decimals(allow_nan=True, allow_infinity=True, places=None))


def _reference_order(a, b):
    da, db = to_decimal(a), to_decimal(b)
    return None if da is None or db is None else _sign(da, db)


@given(numbers, numbers)
def test_order_of_ints_and_decimals_is_the_exact_decimal_order(a, b):
    assert order(a, b) == _reference_order(a, b)


@given(st.text(max_size=6), st.text(max_size=6), st.booleans())
def test_equal_strings_as_before(a, b, ignore_case):
    assert equal(a, b, ignore_case) is ((a.casefold() == b.casefold()) if ignore_case
                                        else (a == b))


def test_numeric_text_still_orders_as_numbers_and_bools_stay_apart():
    assert order("10", "9") == 1  # not text order
    assert order(True, 1) is None and equal(True, 1) is False


def test_a_remembered_path_does_not_let_a_lookalike_through():
    data = {"items": ["a", "b"]}
    assert read_path(data, ("items", 1)) == "b"
    assert read_path(data, ("items", 1)) == "b"  # now remembered
    for lookalike in (("items", True), ("items", 1.0)):
        with pytest.raises(UnsafeRule):
            read_path(data, lookalike)  # type: ignore[arg-type]


def test_an_unsafe_path_is_refused_every_time():
    for _ in range(3):
        with pytest.raises(UnsafeRule):
            read_path({"x": 1}, ("x", "__class__"))
    assert read_path({"x": None}, ("x",)) is MISSING
