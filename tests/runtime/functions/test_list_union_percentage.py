"""`list_union` (evidence gathered over time) and `percentage` (a rate against a limit)."""

import pytest

from runtime import functions
from runtime.functions import FunctionInputError


def test_union_keeps_the_first_order_and_adds_only_new_items():
    out = functions.call("list_union", {"items": ["RMA-1", "RMA-2"],
                                        "add": ["RMA-2", "RMA-3", "RMA-1", "RMA-4"]})
    assert out == {"items": ["RMA-1", "RMA-2", "RMA-3", "RMA-4"], "count": 4,
                   "text": "RMA-1, RMA-2, RMA-3, RMA-4", "added": 2}
    assert functions.call("list_union", {"items": None, "add": [1, "1", True]})["items"] == [
        1, "1", True]


def test_union_is_bounded_and_takes_scalars_only():
    with pytest.raises(FunctionInputError, match="more than 2"):
        functions.call("list_union", {"items": ["a", "b"], "add": ["c"], "max_items": 2})
    with pytest.raises(FunctionInputError, match="items/0"):
        functions.call("list_union", {"items": [{"a": 1}]})


@pytest.mark.parametrize(("part", "whole", "percent"), [
    (6, 100, "6.00"), ("5", "100", "5.00"), (1, 3, "33.33"), (2, 3, "66.67"), (0, 7, "0.00"),
])
def test_percentage_is_exact_and_rounds_half_up(part, whole, percent):
    assert functions.call("percentage", {"part": part, "whole": whole})["percent"] == percent


def test_percentage_of_nothing_sold_is_undefined_and_bad_numbers_are_refused():
    assert functions.call("percentage", {"part": 3, "whole": 0}) == {
        "percent": None, "defined": False, "part": "3", "whole": "0"}
    for bad in ("-1", "abc", "NaN", "Infinity"):
        with pytest.raises(FunctionInputError, match="part"):
            functions.call("percentage", {"part": bad, "whole": 10})
    with pytest.raises(FunctionInputError, match="whole"):
        functions.call("percentage", {"part": 1, "whole": 1.5})
