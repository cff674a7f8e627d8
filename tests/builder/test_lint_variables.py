"""builder.lint_variables: the variables a flow knows, and warnings for reads nothing defines."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path

from builder.lint import WARNING, LintContext, lint_flow_body
from builder.lint_variables import TableShape, form_field_paths, known_variables, table_shape
from tests.builder.test_lint import flow, task

BUNDLE = Path(__file__).parents[2] / "seed_templates" / "cross_border_returns"
REVIEW = {"schema": {"type": "object", "properties": {
    "reject_reason": {"type": "string"},
    "refund": {"type": "object", "properties": {"amount": {"type": "number"}}},
    "items": {"type": "array", "items": {"type": "object", "properties": {"sku": {}}}},
}}}
CONTEXT = LintContext(
    form_fields={"returns.review": form_field_paths(REVIEW), "returns.request": ("reason",)},
    tables_shape={"returns.policy": TableShape(inputs=("reason", "order.country"),
                                               outputs=("decision",))},
)


def routed(condition: dict, *nodes: dict, trigger: dict | None = None) -> dict:
    """start (trigger) -> review task (output review) -> nodes... -> check -> done/other."""
    chain = ["start", "review", *[n["id"] for n in nodes], "check"]
    body = flow(
        task(form="returns.review", output="review"),
        *nodes,
        {"id": "check", "type": "decision"},
        {"id": "other", "type": "end"},
        edges=[*pairwise(chain),
               ("check", "other", {"condition": condition}), ("check", "done", {"default": True})],
    )
    body["nodes"][0]["config"] = {"trigger": trigger or {"type": "form", "form": "returns.request"}}
    return body


def condition_at(body: dict) -> str:
    return next(f"/edges/{j}/condition" for j, e in enumerate(body["edges"]) if "condition" in e)


def warnings(body: dict, context: LintContext = CONTEXT) -> list[tuple[str, str]]:
    return [(i.pointer, i.message) for i in lint_flow_body(body, context)
            if i.severity == WARNING]


def test_form_field_paths_walk_nested_objects_and_list_items():
    assert form_field_paths(REVIEW) == (
        "reject_reason", "refund", "refund.amount", "items", "items[].sku")


def test_a_condition_on_a_task_form_field_is_known_and_a_typo_is_a_warning_on_the_edge():
    assert warnings(routed({"var": "review.data.reject_reason", "op": "is_null"})) == []
    assert warnings(routed({"var": "review.data.refund.amount", "op": ">", "value": 1})) == []
    assert warnings(routed({"var": "review.data.items[0].sku", "op": "is_null"})) == []
    assert warnings(routed({"var": "reason", "op": "==", "value": "x"})) == []  # start form
    (issue,) = lint_flow_body(routed({"var": "review.data.reject_reson", "op": "is_null"}),
                              CONTEXT)
    assert (issue.severity, issue.pointer, issue.edge) == (WARNING, "/edges/2/condition", 2)
    assert "'review.data.reject_reson'" in issue.message


def test_values_read_from_variables_are_checked_too():
    body = routed({"var": "reason", "op": "==", "value": {"var": "review.data.nope"}})
    assert [p for p, _ in warnings(body)] == [condition_at(body)]


def test_service_outputs_messages_errors_declared_and_engine_variables_are_known():
    service = {"id": "load", "type": "service", "config": {
        "connector": "erp", "action": "order", "output": {"order": "$"},
        "error_output": "order_error"}}
    wait = {"id": "scan", "type": "wait",
            "config": {"until": "message", "message": {"name": "m", "correlate": "case_number",
                                                       "output": "tracking"}}}
    for var in ("order.customer.country", "order_error.code", "tracking.status",
                "case_number", "review.outcome"):
        assert warnings(routed({"var": var, "op": "is_null"}, service, wait)) == [], var
    body = routed({"var": "amount", "op": ">", "value": 5}, service)
    assert len(warnings(body)) == 1
    body["variables"] = {"amount": {"type": "number"}}  # a declared start variable
    assert warnings(body) == []


def test_a_decision_tables_inputs_and_outputs():
    table = {"id": "policy", "type": "decision",
             "config": {"decision_table": "returns.policy", "output": "policy"}}
    body = routed({"var": "policy.decision", "op": "==", "value": "approve"}, table)
    (pointer, message), = warnings(body)  # order.country: nothing defines it
    assert pointer == "/nodes/2/config/decision_table"
    assert "'returns.policy' reads 'order.country'" in message
    table["config"]["input"] = {"order.country": {"value": "DE"}}  # mapped in the node
    assert warnings(body) == []
    body["edges"][3]["condition"] = {"var": "policy.verdict", "op": "is_null"}
    assert [p for p, _ in warnings(body)] == [condition_at(body)]  # not a table output


def test_no_warning_when_the_picture_is_incomplete():
    body = routed({"var": "anything", "op": "is_null"})
    assert warnings(body, LintContext()) == []  # nothing known about forms
    body["nodes"][1]["config"]["form"] = "returns.unpublished"  # its fields cannot be seen
    assert warnings(body) == []
    untyped_task = routed({"var": "review.data.whatever", "op": "is_null"})
    del untyped_task["nodes"][1]["config"]["form"]  # a task without a form: data is open
    assert warnings(untyped_task) == []


def test_known_variables_say_where_each_comes_from():
    listed = known_variables(routed({"var": "reason", "op": "is_null"}), CONTEXT).as_list()
    assert {"path": "review.data.items[0].sku", "source": "task form returns.review"} in listed
    assert {"path": "reason", "source": "start form returns.request"} in listed


def test_step_reads_mappings_assignees_and_waits_are_checked_too():
    service = {"id": "pay", "type": "service", "config": {
        "connector": "psp", "action": "refund", "input": {"amount": "refund_amount",
                                                          "reason": "review.data.reject_reason"}}}
    body = routed({"var": "reason", "op": "is_null"}, service)
    ((pointer, message),) = warnings(body)
    assert pointer == "/nodes/2/config" and "this step reads 'refund_amount'," in message
    body["variables"] = {"refund_amount": {}}
    assert warnings(body) == []
    body["nodes"][1]["config"]["assignee"] = {"expression": "review_team"}
    assert [p for p, _ in warnings(body)] == ["/nodes/1/config"]


def test_the_returns_bundle_warns_only_about_undeclared_start_variables():
    def bodies(kind: str) -> dict:
        docs = [json.loads(p.read_text("utf-8")) for p in (BUNDLE / kind).glob("*.json")]
        return {doc["key"]: doc["body"] for doc in docs}

    context = LintContext(
        form_fields={key: form_field_paths(body) for key, body in bodies("forms").items()},
        tables_shape={key: table_shape(body) for key, body in bodies("decision_tables").items()},
    )
    found = {key: warnings(body, context) for key, body in bodies("flows").items()}
    assert found["returns.rma"] == []
    # The quality flows are started with data they do not declare (reported upstream):
    # those names are the only ones warned about.
    for key in ("returns.quality_check", "returns.quality_claim"):
        for _pointer, message in found[key]:
            assert re.search(r"reads? '(sku|supplier\.email|team)'(, |,? which)", message), message
