"""Lists in request templates: `each` builds a list per element, `sum` adds exactly."""

from __future__ import annotations

import pytest

from connectors.exceptions import InputInvalid
from connectors.templates import MAX_EACH_ITEMS, MISSING, compile_source, paths_in

ORDER = {
    "number": "SO-1",
    "lines": [
        {"sku": "TS-1", "name": "Shirt", "qty": 2, "price": "19.90", "weight_kg": "0.250",
         "hs": "6109100010", "origin": "CN"},
        {"sku": "EB-2", "name": "Earbuds", "qty": 1, "price": "60.10", "weight_kg": "0.1",
         "hs": "8518300000", "origin": "CN"},
    ],
}


def compiled(template):
    errors = []
    result = compile_source(template, "", errors, structured=True)
    assert errors == []
    return result


def test_each_maps_every_element_with_paths_relative_to_it():
    template = compiled({"category": {"value": "returned_goods"},
                         "items": {"each": "order.lines", "map": {
                             "description": "name", "quantity": "qty", "hs_code": "hs",
                             "label": {"template": "{sku} x{qty}"},
                             "origin_country": {"var": "origin", "default": "CN"}}}})
    out = template.render({"order": ORDER})
    assert out == {"category": "returned_goods", "items": [
        {"description": "Shirt", "quantity": 2, "hs_code": "6109100010", "label": "TS-1 x2",
         "origin_country": "CN"},
        {"description": "Earbuds", "quantity": 1, "hs_code": "8518300000",
         "label": "EB-2 x1", "origin_country": "CN"}]}


def test_each_over_a_missing_list_leaves_the_field_out():
    template = compiled({"n": "order.number", "items": {"each": "order.none", "map": "sku"}})
    assert template.render({"order": ORDER}) == {"n": "SO-1"}


def test_sum_is_exact_decimal_text_and_times_multiplies_per_element():
    weight = compiled({"sum": "order.lines", "of": "weight_kg", "times": "qty"})
    value = compiled({"sum": "order.lines", "of": "price"})
    units = compiled({"sum": "order.lines", "of": "qty"})
    data = {"order": ORDER}
    assert weight.render(data) == "0.600"  # 0.250 x 2 + 0.1 x 1
    assert value.render(data) == "80.00"
    assert units.render(data) == 3
    floats = compiled({"sum": "xs", "of": "v"})
    assert floats.render({"xs": [{"v": 0.1}, {"v": 0.2}]}) == "0.3"  # not 0.30000000000000004


@pytest.mark.parametrize("data", [{"xs": [{"v": "abc"}]}, {"xs": [{"v": True}]},
                                  {"xs": [{}]}, {"xs": [{"v": "NaN"}]}, {"xs": "no list"}])
def test_bad_elements_are_invalid_input_not_a_crash(data):
    with pytest.raises(InputInvalid):
        compiled({"sum": "xs", "of": "v"}).render(data)


def test_lists_longer_than_the_limit_are_refused_not_cut_short():
    template = compiled({"each": "xs", "map": "$"})
    assert template.render({"xs": list(range(MAX_EACH_ITEMS))}) == list(range(MAX_EACH_ITEMS))
    with pytest.raises(InputInvalid, match=str(MAX_EACH_ITEMS)):
        template.render({"xs": list(range(MAX_EACH_ITEMS + 1))})


@pytest.mark.parametrize("bad", [{"each": "a__b", "map": "x"}, {"each": "xs"},
                                 {"each": "xs", "map": {"y": "a__b"}},
                                 {"sum": "xs", "of": "1bad"}, {"sum": "xs"},
                                 {"sum": "xs", "of": "v", "plus": "w"}])
def test_malformed_list_templates_are_refused_at_compile_time(bad):
    errors = []
    compile_source({"f": bad}, "", errors, structured=True)
    assert errors and errors[0].pointer.startswith("/f")


def test_only_the_list_path_is_checked_against_the_declared_inputs():
    template = compiled({"items": {"each": "order.lines", "map": {"d": "name"}},
                         "w": {"sum": "parcel", "of": "kg"}})
    assert sorted(p.text for p in paths_in(template)) == ["order.lines", "parcel"]


def test_each_renders_missing_as_missing_for_optional_inputs():
    assert compiled({"each": "xs", "map": "v"}).render({}) is MISSING
