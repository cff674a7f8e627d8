"""Form rules on the server: show/hide/require, computed fields, and the compile errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runtime.exceptions import DefinitionInvalid
from runtime.forms import compile_form
from runtime.forms.messages import BUILTIN
from tests.runtime.forms.kit import check, every_field_body, every_field_spec, valid_input
from tests.runtime.forms.rule_cases import CONDITIONS, cases

SPEC = every_field_spec()


def test_hidden_fields_are_dropped_and_never_required():
    files = {"photos": [{"file": "", "name": "a.jpg", "type": "image/jpeg", "size": 10}]}
    checked, errors = check(SPEC, valid_input(reason="size"), files=files)
    assert errors == {}
    assert "photos" not in checked.data
    assert "photos" in checked.outcome.hidden


def test_shown_field_can_be_required_by_a_rule():
    _, errors = check(SPEC, valid_input(reason="damaged"))
    assert errors == {"photos": "This field is required."}
    _, errors = check(SPEC, valid_input(contact_by="phone"))
    assert errors == {"phone": "This field is required."}


def test_computed_total_ignores_the_client_and_uses_decimals():
    values = valid_input(total="99999")
    values.update({"items/1/sku": "B", "items/1/qty": "3", "items/1/unit_price": "0.1"})
    checked, errors = check(SPEC, values)
    assert errors == {}
    assert checked.data["total"] == 40.28  # 2 x 19.99 + 3 x 0.1, exactly
    values = valid_input(**{"items/0/unit_price": None}, total="5")
    checked, _ = check(SPEC, values)
    assert checked.data["total"] == 0


def test_compute_variants_and_money_targets():
    body = {
        "schema": {
            "type": "object",
            "properties": {
                "a": {"type": "number"},
                "b": {"type": "number"},
                "refund": {
                    "type": "object",
                    "properties": {"amount": {"type": "string"}, "currency": {"type": "string"}},
                },
                "label": {"type": "string"},
            },
        },
        "ui": {
            "sections": [{"id": "m", "fields": ["a", "b", "refund", "label"]}],
            "widgets": {"refund": {"type": "money", "currency": "EUR"}},
        },
        "rules": [
            {
                "when": {"var": "a", "op": "is_not_null"},
                "effect": "compute",
                "field": "refund",
                "value": {
                    "round": {"mul": [{"sub": [{"var": "a"}, {"var": "b"}]}, 0.9]},
                    "places": 2,
                },
            },
            {"when": True, "effect": "compute", "field": "label", "value": "fixed"},
        ],
    }
    spec = compile_form(body, "t.c", 1, "c1")
    checked, errors = check(spec, {"a": "10.10", "b": "0.105", "refund/amount": "1"})
    assert errors == {}
    assert checked.data["refund"] == {"amount": "9.00", "currency": "EUR"}
    assert checked.data["label"] == "fixed"
    checked, _ = check(spec, {"a": "10", "refund/amount": "500"})
    assert "refund" not in checked.data  # b missing: no value, and the client's is dropped


def test_compile_reports_every_problem_with_a_pointer():
    body = every_field_body()
    body["ui"]["sections"][0]["fields"].append("nope")
    body["ui"]["widgets"]["quantity"] = {"type": "checkbox"}
    body["rules"].append(
        {"when": {"var": "x", "op": "~", "value": 1}, "effect": "hide", "fields": ["name"]}
    )
    body["rules"].append({"when": True, "effect": "show", "fields": ["ghost"]})
    body["rules"].append({"when": True, "effect": "compute", "field": "total", "expression": "1+1"})
    body["rules"].append(
        {"when": True, "effect": "compute", "field": "total", "value": {"pow": [1]}}
    )
    with pytest.raises(DefinitionInvalid) as info:
        compile_form(body, "t.bad", 1, "x")
    pointers = sorted(e.pointer for e in info.value.errors)
    assert pointers == [
        "/rules/4/when/op",
        "/rules/5/fields/0",
        "/rules/6/expression",
        "/rules/7/value",
        "/ui/sections/0/fields/7",
        "/ui/widgets/quantity/type",
    ]


def test_rule_conditions_reuse_the_flow_language_and_its_safety_guards():
    body = every_field_body()
    body["rules"].append(
        {"when": {"var": "name.__class__", "op": "is_null"}, "effect": "hide", "fields": ["name"]}
    )
    with pytest.raises(DefinitionInvalid):
        compile_form(body, "t.bad", 1, "x")


def test_parity_table_is_broad():
    table = cases()
    assert len(CONDITIONS) > 35 and len(table) > 3000
    assert 0.2 < sum(c["expected"] for c in table) / len(table) < 0.6


def test_builtin_messages_are_complete_in_both_locales():
    assert set(BUILTIN["en"]) == set(BUILTIN["zh-CN"])
    assert all(BUILTIN["zh-CN"].values())


def test_runtime_forms_imports_neither_flask_nor_app():
    code = (
        "import sys, runtime.forms; "
        "bad = [m for m in sys.modules if m == 'flask' or m == 'app' or m.startswith('app.')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[3])


def test_prefill_reads_variables_and_lookup_results_by_path():
    from runtime.forms import initial_values

    body = every_field_body()
    body["prefill"] = [
        {
            "id": "vars",
            "from": "variables",
            "fields": {"email": "customer.email", "name": "customer.name"},
        },
        {
            "id": "order",
            "from": "connector",
            "connector": "erp",
            "action": "lookup_order",
            "fields": {"country": "shipping.country", "items": "lines", "nope": "x"},
        },
    ]
    spec = compile_form(body, "t.prefill", 1, "p")
    values = initial_values(
        spec,
        {"customer": {"email": "ann@example.com"}},
        {"order": {"shipping": {"country": "DE"}, "lines": [{"sku": "A", "qty": 1}]}},
    )
    assert values == {
        "email": "ann@example.com",
        "country": "DE",
        "items": [{"sku": "A", "qty": 1}],
    }
    assert initial_values(spec, None, None) == {}
