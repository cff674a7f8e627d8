"""compile_flow: every error at once with its JSON pointer; lint_flow warnings; the format
matches builder/schemas/flow.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.definitions import check_document
from runtime.exceptions import DefinitionInvalid
from runtime.flows import NODE_TYPES, compile_flow, lint_flow
from tests.runtime.flows.kit import DATA, chain, edge, flow, node

BROKEN = flow(
    [
        node("start", "start"),
        node(
            "review",
            "user_task",
            outcomes=["approve", "reject"],
            assignee={"role": "cs"},
            timeout={"after": "P1X", "action": "follow_edge"},
        ),
        node("d", "decision"),
        node("review", "end"),
        node("call", "service", connector="erp.orders", action="get", on_error="edge"),
        node("join", "parallel", mode="join", join="n", count=3),
        node(
            "w",
            "wait",
            until="duration",
            duration="P1D",
            timeout={"after": "P1D", "action": "follow_edge"},
        ),
        node("s2", "start"),
        node("e", "end"),
        node("lonely", "decision"),
    ],
    [
        edge("start", "review"),
        edge("review", "e", outcome="maybe"),
        edge("review", "d", outcome="approve"),
        edge("d", "e", default=True),
        edge("d", "call", default=True),
        edge("call", "nowhere"),
        edge("join", "e"),
        edge("e", "join"),
        edge("d", "join", on="error"),
        edge("call", "e", condition={"var": "x", "op": "~", "value": 1}),
    ],
)


def test_every_error_at_once_with_its_pointer():
    with pytest.raises(DefinitionInvalid) as caught:
        compile_flow(BROKEN)
    assert [e.pointer for e in caught.value.errors] == [
        "/edges/1/outcome",
        "/edges/4/default",
        "/edges/5/to",
        "/edges/7/from",
        "/edges/8/on",
        "/edges/9/condition/op",
        "/nodes/1/config/timeout/after",
        "/nodes/3/id",
        "/nodes/4/config/on_error",
        "/nodes/5/config/count",
        "/nodes/6/config/timeout/action",
        "/nodes/7/type",
        "/nodes/9",
    ]
    reasons = {e.pointer: e.reason for e in caught.value.errors}
    assert reasons["/edges/1/outcome"] == (
        "task 'review' offers no outcome 'maybe'; it offers approve, reject"
    )
    assert reasons["/edges/5/to"] == "no node has the id 'nowhere'"
    assert reasons["/nodes/3/id"] == "duplicate node id 'review' (also at /nodes/1)"
    assert reasons["/nodes/5/config/count"] == "count 3 exceeds the 2 incoming edges"
    assert reasons["/nodes/9"] == "a decision needs at least one outgoing edge"


@pytest.mark.parametrize(
    ("doc", "pointer", "reason"),
    [
        ({"nodes": [node("e", "end")], "edges": []}, "/nodes", "a flow needs a start node"),
        ("nope", "", "a flow is a JSON object"),
        ({"nodes": [], "edges": []}, "/nodes", "nodes is a list of 1 to 1000 nodes"),
        (
            chain(node("t", "user_task", timeout={"after": "PT1H", "action": "auto_complete"})),
            "/nodes/1/config/timeout/outcome",
            "'auto_complete' needs an 'outcome'",
        ),
        (
            chain(node("t", "user_task", timeout={"after": "PT1H", "action": "escalate"})),
            "/nodes/1/config/timeout",
            "'escalate' needs 'to'",
        ),
        (
            chain(
                node(
                    "w",
                    "wait",
                    until="duration",
                    duration="PT1H",
                    timeout={"after": "PT2H", "action": "escalate", "to": "x"},
                )
            ),
            "/nodes/1/config/timeout/action",
            "a wait node has no task to escalate",
        ),
        (
            chain(
                node("w", "wait", until="duration", duration="PT1H", reminders=[{"after": "PT1H"}])
            ),
            "/nodes/1/config/reminders/0",
            "a reminder on a wait node needs 'notify' (it has no task)",
        ),
        (
            chain(node("t", "user_task", reminders=[{"before": "PT1H"}])),
            "/nodes/1/config/reminders/0/before",
            "'before' counts back from a deadline: add a timeout",
        ),
        (
            chain(node("t", "user_task", assignee={"role": "a", "user": "b@c.d"})),
            "/nodes/1/config/assignee",
            "an assignee names exactly one of user, role or expression",
        ),
        (
            chain(
                node(
                    "t",
                    "user_task",
                    outcomes=["approve", "reject"],
                    approvers={
                        "mode": "quorum",
                        "count": 3,
                        "assignees": [{"role": "a"}, {"role": "b"}],
                    },
                )
            ),
            "/nodes/1/config/approvers/count",
            "count 3 exceeds the 2 approvers",
        ),
        (
            chain(
                node(
                    "w",
                    "wait",
                    until="message",
                    message={"name": "scan", "correlate": "order.__class__"},
                )
            ),
            "/nodes/1/config/message/correlate",
            "var path 'order.__class__' refers to '__class__'; internals are not reachable "
            "from rules",
        ),
        (
            chain(
                node(
                    "x",
                    "service",
                    connector="erp.orders",
                    action="get",
                    input={"a": {"var": "x", "y": 1}},
                )
            ),
            "/nodes/1/config/input/a",
            'a source is a path, {"var": path} or {"value": ...}',
        ),
        (
            chain(node("p", "parallel", mode="split"))
            | {
                "edges": [
                    edge("start", "p"),
                    edge("p", "end", condition={"var": "x", "op": "==", "value": 1}),
                ]
            },
            "/edges/1/condition",
            "a split takes every edge: use a decision to choose",
        ),
        (
            flow(
                [node("start", "start"), node("d", "decision"), node("e", "end")],
                [edge("start", "d"), edge("d", "e", default=True), edge("d", "start")],
            ),
            "/edges/2/to",
            "no edge may lead into the start",
        ),
        (
            flow([node("start", "start"), node("e", "end")], [edge("start", "e", on="timeout")]),
            "/edges/0/on",
            "node 'start' has no timeout with action 'follow_edge'",
        ),
        (
            flow(
                [node("start", "start"), node("e", "end")],
                [edge("start", "e", default=True, condition=True)],
            ),
            "/edges/0/condition",
            "a default edge has no condition",
        ),
        (
            flow(
                [node("start", "start"), node("e", "end")],
                [edge("start", "e", condition={"expr": "a.__globals__"})],
            ),
            "/edges/0/condition/expr",
            "var path 'a.__globals__' refers to '__globals__'; internals are not reachable "
            "from rules",
        ),
    ],
)
def test_single_errors(doc, pointer, reason):
    with pytest.raises(DefinitionInvalid) as caught:
        compile_flow(doc)
    assert [(e.pointer, e.reason) for e in caught.value.errors] == [(pointer, reason)]


def test_expr_conditions_test_truthiness_of_a_variable():
    from tests.runtime.flows.kit import Driver

    doc = flow(
        [node("start", "start"), node("yes", "end"), node("no", "end", status="rejected")],
        [
            edge("start", "yes", condition={"expr": "customer.gold"}),
            edge("start", "no", default=True),
        ],
    )
    for value, status in [
        (True, "completed"),
        (1, "completed"),
        ("x", "completed"),
        (False, "rejected"),
        (0, "rejected"),
        ("", "rejected"),
        (None, "rejected"),
        ([], "rejected"),
    ]:
        d = Driver(doc)
        d.start(customer={"gold": value})
        assert d.state.status == status, value


def test_lint_warns_about_unreachable_nodes_dead_ends_and_tasks_for_nobody():
    doc = flow(
        [
            node("start", "start"),
            node("t", "user_task"),
            node("island", "end"),
            node("d", "decision"),
            node("note", "notify", channel="email", to=["a@b.c"], template={"body": "x"}),
        ],
        [
            edge("start", "t"),
            edge("t", "d"),
            edge("d", "note", condition={"var": "x", "op": "==", "value": 1}),
        ],
    )
    assert [(w.pointer, w.reason) for w in lint_flow(compile_flow(doc))] == [
        ("/nodes/1/config", "a user task with no assignee goes to nobody"),
        ("/nodes/2", "node 'island' cannot be reached from the start"),
        (
            "/nodes/3",
            "when no condition holds, the instance stops in an incident: add a default edge",
        ),
        ("/nodes/4", "node 'note' is a dead end: only end nodes may have no outgoing edge"),
    ]


def test_spec_is_frozen_and_indexed():
    spec = compile_flow(chain(node("t", "user_task", assignee={"role": "x"})), "k", 3)
    assert (spec.key, spec.version, spec.start) == ("k", 3, "start")
    assert [e.target for e in spec.outgoing("start")] == ["t"]
    assert [e.source for e in spec.incoming("end")] == ["t"]
    with pytest.raises(AttributeError):
        spec.node("t").title = "x"  # type: ignore[misc]


# -- the meta-schema and the compiler accept the same documents ----------------------

FIXTURES = sorted(p.name for p in DATA.glob("*.flow.json"))
SAMPLE = Path(__file__).parents[2] / "data" / "bundles" / "sample" / "flows"


def schema_pointers(body):
    return [e.pointer.removeprefix("/body") for e in check_document("flow", "a.b", "T", body)]


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_flows_pass_the_meta_schema_and_compile(name):
    body = json.loads((DATA / name).read_text(encoding="utf-8"))
    assert schema_pointers(body) == []
    compile_flow(body)


def test_the_sample_bundle_flow_compiles_without_warnings():
    doc = json.loads((SAMPLE / "returns.process.json").read_text(encoding="utf-8"))
    assert lint_flow(compile_flow(doc["body"])) == []


def test_every_node_type_has_a_schema_def():
    from builder.definitions import meta_schema

    schema = meta_schema("flow")
    assert list(NODE_TYPES) == schema["$defs"]["node"]["properties"]["type"]["enum"]
    for kind, cls in NODE_TYPES.items():
        props = schema["$defs"][kind].get("properties", {})
        assert set(props) == set(cls.config_keys), kind


@pytest.mark.parametrize(
    "config_doc",
    [
        node(
            "t",
            "user_task",
            timeout={
                "after": {"business_hours": 2, "calendar": "cs_eu"},
                "action": "reassign",
                "to": "manager",
            },
        ),
        node("t", "user_task", timeout={"after": "PT1H", "action": "auto_complete"}),
        node("t", "user_task", due={"hours": 2}),
        node("t", "user_task", approvers={"mode": "quorum", "assignees": [{"role": "a"}]}),
        node("t", "user_task", assignee={"expression": {"table": "a.b"}}),
        node("w", "wait", until="message", message={"name": "x", "correlate": "a[0].b"}),
        node("w", "wait", until="duration", duration="PT1H", date="x"),
        node(
            "w",
            "wait",
            until="duration",
            duration="PT1H",
            timeout={"after": "PT1H", "action": "reassign", "to": "x"},
        ),
        node(
            "n", "notify", channel="email", to=["a@b", {"role": "Bad Role"}], template={"body": "x"}
        ),
        node(
            "s",
            "service",
            connector="a.b",
            action="c",
            output={"x.y": "$"},
            input={"a": 1, "b": {"value": "lit"}, "c": "vars.list[2]"},
        ),
        node("p", "parallel", mode="split", count=2),
        node("d", "decision", output="x"),
    ],
)
def test_schema_and_compiler_agree_on_node_configs(config_doc):
    body = chain(config_doc)
    schema_ok = schema_pointers(body) == []
    try:
        compile_flow(body)
        compiled = True
    except DefinitionInvalid:
        compiled = False
    assert schema_ok == compiled, schema_pointers(body)
