"""`json_copy` walks values instead of a JSON round trip: it must give the same answer.

The engine copies variables and answers on every event (`json_copy`), and logs history
records through `to_json`; both were rewritten for speed, so these tests hold them to
what `json.loads(json.dumps(to_json(value)))` did: same result, fresh containers, the
same refusals (NaN, infinity, sets, arbitrary objects).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.flows.errors import BadEvent
from runtime.flows.records import json_copy, to_json
from runtime.flows.state import Token


class Colour(StrEnum):
    RED = "red"


class Size(Enum):
    LARGE = 3


def _reference(value):
    return json.loads(json.dumps(to_json(value), allow_nan=False))


leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=8),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([Colour.RED, Size.LARGE, Decimal("2.50"), Decimal("7"),
                     date(2026, 3, 2), datetime(2026, 3, 2, 9, 30, tzinfo=UTC)]),
)
keys = st.one_of(st.text(max_size=5), st.integers(-5, 5))
values = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                            st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


@given(values)
def test_json_copy_equals_the_json_round_trip(value):
    assert json_copy(value) == _reference(value)


@given(st.dictionaries(st.text(max_size=5), values, max_size=5))
def test_to_json_then_dumps_is_unchanged(value):
    assert json.loads(json.dumps(to_json(value))) == _reference(value)


def test_the_copy_shares_no_container_with_the_original():
    original = {"items": [{"sku": "A", "qty": 1}], "tags": ("x", "y")}
    copied = json_copy(original)
    copied["items"][0]["qty"] = 99
    copied["items"].append({})
    assert original == {"items": [{"sku": "A", "qty": 1}], "tags": ("x", "y")}
    assert copied["tags"] == ["x", "y"]


def test_records_enums_and_non_text_keys_convert_as_before():
    token = Token(3, "review", 2, data={"k": (1, 2)})
    assert json_copy({"t": token, 1: Colour.RED, None: Size.LARGE}) == {
        "t": {"id": 3, "node_id": "review", "activation": 2, "resume": "",
              "data": {"k": [1, 2]}},
        "1": "red",
        "None": 3,
    }


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, {1, 2}, object(),
                                 {"nested": [float("nan")]}, b"bytes"])
def test_what_json_cannot_hold_is_refused(bad):
    with pytest.raises(BadEvent, match="not JSON data"):
        json_copy(bad)


def test_subclasses_of_plain_types_become_plain_values():
    class Text(str):
        pass

    class Mapping(dict):
        pass

    copied = json_copy({"a": Text("x"), "b": Mapping(c=1)})
    assert copied == {"a": "x", "b": {"c": 1}}
    assert type(copied["a"]) is str and type(copied["b"]) is dict


def test_absurd_nesting_is_refused_not_a_crash():
    deep: list = []
    for _ in range(2000):
        deep = [deep]
    with pytest.raises(BadEvent):
        json_copy(deep)
