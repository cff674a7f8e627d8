"""user_task: assignment requests, approver modes, due times, reminders, timeout actions."""

from __future__ import annotations

from datetime import datetime

import pytest

from runtime.flows import EventRefused, InstanceStatus, TaskCompleted, TimerFired
from runtime.rules import compile_table
from runtime.timeutil import compile_calendar
from tests.runtime.flows.kit import T0, Driver, edge, flow, hours, node


def task_flow(**config):
    config.setdefault("outcomes", ["approve", "reject"])
    return flow(
        [
            node("start", "start"),
            node("t", "user_task", **config),
            node("ok", "end"),
            node("no", "end", status="rejected"),
            node("late", "end", status="cancelled"),
        ],
        [
            edge("start", "t"),
            edge("t", "ok", outcome="approve"),
            edge("t", "no", outcome="reject"),
            *(
                [edge("t", "late", on="timeout")]
                if config.get("timeout", {}).get("action") == "follow_edge"
                else []
            ),
        ],
    )


# -- assignees -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assignee", "variables", "wanted"),
    [
        ({"user": "ana@example.com"}, {}, {"user": "ana@example.com"}),
        ({"role": "cs_agent"}, {}, {"role": "cs_agent", "strategy": "pool"}),
        (
            {"role": "warehouse_eu", "strategy": "round_robin"},
            {},
            {"role": "warehouse_eu", "strategy": "round_robin"},
        ),
        (
            {"expression": "parcel.team", "strategy": "least_loaded"},
            {"parcel": {"team": "warehouse_uk"}},
            {"role": "warehouse_uk", "strategy": "least_loaded", "source": "var:parcel.team"},
        ),
        (
            {"expression": "owner"},
            {"owner": "bo@example.com"},
            {"user": "bo@example.com", "source": "var:owner"},
        ),
        (
            {"expression": "owner"},
            {"owner": {"role": "cs_lead"}},
            {"role": "cs_lead", "strategy": "pool", "source": "var:owner"},
        ),
    ],
)
def test_assignment_requests(assignee, variables, wanted):
    d = Driver(task_flow(assignee=assignee))
    step = d.start(**variables)
    [create] = step.effects
    assert create.assignee == wanted
    assert d.state.tasks[0].assignee == wanted


ROUTING = compile_table(
    {
        "hit_policy": "first",
        "inputs": [{"id": "country", "type": "string"}],
        "outputs": [{"id": "team", "type": "string"}],
        "rules": [{"id": "uk", "when": {"country": "GB"}, "then": {"team": "warehouse_uk"}}],
        "default": {"team": "warehouse_cn"},
    },
    name="returns.routing",
)


@pytest.mark.parametrize(("country", "team"), [("GB", "warehouse_uk"), ("DE", "warehouse_cn")])
def test_assignee_from_a_decision_table(country, team):
    doc = task_flow(
        assignee={
            "expression": {"table": "returns.routing", "output": "team"},
            "strategy": "round_robin",
        }
    )
    d = Driver(doc, tables={"returns.routing": ROUTING})
    [create] = d.start(country=country).effects
    assert create.assignee == {
        "role": team,
        "strategy": "round_robin",
        "source": "table:returns.routing#team",
    }


def test_an_assignee_expression_that_finds_nothing_is_an_incident_and_retry_re_enters():
    d = Driver(task_flow(assignee={"expression": "parcel.team"}))
    step = d.start()
    assert d.state.status is InstanceStatus.INCIDENT
    assert step.effects == ()
    assert d.state.incidents[0].kind == "no_assignee"
    # a missing table is an incident too, and the same token re-enters on retry
    d2 = Driver(task_flow(assignee={"expression": {"table": "returns.routing", "output": "team"}}))
    d2.start(country="GB")
    assert d2.state.incidents[0].kind == "missing_table"
    d2.tables = {"returns.routing": ROUTING}
    from runtime.flows import IncidentRetried

    step = d2.send(IncidentRetried(actor="admin"))
    assert d2.state.status is InstanceStatus.WAITING
    [create] = step.effects
    assert create.key == "I1:t:1"  # same activation: the same key as the first try


def test_unassigned_task_gets_an_empty_request():
    [create] = Driver(task_flow()).start().effects
    assert create.assignee == {}


# -- several approvers -----------------------------------------------------------------


def approvers(mode, n=3, count=None):
    spec = {"mode": mode, "assignees": [{"user": f"u{i}@example.com"} for i in range(n)]}
    if count is not None:
        spec["count"] = count
    return task_flow(approvers=spec, outcomes=["approve", "reject", "need_info"])


def test_approvers_get_one_task_each():
    d = Driver(approvers("all"))
    step = d.start()
    assert [e.key for e in step.effects] == ["I1:t:1:0", "I1:t:1:1", "I1:t:1:2"]
    assert [e.approval for e in step.effects] == [
        {"mode": "all", "index": i, "of": 3, "count": None} for i in range(3)
    ]
    assert len(d.state.tasks) == 3


def test_all_mode_needs_every_approval():
    d = Driver(approvers("all"))
    d.start()
    d.complete("t", "approve", index=0)
    d.complete("t", "approve", index=1)
    assert d.state.status is InstanceStatus.WAITING
    d.complete("t", "approve", index=2)
    assert d.state.status is InstanceStatus.COMPLETED


def test_all_mode_one_reject_rejects_at_once_and_cancels_the_others():
    d = Driver(approvers("all"))
    d.start()
    d.complete("t", "approve", index=0)
    step = d.complete("t", "reject", index=1)
    assert d.state.status is InstanceStatus.REJECTED
    kinds = [(e.type.value, e.key) for e in step.effects]
    assert ("complete_task", "I1:t:1:1") in kinds
    assert ("cancel_task", "I1:t:1:2") in kinds
    with pytest.raises(EventRefused):
        d.send(TaskCompleted(node_id="t", activation=1, task_key="I1:t:1:2", outcome="approve"))


def test_any_mode_first_approval_wins_all_rejects_reject():
    d = Driver(approvers("any"))
    d.start()
    d.complete("t", "reject", index=0)
    step = d.complete("t", "approve", index=2)
    assert d.state.status is InstanceStatus.COMPLETED
    assert [e.key for e in step.effects if e.type.value == "cancel_task"] == ["I1:t:1:1"]
    d = Driver(approvers("any", n=2))
    d.start()
    d.complete("t", "reject", index=0)
    assert d.state.status is InstanceStatus.WAITING
    d.complete("t", "reject", index=1)
    assert d.state.status is InstanceStatus.REJECTED


def test_quorum_approves_at_n_and_rejects_when_n_is_out_of_reach():
    d = Driver(approvers("quorum", n=4, count=2))
    d.start()
    d.complete("t", "approve", index=0)
    d.complete("t", "reject", index=1)
    assert d.state.status is InstanceStatus.WAITING
    d.complete("t", "approve", index=3)
    assert d.state.status is InstanceStatus.COMPLETED
    d = Driver(approvers("quorum", n=4, count=3))
    d.start()
    d.complete("t", "reject", index=0)
    assert d.state.status is InstanceStatus.WAITING  # 3 of the remaining 3 still possible
    d.complete("t", "reject", index=2)
    assert d.state.status is InstanceStatus.REJECTED  # 2 left < 3 needed


def test_another_outcome_decides_at_once():
    doc = approvers("all")
    doc["nodes"].append(node("info", "end", status="cancelled"))
    doc["edges"].append(edge("t", "info", outcome="need_info"))
    d = Driver(doc)
    d.start()
    d.complete("t", "need_info", index=1)
    assert d.state.status is InstanceStatus.CANCELLED


def test_output_records_the_votes():
    doc = approvers("quorum", n=3, count=2)
    doc["nodes"][1]["config"]["output"] = "approval"
    doc["nodes"][2] = node("ok", "user_task", assignee={"role": "x"})
    doc["edges"].append(edge("ok", "no"))
    d = Driver(doc)
    d.start()
    d.complete("t", "approve", index=0, actor="u0")
    d.complete("t", "approve", index=1, actor="u1", data={"note": "ok"})
    assert d.state.variables["approval"] == {
        "outcome": "approve",
        "data": {"note": "ok"},
        "actor": "u1",
        "votes": [
            {"task": "I1:t:1:0", "outcome": "approve", "actor": "u0"},
            {"task": "I1:t:1:1", "outcome": "approve", "actor": "u1"},
        ],
    }


# -- due, reminders, timeouts ----------------------------------------------------------


def test_due_time_and_business_hours_on_the_team_calendar():
    amsterdam = compile_calendar(
        {
            "timezone": "Europe/Amsterdam",
            "working_hours": {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        }
    )
    doc = task_flow(
        assignee={"role": "cs_agent"},
        due={"business_hours": 10},
        reminders=[{"after": {"business_hours": 4}}],
        timeout={"after": {"business_hours": 12}, "action": "escalate", "to": "cs_lead"},
    )
    d = Driver(doc, calendars={"cs_agent": amsterdam})
    [create, *timers] = d.start().effects  # Mon 09:00 UTC = 10:00 Amsterdam
    assert create.due_at == "2026-03-03T11:00:00+00:00"  # 6h Mon + 4h Tue from 08:00 CET
    assert [(t.purpose, t.due_at) for t in timers] == [
        ("timeout", "2026-03-03T13:00:00+00:00"),
        ("reminder:0", "2026-03-02T13:00:00+00:00"),
    ]
    # without a team calendar the default Mon-Fri 09:00-17:00 UTC applies
    [create, *_] = Driver(doc).start().effects
    assert create.due_at == "2026-03-03T11:00:00+00:00"  # 8h Mon + 2h Tue


def test_reminder_then_escalation_to_a_team():
    doc = task_flow(
        assignee={"role": "cs_agent"},
        reminders=[{"after": {"business_hours": 16}, "template": "nudge"}],
        timeout={"after": {"business_hours": 24}, "action": "escalate", "to": "cs_lead"},
    )
    d = Driver(doc)
    d.start()
    assert d.timer("reminder:0").due_at == "2026-03-03T17:00:00+00:00"
    assert d.timer("timeout").due_at == "2026-03-04T17:00:00+00:00"
    step = d.fire("reminder:0")
    [remind] = step.effects
    assert remind.to_dict() == {
        "type": "remind_task",
        "key": "I1:t:1:reminder:0",
        "task_key": "I1:t:1",
        "node_id": "t",
        "activation": 1,
        "reminder": 0,
        "template": "nudge",
    }
    step = d.fire("timeout")
    [reassign] = step.effects
    assert reassign.to_dict() == {
        "type": "reassign_task",
        "key": "I1:t:1:timeout",
        "task_key": "I1:t:1",
        "node_id": "t",
        "activation": 1,
        "to": {"role": "cs_lead", "strategy": "pool"},
        "reason": "escalate",
    }
    assert d.state.status is InstanceStatus.WAITING
    assert d.state.tasks[0].assignee == {"role": "cs_lead", "strategy": "pool"}
    d.complete("t", "approve")  # the escalated task can still be completed
    assert d.state.status is InstanceStatus.COMPLETED


@pytest.mark.parametrize(
    ("assignee", "to", "target"),
    [
        ({"role": "cs_agent"}, "manager", {"manager_of": "cs_agent"}),
        ({"user": "ana@example.com"}, "manager", {"manager_of_user": "ana@example.com"}),
        ({"role": "cs_agent"}, "bo@example.com", {"user": "bo@example.com"}),
    ],
)
def test_escalate_to_manager_and_reassign_to_a_user(assignee, to, target):
    for action in ("escalate", "reassign"):
        d = Driver(
            task_flow(assignee=assignee, timeout={"after": "PT1H", "action": action, "to": to})
        )
        d.start()
        [effect] = d.fire("timeout").effects
        assert (effect.to, effect.reason) == (target, action)


def test_auto_complete_completes_with_the_outcome():
    d = Driver(
        task_flow(
            assignee={"role": "x"},
            timeout={"after": "P2D", "action": "auto_complete", "outcome": "reject"},
        )
    )
    d.start()
    step = d.fire("timeout")
    assert d.state.status is InstanceStatus.REJECTED
    assert step.effects[0].to_dict()["type"] == "complete_task"
    assert (step.effects[0].outcome, step.effects[0].actor) == ("reject", "timeout")


def test_cancel_action_cancels_the_instance():
    d = Driver(task_flow(assignee={"role": "x"}, timeout={"after": "P2D", "action": "cancel"}))
    d.start()
    step = d.fire("timeout")
    assert d.state.status is InstanceStatus.CANCELLED
    assert [e.type.value for e in step.effects] == ["cancel_task", "instance_ended"]


def test_follow_edge_leaves_by_the_timeout_edge_and_cancels_the_task():
    d = Driver(
        task_flow(
            assignee={"role": "x"},
            reminders=[{"before": "PT1H"}],
            timeout={"after": "PT8H", "action": "follow_edge"},
        )
    )
    d.start()
    assert d.timer("reminder:0").due_at == "2026-03-02T16:00:00+00:00"
    step = d.fire("timeout")
    assert d.state.status is InstanceStatus.CANCELLED  # the 'late' end
    types = [(e.type.value, e.key) for e in step.effects]
    assert ("cancel_task", "I1:t:1") in types
    assert ("cancel_timer", "I1:t:1:reminder:0") in types


def test_approve_racing_the_timeout_exactly_one_wins():
    doc = task_flow(assignee={"role": "x"}, timeout={"after": "PT8H", "action": "follow_edge"})
    # approve first: the timer is cancelled, and its late firing changes nothing
    d = Driver(doc)
    d.start()
    timer = d.timer("timeout")
    step = d.complete("t", "approve")
    assert ("cancel_timer", timer.key) in [(e.type.value, e.key) for e in step.effects]
    before = d.state
    step = d.send(TimerFired(timer_key=timer.key), at=datetime.fromisoformat(timer.due_at))
    assert step.effects == ()
    assert [r.type for r in step.log] == ["event", "event_ignored"]
    assert d.state.status is InstanceStatus.COMPLETED
    assert d.state.seq == before.seq + 1
    # timeout first: approving afterwards is refused (the app answers 409)
    d = Driver(doc)
    d.start()
    task = d.task("t")
    d.fire("timeout")
    with pytest.raises(EventRefused):
        d.send(TaskCompleted(node_id="t", activation=1, task_key=task.key, outcome="approve"))


def test_a_stale_timer_of_a_running_instance_is_a_logged_no_op():
    doc = flow(
        [
            node("start", "start"),
            node(
                "t",
                "user_task",
                assignee={"role": "x"},
                timeout={"after": "PT1H", "action": "cancel"},
            ),
            node("t2", "user_task", assignee={"role": "x"}),
            node("end", "end"),
        ],
        [edge("start", "t"), edge("t", "t2"), edge("t2", "end")],
    )
    d = Driver(doc)
    d.start()
    key = d.timer("timeout").key
    d.complete("t", "complete")
    state = d.state
    step = d.send(TimerFired(timer_key=key), at=T0 + hours(2))
    assert step.effects == ()
    assert [r.type for r in step.log] == ["event", "timer_ignored"]
    assert step.state.tasks == state.tasks and step.state.tokens == state.tokens
