"""start, user_task, decision and end: the vertical slice, plus status and refusals."""

from __future__ import annotations

import pytest

from runtime.exceptions import FlowError
from runtime.flows import (
    BadEvent,
    EventRefused,
    InstanceStatus,
    Started,
    TaskCompleted,
    compile_flow,
    transition,
)
from tests.runtime.flows.kit import Driver, chain, edge, flow, node

REVIEW = flow(
    [
        node("start", "start"),
        node(
            "review",
            "user_task",
            title="Review",
            outcomes=["approve", "reject"],
            assignee={"role": "cs_agent"},
        ),
        node("ok", "end"),
        node("no", "end", status="rejected"),
    ],
    [
        edge("start", "review"),
        edge("review", "ok", outcome="approve"),
        edge("review", "no", outcome="reject"),
    ],
)


def test_start_creates_the_task_and_waits():
    d = Driver(REVIEW)
    step = d.start(order="A-1")
    assert d.state.status is InstanceStatus.WAITING
    [create] = step.effects
    assert create.to_dict() == {
        "type": "create_task",
        "key": "I1:review:1",
        "node_id": "review",
        "activation": 1,
        "title": "Review",
        "assignee": {"role": "cs_agent", "strategy": "pool"},
        "outcomes": ["approve", "reject"],
        "form": None,
        "description": "",
        "due_at": None,
        "approval": None,
    }
    assert [t.key for t in d.state.tasks] == ["I1:review:1"]
    assert [(t.node_id, t.activation) for t in d.state.tokens] == [("review", 1)]
    assert d.state.variables == {"order": "A-1"}
    assert d.state.seq == 1


@pytest.mark.parametrize(("outcome", "status"), [("approve", "completed"), ("reject", "rejected")])
def test_outcome_edges_lead_to_end_statuses(outcome, status):
    d = Driver(REVIEW)
    d.start()
    step = d.complete("review", outcome)
    assert d.state.status == status
    assert [e.type.value for e in step.effects] == ["complete_task", "instance_ended"]
    assert step.effects[-1].to_dict() == {
        "type": "instance_ended",
        "key": "I1:ended",
        "status": status,
        "node_id": "ok" if outcome == "approve" else "no",
        "reason": f"end node {'ok' if outcome == 'approve' else 'no'!r}",
    }
    assert d.state.tokens == () and d.state.tasks == ()


def test_completing_a_closed_task_is_refused_as_a_conflict():
    d = Driver(REVIEW)
    d.start()
    task = d.task("review")
    d.complete("review", "approve")
    late = TaskCompleted(node_id="review", activation=1, task_key=task.key, outcome="reject")
    with pytest.raises(EventRefused, match="already ended"):
        d.send(late)


def test_second_approver_click_on_a_decided_task_is_refused():
    loop = flow(
        [
            node("start", "start"),
            node("t", "user_task", outcomes=["ok"], assignee={"user": "a@b.c"}),
            node("t2", "user_task", outcomes=["ok"], assignee={"user": "a@b.c"}),
            node("end", "end"),
        ],
        [edge("start", "t"), edge("t", "t2"), edge("t2", "end")],
    )
    d = Driver(loop)
    d.start()
    task = d.task("t")
    d.complete("t", "ok")
    with pytest.raises(EventRefused, match="no longer open") as caught:
        d.send(TaskCompleted(node_id="t", activation=1, task_key=task.key, outcome="ok"))
    assert caught.value.code == "event_refused"


def test_an_outcome_the_task_does_not_offer_is_a_bad_event_and_changes_nothing():
    d = Driver(REVIEW)
    d.start()
    before = d.state
    with pytest.raises(BadEvent, match="offers approve, reject"):
        d.complete("review", "maybe")
    assert d.state == before


def test_events_before_start_and_a_second_start_are_refused():
    d = Driver(REVIEW)
    with pytest.raises(EventRefused, match="not started"):
        d.send(TaskCompleted(node_id="review", activation=1, task_key="x", outcome="approve"))
    d.start()
    with pytest.raises(EventRefused, match="already started"):
        d.send(Started())


def test_decision_takes_the_first_matching_edge_in_edge_order_else_the_default():
    doc = flow(
        [
            node("start", "start"),
            node("d", "decision"),
            node("big", "end"),
            node("huge", "end", status="rejected"),
            node("small", "end", status="cancelled"),
        ],
        [
            edge("start", "d"),
            edge("d", "small", default=True),
            edge("d", "big", condition={"var": "amount", "op": ">", "value": 100}),
            edge("d", "huge", condition={"var": "amount", "op": ">", "value": 1000}),
        ],
    )
    for amount, status in [(5, "cancelled"), (500, "completed"), (5000, "completed")]:
        d = Driver(doc)
        d.start(amount=amount)
        assert d.state.status == status, amount


def test_decision_with_no_matching_edge_is_an_incident_not_a_lost_token():
    doc = flow(
        [node("start", "start"), node("d", "decision"), node("e", "end")],
        [edge("start", "d"), edge("d", "e", condition={"var": "x", "op": "==", "value": 1})],
    )
    d = Driver(doc)
    d.start(x=2)
    assert d.state.status is InstanceStatus.INCIDENT
    [incident] = d.state.incidents
    assert (incident.node_id, incident.kind) == ("d", "no_route")
    assert "no outgoing edge" in incident.reason
    assert [t.node_id for t in d.state.tokens] == ["d"]


def test_the_step_limit_turns_a_loop_into_an_incident():
    doc = flow(
        [node("start", "start"), node("a", "decision"), node("b", "decision"), node("e", "end")],
        [edge("start", "a"), edge("a", "b"), edge("b", "a")],
    )
    d = Driver(doc)
    d.start()
    assert d.state.status is InstanceStatus.INCIDENT
    assert d.state.incidents[0].kind == "step_limit"
    assert "loops" in d.state.incidents[0].reason


def test_status_transitions_are_guarded():
    assert transition("waiting", "running") is InstanceStatus.RUNNING
    assert transition("running", "completed") is InstanceStatus.COMPLETED
    with pytest.raises(FlowError, match="from completed to running"):
        transition("completed", "running")
    with pytest.raises(FlowError):
        transition("waiting", "completed")


def test_advance_is_pure_the_input_state_is_untouched():
    d = Driver(chain(node("t", "user_task", assignee={"role": "staff"})))
    d.start(x={"y": 1})
    before = d.state
    snapshot = before.to_dict()
    d.complete("t", "complete", data={"note": "fine"})
    assert before.to_dict() == snapshot


def test_same_inputs_same_step():
    spec = compile_flow(REVIEW)
    a, b = Driver(spec), Driver(spec)
    assert a.start(k=1) == b.start(k=1)
