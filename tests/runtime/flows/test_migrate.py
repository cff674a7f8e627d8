"""migrate_state: moving running instances to a new version by an explicit node map."""

from __future__ import annotations

import pytest

from runtime.exceptions import DefinitionInvalid, FlowError
from runtime.flows import compile_flow, default_node_map, migrate_state
from tests.runtime.flows.kit import Driver, edge, flow, node


def v1():
    return compile_flow(
        flow(
            [
                node("start", "start"),
                node(
                    "review",
                    "user_task",
                    assignee={"role": "cs"},
                    outcomes=["approve", "reject"],
                    timeout={"after": "P1D", "action": "escalate", "to": "cs_lead"},
                ),
                node("split", "parallel", mode="split"),
                node("a", "user_task", assignee={"role": "x"}),
                node("b", "user_task", assignee={"role": "y"}),
                node("join", "parallel", mode="join"),
                node("end", "end"),
                node("no", "end", status="rejected"),
            ],
            [
                edge("start", "review"),
                edge("review", "split", outcome="approve"),
                edge("review", "no", outcome="reject"),
                edge("split", "a"),
                edge("split", "b"),
                edge("a", "join"),
                edge("b", "join"),
                edge("join", "end"),
            ],
        ),
        "f",
        1,
    )


def v2():
    """review renamed to check and given a second step; join renamed; a new notify."""
    return compile_flow(
        flow(
            [
                node("start", "start"),
                node("check", "user_task", assignee={"role": "cs"}, outcomes=["approve", "reject"]),
                node("split", "parallel", mode="split"),
                node("a", "user_task", assignee={"role": "x"}),
                node("b", "user_task", assignee={"role": "y"}),
                node("merge", "parallel", mode="join"),
                node(
                    "tell",
                    "notify",
                    channel="email",
                    to=["ops@example.com"],
                    template={"body": "x"},
                ),
                node("end", "end"),
                node("no", "end", status="rejected"),
            ],
            [
                edge("start", "check"),
                edge("check", "split", outcome="approve"),
                edge("check", "no", outcome="reject"),
                edge("split", "a"),
                edge("split", "b"),
                edge("a", "merge"),
                edge("b", "merge"),
                edge("merge", "tell"),
                edge("tell", "end"),
            ],
        ),
        "f",
        2,
    )


def test_migrating_a_waiting_task_then_finishing_on_the_new_version():
    old, new = v1(), v2()
    d = Driver(old)
    d.start()
    moved = migrate_state(old, new, d.state, {"review": "check"})
    assert [(t.node_id, t.activation) for t in moved.tokens] == [("check", 1)]
    assert [(t.key, t.node_id) for t in moved.tasks] == [("I1:review:1", "check")]
    assert moved.timers[0].node_id == "check"
    assert moved.activations["check"] == 1
    d2 = Driver(new)
    d2.state = moved
    d2.fire("timeout")  # the old timeout: the new node has none, so it changes nothing
    assert d2.last.log[-1].type == "timer_ignored" and d2.last.effects == ()
    d2.complete("check", "approve")
    assert sorted(t.node_id for t in d2.state.tasks) == ["a", "b"]


def test_migrating_a_half_arrived_join():
    old, new = v1(), v2()
    d = Driver(old)
    d.start()
    d.complete("review", "approve")
    d.complete("a", "complete")
    node_map = {"b": "b", "join": "merge"}
    assert default_node_map(old, new, d.state) == {"b": "b"}
    moved = migrate_state(old, new, d.state, node_map)
    assert moved.joins[0].node_id == "merge"
    assert moved.joins[0].arrived == (5,)  # a -> merge in v2
    d2 = Driver(new)
    d2.state = moved
    d2.complete("b", "complete")
    assert d2.state.status.value == "completed"


@pytest.mark.parametrize(
    ("node_map", "errors"),
    [
        (
            {},
            [
                (
                    "/node_map/review",
                    "node 'review' holds a waiting token: map it to a node of version 2",
                )
            ],
        ),
        ({"review": "nowhere"}, [("/node_map/review", "version 2 has no node 'nowhere'")]),
        (
            {"review": "tell"},
            [("/node_map/review", "'review' is a user_task node but 'tell' is a notify node")],
        ),
        (
            {"review": "check", "ghost": "check"},
            [("/node_map/ghost", "version 1 has no node 'ghost'")],
        ),
    ],
)
def test_invalid_maps_are_refused_with_every_problem(node_map, errors):
    old, new = v1(), v2()
    d = Driver(old)
    d.start()
    with pytest.raises(DefinitionInvalid) as caught:
        migrate_state(old, new, d.state, node_map)
    assert [(e.pointer, e.reason) for e in caught.value.errors] == errors


def test_different_approver_counts_and_ended_instances_are_refused():
    def task_flow(n):
        return compile_flow(
            flow(
                [
                    node("start", "start"),
                    node(
                        "t",
                        "user_task",
                        outcomes=["approve", "reject"],
                        approvers={"mode": "all", "assignees": [{"role": "x"}] * n},
                    ),
                    node("end", "end"),
                ],
                [edge("start", "t"), edge("t", "end")],
            )
        )

    d = Driver(task_flow(2))
    d.start()
    with pytest.raises(DefinitionInvalid, match="error"):
        migrate_state(task_flow(2), task_flow(3), d.state, {"t": "t"})
    d.complete("t", "approve", index=0)
    d.complete("t", "approve", index=1)
    with pytest.raises(FlowError, match="nothing to migrate"):
        migrate_state(task_flow(2), task_flow(2), d.state, {})
