"""Checking, freezing and checksumming definition documents (builder/definitions.py)."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from builder import definitions as d
from runtime.exceptions import DefinitionInvalid, ErrorDetail


def flow_body(**extra):
    return {**d.starter_body("flow"), **extra}


def test_every_error_comes_back_at_once_with_its_pointer():
    body = {
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "x", "type": "teleport"},
            {"type": "end"},
        ],
        "edges": [{"from": "start"}],
        "colour": "blue",
    }
    errors = d.check_document("flow", "Returns Flow", "", body, schema_version=7)
    assert [(e.pointer, e.reason) for e in errors] == [
        ("/body/colour", "unknown field"),
        ("/body/edges/0/to", "is required"),
        (
            "/body/nodes/1/type",
            'must be one of: "start", "form", "user_task", "decision", '
            '"parallel", "service", "wait", "notify", "subflow", "end"',
        ),
        ("/body/nodes/2/id", "is required"),
        (
            "/key",
            "must be lower-case words of letters, digits and _ separated by dots, "
            "e.g. returns.request",
        ),
        ("/schema_version", "7 is not supported (supported: 1)"),
        ("/title", "must be a non-empty string"),
    ]


def test_parse_raises_definition_invalid_carrying_every_error():
    with pytest.raises(DefinitionInvalid) as caught:
        d.parse_document("flow", "a.b", "T", {"nodes": [], "edges": "none"})
    assert [e.pointer for e in caught.value.errors] == ["/body/edges", "/body/nodes"]
    assert all(isinstance(e, ErrorDetail) for e in caught.value.errors)


def test_unknown_kind_and_missing_parts():
    errors = d.check_document("widget", None, None, None, schema_version=True)
    assert [(e.pointer, e.reason) for e in errors] == [
        ("/body", "is required"),
        ("/key", "is required"),
        ("/kind", "must be one of: form, flow, decision_table, dashboard, connector"),
        ("/schema_version", "must be an integer"),
        ("/title", "is required"),
    ]


def test_pointers_sort_numerically_and_escape_slash_and_tilde():
    nodes = [{"id": f"n{i}", "type": "end"} for i in range(12)]
    nodes[2]["type"] = nodes[10]["type"] = "nope"
    body = {"nodes": nodes, "edges": [], "variables": {"a/b~c": {"type": "colour"}}}
    assert [e.pointer for e in d.check_document("flow", "a", "T", body)] == [
        "/body/nodes/2/type",
        "/body/nodes/10/type",
        "/body/variables/a~1b~0c",
        "/body/variables/a~1b~0c/type",
    ]


def test_errors_are_deduplicated_and_capped():
    assert d.sort_errors([ErrorDetail("/a", "x"), ErrorDetail("/a", "x")]) == [
        ErrorDetail("/a", "x")
    ]
    many = [ErrorDetail(f"/n/{i}", "bad") for i in range(d.MAX_ERRORS + 5)]
    capped = d.sort_errors(many)
    assert len(capped) == d.MAX_ERRORS + 1
    assert capped[-1] == ErrorDetail("", "5 more error(s) not shown")


def test_too_large_bodies_are_refused_before_schema_validation():
    body = flow_body(description="x" * (d.MAX_BODY_BYTES + 1))
    [error] = d.check_document("flow", "a", "T", body)
    assert error.pointer == "/body"
    assert "at most 2,097,152" in error.reason


def test_too_deep_bodies_are_refused_without_recursing():
    deep: dict = {}
    cursor = deep
    for _ in range(10_000):
        cursor["x"] = {}
        cursor = cursor["x"]
    [error] = d.check_document("flow", "a", "T", flow_body(description=deep))
    assert error.reason == "nests deeper than 64 levels"
    assert error.pointer == "/body/description" + "/x" * 64  # 65 levels below /body


def test_values_no_database_can_store_are_refused():
    body = flow_body(variables={"v": {"default": float("nan")}, "w": {"description": "a\x00b"}})
    assert [(e.pointer, e.reason) for e in d.check_document("flow", "a", "T", body)] == [
        ("/body/variables/v/default", "must be a finite number"),
        ("/body/variables/w/description", "must not contain NUL characters"),
    ]


def test_envelope_refuses_unknown_fields_and_needs_schema_version():
    envelope = {"kind": "flow", "key": "a", "title": "T", "body": flow_body(), "owner": "me"}
    assert [e.pointer for e in d.check_envelope(envelope)] == ["/owner", "/schema_version"]
    assert d.check_envelope(["not", "an", "object"])[0].pointer == ""


def test_parsed_documents_are_frozen():
    doc = d.parse_envelope(
        {"kind": "flow", "key": "a.b", "title": "T", "schema_version": 1, "body": flow_body()}
    )
    assert doc.as_dict()["key"] == "a.b"
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.title = "changed"  # type: ignore[misc]


def test_checksum_is_sha256_of_canonical_json():
    body = {"b": [1, 2.0, "é"], "a": {"z": True, "y": None}}
    expected = hashlib.sha256(
        '{"body":{"a":{"y":null,"z":true},"b":[1,2,"é"]},"schema_version":1,"title":"T"}'.encode()
    ).hexdigest()
    assert d.compute_checksum("T", body, 1) == expected


def test_checksum_ignores_key_order_and_number_spelling_but_not_content():
    one = d.compute_checksum("T", {"a": 1, "b": [1.0, 2]}, 1)
    assert one == d.compute_checksum("T", {"b": [1, 2.0], "a": 1.0}, 1)
    assert one != d.compute_checksum("T ", {"a": 1, "b": [1, 2]}, 1)
    assert one != d.compute_checksum("T", {"a": 1, "b": [2, 1]}, 1)
    assert one != d.compute_checksum("T", {"a": True, "b": [1, 2]}, 1)


def test_document_checksum_matches_the_function():
    doc = d.parse_document("flow", "a", "T", flow_body())
    assert doc.checksum == d.compute_checksum("T", flow_body(), 1)
    assert len(doc.checksum) == 64


def test_form_definitions_are_compiled_at_save_time():
    from builder.definitions import check_document, starter_body

    body = starter_body("form")
    body["schema"]["properties"] = {"email": {"type": "string"}}
    body["ui"]["sections"][0]["fields"] = ["email", "ghost"]
    body["rules"] = [{"when": True, "effect": "hide", "fields": ["nope"]}]
    pointers = [e.pointer for e in check_document("form", "t.form", "T", body)]
    assert pointers == ["/body/rules/0/fields/0", "/body/ui/sections/0/fields/1"]
