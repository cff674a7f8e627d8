"""builder.lint: errors and warnings with pointers, node ids and edge indexes."""

from __future__ import annotations

import copy

from builder.lint import ERROR, WARNING, LintContext, has_errors, lint_flow_body


def task(node_id: str = "review", **config) -> dict:
    config = {"title": "Review", "assignee": {"role": "staff"}, **config}
    return {"id": node_id, "type": "user_task", "config": config}


def flow(*nodes: dict, edges: list[tuple] = ()) -> dict:
    body_edges = []
    for edge in edges:
        source, target, *rest = edge
        body_edges.append({"from": source, "to": target, **(rest[0] if rest else {})})
    return {
        "nodes": [{"id": "start", "type": "start"}, *nodes, {"id": "done", "type": "end"}],
        "edges": body_edges,
    }


def good_flow() -> dict:
    return flow(
        task(outcomes=["approve", "reject"]),
        {"id": "rejected", "type": "end", "config": {"status": "rejected"}},
        edges=[
            ("start", "review"),
            ("review", "done", {"outcome": "approve"}),
            ("review", "rejected", {"outcome": "reject"}),
        ],
    )


def messages(issues, severity=None):
    return [(i.pointer, i.message) for i in issues if severity in (None, i.severity)]


def test_a_clean_flow_has_no_issues():
    assert lint_flow_body(good_flow()) == []


def test_missing_end_is_an_error_that_connecting_fixes():
    body = {"nodes": [{"id": "start", "type": "start"}, task()], "edges": [("start", "review")]}
    body["edges"] = [{"from": "start", "to": "review"}]
    issues = lint_flow_body(body)
    assert ("/nodes", "the flow has no end node: add one and connect it") in messages(issues)
    assert has_errors(issues)


def test_unreachable_node_and_dead_end_point_at_their_node():
    body = flow(task(), edges=[("start", "done")])
    issues = lint_flow_body(body)
    review = [i for i in issues if i.node == "review"]
    assert {i.message for i in review} == {
        "user_task 'review' cannot be reached from the start",
        "user_task 'review' is a dead end: connect it to a next step",
    }
    assert all(i.pointer == "/nodes/1" and i.severity == ERROR for i in review)


def test_an_outcome_without_an_edge_is_an_error_on_the_task():
    body = good_flow()
    body["edges"] = body["edges"][:2]  # the reject edge is gone
    issues = lint_flow_body(body)
    errors = messages(issues, ERROR)
    assert ("/nodes/1/config/outcomes", "outcome 'reject' has no edge to follow") in errors
    assert [i.node for i in issues if "outcome 'reject'" in i.message] == ["review"]


def test_an_edge_without_outcome_from_a_multi_outcome_task_is_a_warning_on_the_edge():
    body = good_flow()
    del body["edges"][2]["outcome"]
    issues = lint_flow_body(body)
    assert not has_errors(issues)  # the edge catches every outcome without an edge
    (warning,) = issues
    assert (warning.severity, warning.pointer, warning.edge) == (WARNING, "/edges/2", 2)


def test_edge_ids_are_reported_with_their_issue():
    body = good_flow()
    body["edges"][2] = {"id": "to_rejected", "from": "review", "to": "rejected"}
    (warning,) = lint_flow_body(body)
    assert (warning.edge, warning.edge_id) == (2, "to_rejected")


def test_task_without_assignee_is_an_error():
    body = good_flow()
    del body["nodes"][1]["config"]["assignee"]
    issues = lint_flow_body(body)
    assert ("/nodes/1/config", "a user task needs an assignee: a user or a role") in messages(
        issues, ERROR
    )


def test_decision_without_default_edge_is_an_error():
    condition = {"var": "amount", "op": ">", "value": 100}
    body = flow(
        {"id": "big", "type": "decision"},
        edges=[("start", "big"), ("big", "done", {"condition": condition})],
    )
    issues = lint_flow_body(body)
    assert (
        "/nodes/1",
        "a decision needs a default edge, taken when no condition holds",
    ) in messages(issues, ERROR)
    body["edges"].append({"from": "big", "to": "done", "default": True})
    assert not has_errors(lint_flow_body(body))


def test_join_without_split_is_an_error():
    join = {"id": "join", "type": "parallel", "config": {"mode": "join"}}
    body = flow(join, task("a"), edges=[("start", "a"), ("a", "join"), ("join", "done")])
    issues = lint_flow_body(body)
    assert ("/nodes/1", "a join needs a parallel split before it") in messages(issues, ERROR)
    assert ("/nodes/1", "a join with fewer than two incoming edges waits for nothing") in messages(
        issues, WARNING
    )


def test_join_after_split_is_fine():
    split = {"id": "split", "type": "parallel", "config": {"mode": "split"}}
    join = {"id": "join", "type": "parallel", "config": {"mode": "join"}}
    body = flow(
        split,
        task("a"),
        task("b"),
        join,
        edges=[
            ("start", "split"),
            ("split", "a"),
            ("split", "b"),
            ("a", "join"),
            ("b", "join"),
            ("join", "done"),
        ],
    )
    assert lint_flow_body(body) == []


def test_unknown_references_are_errors_when_the_context_knows():
    body = good_flow()
    body["nodes"][1]["config"]["form"] = "returns.review"
    body["nodes"][1]["config"]["assignee"] = {"role": "warehouse_mars"}
    body["nodes"].insert(2, {"id": "refund", "type": "service",
                             "config": {"connector": "payments", "action": "refund_all"}})
    body["edges"][1] = {"from": "review", "to": "refund", "outcome": "approve"}
    body["edges"].append({"from": "refund", "to": "done"})
    context = LintContext(
        forms=frozenset(), roles=frozenset({"staff"}),
        connectors={"payments": frozenset({"refund"})},
    )
    errors = messages(lint_flow_body(body, context), ERROR)
    assert ("/nodes/1/config/form", "there is no published form 'returns.review'") in errors
    assert (
        "/nodes/1/config/assignee/role",
        "there is no team 'warehouse_mars'",
    ) in errors
    assert (
        "/nodes/2/config/action",
        "connector 'payments' has no action 'refund_all' (refund)",
    ) in errors
    # without a context nothing is known, so nothing is claimed missing
    assert not has_errors(lint_flow_body(body))


def test_unknown_connector_and_timeout_target():
    body = good_flow()
    body["nodes"][1]["config"]["timeout"] = {"after": "P2D", "action": "escalate", "to": "leads"}
    body["nodes"].insert(2, {"id": "call", "type": "service",
                             "config": {"connector": "crm", "action": "note"}})
    body["edges"][1] = {"from": "review", "to": "call", "outcome": "approve"}
    body["edges"].append({"from": "call", "to": "done"})
    context = LintContext(roles=frozenset({"staff", "manager"}), connectors={})
    errors = messages(lint_flow_body(body, context), ERROR)
    assert ("/nodes/1/config/timeout/to", "there is no team 'leads'") in errors
    assert ("/nodes/2/config/connector", "there is no published connector 'crm'") in errors


def test_schema_and_compiler_errors_come_first_with_body_relative_pointers():
    body = good_flow()
    body["nodes"][1]["config"]["outcomes"] = "approve"
    body["edges"][1]["outcome"] = "maybe"
    issues = lint_flow_body(body)
    assert issues[0].severity == ERROR
    pointers = {i.pointer for i in issues if i.severity == ERROR}
    assert "/nodes/1/config/outcomes" in pointers
    assert all(not p.startswith("/body") for p in pointers)


def test_broken_input_never_raises():
    for body in (None, [], {"nodes": "x"}, {"nodes": [1, {"id": 3}], "edges": [None, {"from": 1}]}):
        issues = lint_flow_body(body)
        assert has_errors(issues)


def test_lint_does_not_change_the_body():
    body = good_flow()
    before = copy.deepcopy(body)
    lint_flow_body(body, LintContext(roles=frozenset()))
    assert body == before


def test_issues_serialise():
    (issue,) = lint_flow_body({"nodes": [{"id": "start", "type": "start"}], "edges": []})[:1]
    assert set(issue.as_dict()) == {"severity", "pointer", "message", "node", "edge", "edge_id"}


def test_every_seed_template_flow_lints_without_errors():
    import json
    from pathlib import Path

    root = Path(__file__).parents[2] / "seed_templates"
    flows = [
        json.loads(path.read_text("utf-8"))
        for path in sorted(root.glob("*/flows/*.json"))
    ]
    for doc in flows:
        errors = [i for i in lint_flow_body(doc["body"]) if i.severity == ERROR]
        assert errors == [], (doc["key"], errors)
