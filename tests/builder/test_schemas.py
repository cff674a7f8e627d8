"""The meta-schemas themselves: valid JSON Schema, one per kind, and faithful to DESIGN §4-§8."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from builder.definitions import KINDS, SCHEMA_DIR, check_document, meta_schema, starter_body

SAMPLE = Path(__file__).parents[1] / "data" / "bundles" / "sample"


def pointers(kind: str, body: dict) -> list[str]:
    return [e.pointer for e in check_document(kind, "a.b", "A title", body)]


def test_there_is_one_schema_per_kind_plus_the_shared_one():
    names = sorted(p.stem for p in SCHEMA_DIR.glob("*.json"))
    assert names == sorted([*KINDS, "common"])


@pytest.mark.parametrize("name", [*KINDS, "common"])
def test_each_schema_is_valid_draft_2020_12(name):
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://formloom.dev/schemas/{name}.json"


@pytest.mark.parametrize("kind", KINDS)
def test_kind_schemas_refuse_unknown_top_level_fields(kind):
    assert meta_schema(kind)["additionalProperties"] is False
    body = {**starter_body(kind), "surprise": 1}
    assert pointers(kind, body) == ["/body/surprise"]


@pytest.mark.parametrize("kind", KINDS)
def test_starter_bodies_are_valid(kind):
    assert check_document(kind, "new.thing", "New", starter_body(kind)) == []


def test_unknown_kind_has_no_schema():
    with pytest.raises(KeyError):
        meta_schema("common")


@pytest.mark.parametrize(
    "file", sorted(p.relative_to(SAMPLE).as_posix() for p in SAMPLE.glob("*/*.json"))
)
def test_sample_bundle_documents_are_valid(file):
    data = json.loads((SAMPLE / file).read_text(encoding="utf-8"))
    assert check_document(data["kind"], data["key"], data["title"], data["body"]) == []


def test_flow_node_types_are_exactly_the_designed_ones():
    node_types = meta_schema("flow")["$defs"]["node"]["properties"]["type"]["enum"]
    assert node_types == [
        "start",
        "form",
        "user_task",
        "decision",
        "parallel",
        "service",
        "wait",
        "notify",
        "subflow",
        "end",
    ]


def test_flow_node_config_is_checked_by_its_type():
    body = {
        "nodes": [
            {"id": "s", "type": "start"},
            {"id": "call", "type": "service", "config": {"connector": "erp.orders"}},
            {"id": "wait", "type": "wait", "config": {"until": "message"}},
            {
                "id": "t",
                "type": "user_task",
                "config": {"timeout": {"after": "PT1H", "action": "reassign"}},
            },
            {"id": "e", "type": "end", "config": {"status": "done"}},
        ],
        "edges": [{"from": "s", "to": "call", "on": "never"}],
    }
    assert pointers("flow", body) == [
        "/body/edges/0/on",
        "/body/nodes/1/config/action",
        "/body/nodes/2/config/message",
        "/body/nodes/3/config/timeout/to",
        "/body/nodes/4/config/status",
    ]


def test_assignee_names_exactly_one_target():
    body = starter_body("flow")
    body["nodes"].insert(
        1,
        {
            "id": "t",
            "type": "user_task",
            "config": {"assignee": {"role": "warehouse_eu", "user": "a@b.c"}},
        },
    )
    [error] = check_document("flow", "a.b", "T", body)
    assert (error.pointer, error.reason) == (
        "/body/nodes/1/config/assignee",
        "must name exactly one of user, role or expression",
    )


def test_conditions_nest_and_refuse_unknown_operators():
    edge = {
        "from": "start",
        "to": "end",
        "condition": {
            "all": [
                {"var": "reason", "op": "in", "value": ["size", "changed_mind"]},
                {"not": {"var": "days_since_delivery", "op": "~=", "value": 30}},
                {"var": "notes", "op": "is_empty", "value": 1},
            ]
        },
    }
    body = starter_body("flow")
    body["edges"] = [edge]
    assert pointers("flow", body) == [
        "/body/edges/0/condition/all/1/not/op",
        "/body/edges/0/condition/all/2/value",
    ]


def test_expressions_reaching_for_python_internals_are_refused_at_save_time():
    body = starter_body("flow")
    body["edges"][0]["condition"] = {"expr": "order.__class__.__mro__"}
    [error] = check_document("flow", "a.b", "T", body)
    assert error.pointer == "/body/edges/0/condition/expr"
    assert "double underscores" in error.reason


def test_form_schema_must_itself_be_a_json_schema_for_an_object():
    body = starter_body("form")
    body["schema"] = {"type": "object", "properties": {"age": {"type": "integr"}}}
    assert pointers("form", body) == ["/body/schema/properties/age/type"]
    body["schema"] = {"type": "array"}
    assert pointers("form", body) == ["/body/schema/type"]


def test_form_widgets_rules_and_prefill():
    body = starter_body("form")
    body["ui"]["widgets"] = {
        "photo": {"type": "camera"},
        "amount": {"type": "money", "currency": "euro"},
    }
    body["rules"] = [
        {"when": {"var": "x", "op": "==", "value": 1}, "effect": "compute", "field": "y"}
    ]
    body["prefill"] = [{"id": "lookup", "from": "connector", "fields": {}}]
    assert pointers("form", body) == [
        "/body/prefill/0/action",
        "/body/prefill/0/connector",
        "/body/rules/0",
        "/body/ui/widgets/amount/currency",
        "/body/ui/widgets/photo/type",
    ]


def test_decision_table_hit_policy():
    body = starter_body("decision_table")
    body["hit_policy"] = "any"
    assert pointers("decision_table", body) == ["/body/hit_policy"]
    body["hit_policy"] = "collect"
    assert pointers("decision_table", body) == []
    body["collect"] = "sum"  # aggregation is not part of the table language (runtime.rules)
    assert pointers("decision_table", body) == ["/body/collect"]


def test_dashboard_widgets_need_dataset_measures_and_a_known_chart():
    body = {
        "widgets": [
            {
                "id": "w",
                "title": "W",
                "dataset": "submissions:Bad Key",
                "chart": "donut",
                "measures": [{"id": "m", "agg": "sum"}],
            }
        ]
    }
    assert pointers("dashboard", body) == [
        "/body/widgets/0/chart",
        "/body/widgets/0/dataset",
        "/body/widgets/0/measures/0/field",
    ]


def test_connector_auth_names_a_credential_and_never_holds_a_secret():
    body = starter_body("connector")
    body["auth"] = {"type": "bearer", "token": "sk_live_123"}
    assert pointers("connector", body) == ["/body/auth/credential", "/body/auth/token"]
    body["auth"] = {"type": "saml"}
    assert pointers("connector", body) == ["/body/auth/type"]


def test_connector_base_url_must_be_http_without_credentials():
    body = starter_body("connector")
    for url in ("ftp://example.com", "https://user:pw@example.com", "javascript:alert(1)"):
        body["base_url"] = url
        assert pointers("connector", body) == ["/body/base_url"], url


def test_builder_package_imports_neither_flask_nor_app():
    code = (
        "import sys, builder.definitions, builder.diff; "
        "bad = [m for m in sys.modules if m == 'flask' or m == 'app' or m.startswith('app.')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
