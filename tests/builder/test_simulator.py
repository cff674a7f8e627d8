"""The test run simulator: every node type driven by user choices, its bounds, bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from builder import simulator
from builder.simulator import SimulationInvalid, simulate

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def node(node_id: str, type_: str, **config) -> dict:
    return {"id": node_id, "type": type_, "config": config}


def edge(source: str, target: str, **extra) -> dict:
    return {"from": source, "to": target, **extra}


def flow(nodes: list, edges: list) -> dict:
    return {"nodes": nodes, "edges": edges}


def run(body: dict, *choices: dict, variables: dict | None = None, **kwargs) -> dict:
    return simulate(body, variables or {}, list(choices), started_at=T0, **kwargs).to_dict()


def pointers(excinfo) -> list[str]:
    return [e.pointer for e in excinfo.value.errors]


def review_flow() -> dict:
    """start -> review (approve/reject, 2-day timeout escalates) -> decision -> two ends."""
    return flow(
        [
            node("start", "start"),
            node("review", "user_task", title="Check the return", assignee={"role": "cs"},
                 outcomes=["approve", "reject"], output="review",
                 timeout={"after": "P2D", "action": "escalate", "to": "cs_lead"}),
            node("route", "decision"),
            node("done", "end"),
            node("refused", "end", status="rejected"),
        ],
        [
            edge("start", "review"),
            edge("review", "route"),
            edge("route", "done",
                 condition={"var": "review.outcome", "op": "==", "value": "approve"}),
            edge("route", "refused", default=True),
        ],
    )


def test_a_task_waits_with_its_outcomes_and_timer_then_the_chosen_outcome_ends_the_run():
    first = run(review_flow(), variables={"order": "A-1"})
    assert (first["status"], first["active"], first["visited"]) == (
        "waiting", ["review"], ["start", "review"])
    task, timer = first["pending"]
    assert (task["kind"], task["key"], task["title"], task["outcomes"]) == (
        "task", "test:review:1", "Check the return", ["approve", "reject"])
    assert (timer["kind"], timer["purpose"], timer["due_at"]) == (
        "timer", "timeout", "2026-03-04T09:00:00+00:00")
    assert [e["type"] for e in first["history"][0]["effects"]] == ["create_task", "schedule_timer"]

    done = run(review_flow(), {"type": "complete_task", "task": "test:review:1",
                               "outcome": "reject", "data": {"note": "worn"}})
    assert (done["status"], done["ended"], done["pending"], done["active"]) == (
        "rejected", True, [], [])
    assert done["visited"] == ["start", "review", "route", "refused"]
    assert done["edges_taken"] == [0, 1, 3]  # the default edge, not the condition's
    assert done["variables"]["review"]["data"] == {"note": "worn"}
    assert done["variables"]["review"]["actor"] == "test run"


def test_firing_a_timer_by_hand_moves_the_clock_and_runs_the_timeout_action():
    answer = run(review_flow(), {"type": "fire_timer", "timer": "test:review:1:timeout"})
    assert answer["now"] == "2026-03-04T09:00:00+00:00"
    [task] = [p for p in answer["pending"] if p["kind"] == "task"]
    assert task["assignee"]["role"] == "cs_lead"  # escalated
    assert [e["type"] for e in answer["history"][1]["effects"]] == ["reassign_task"]
    assert not [p for p in answer["pending"] if p["kind"] == "timer"]


def test_a_form_request_is_answered_with_data_that_becomes_variables():
    body = flow([node("start", "start"), node("details", "form", form="returns.more_info"),
                 node("end", "end")], [edge("start", "details"), edge("details", "end")])
    [form] = run(body)["pending"]
    assert (form["kind"], form["form"], form["submitter"]) == (
        "form", "returns.more_info", "customer")
    done = run(body, {"type": "submit_form", "form": form["key"], "data": {"photos": 2}})
    assert (done["status"], done["variables"]) == ("completed", {"photos": 2})


def service_flow(**config) -> dict:
    return flow(
        [node("start", "start"),
         node("call", "service", connector="payment.stripe", action="refund",
              input={"amount": "amount"}, output={"refund_id": "id"}, on_error="edge",
              error_output="failure", **config),
         node("paid", "end"), node("failed", "end", status="rejected")],
        [edge("start", "call"), edge("call", "paid"), edge("call", "failed", on="error")],
    )


def test_a_connector_call_is_never_made_the_user_answers_it():
    waiting = run(service_flow(), variables={"amount": "12.50"})
    [call] = waiting["pending"]
    assert (call["kind"], call["connector"], call["action"], call["inputs"], call["computable"]) \
        == ("service", "payment.stripe", "refund", {"amount": "12.50"}, False)
    assert waiting["history"][0]["effects"][0]["idempotency_key"] == "test:call:1"
    ok = run(service_flow(), {"type": "answer_service", "call": call["key"],
                              "result": "success", "output": {"id": "re_1"}})
    assert (ok["status"], ok["variables"]["refund_id"]) == ("completed", "re_1")
    refused = run(service_flow(), {"type": "answer_service", "call": call["key"],
                                   "result": "error", "message": "card declined"})
    assert refused["status"] == "rejected" and refused["edges_taken"] == [0, 2]
    assert refused["variables"]["failure"]["message"] == "card declined"


def test_an_unavailable_connector_opens_an_incident_that_retry_calls_again():
    down = run(service_flow(), {"type": "answer_service", "call": "test:call:1",
                                "result": "unavailable"})
    assert down["status"] == "incident"
    assert [p["kind"] for p in down["pending"]] == ["incident"]
    again = run(service_flow(), {"type": "answer_service", "call": "test:call:1",
                                 "result": "unavailable"}, {"type": "retry_incidents"})
    [call] = again["pending"]
    assert call["kind"] == "service" and again["status"] == "waiting"
    assert again["history"][2]["effects"][0]["attempt"] == 2


def test_a_platform_function_is_computed_by_the_test_run_itself():
    body = flow(
        [node("start", "start"),
         node("calc", "service", connector="platform", action="refund_amount",
              input={"currency": "currency", "items": "items"}, output={"refund": "$"},
              on_error="edge", error_output="failure"),
         node("end", "end"), node("bad", "end", status="rejected")],
        [edge("start", "calc"), edge("calc", "end"), edge("calc", "bad", on="error")],
    )
    good = {"currency": "EUR", "items": [{"price": "20.00", "quantity": 2}]}
    [call] = run(body, variables=good)["pending"]
    assert call["computable"] is True
    done = run(body, {"type": "answer_service", "call": call["key"], "result": "compute"},
               variables=good)
    assert done["status"] == "completed" and "refund" in done["variables"]
    bad = run(body, {"type": "answer_service", "call": call["key"], "result": "compute"},
              variables={"currency": "EUR", "items": []})
    assert bad["status"] == "rejected" and "items" in bad["variables"]["failure"]["message"]
    with pytest.raises(SimulationInvalid) as excinfo:
        run(service_flow(), {"type": "answer_service", "call": "test:call:1",
                             "result": "compute"})
    assert pointers(excinfo) == ["/choices/0/result"]


def test_parallel_branches_wait_and_join_with_a_message_and_a_timer():
    body = flow(
        [node("start", "start"), node("split", "parallel", mode="split"),
         node("parcel", "wait", until="message",
              message={"name": "parcel_scanned", "correlate": "rma", "output": "scan"}),
         node("cool_off", "wait", until="duration", duration="P1D"),
         node("join", "parallel", mode="join"),
         node("tell", "notify", channel="email", to=["ops@example.com"],
              template={"subject": "Done", "body": "All in"}),
         node("end", "end")],
        [edge("start", "split"), edge("split", "parcel"), edge("split", "cool_off"),
         edge("parcel", "join"), edge("cool_off", "join"), edge("join", "tell"),
         edge("tell", "end")],
    )
    waiting = run(body, variables={"rma": "RMA-7"})
    assert waiting["active"] == ["cool_off", "parcel"]
    kinds = {p["kind"]: p for p in waiting["pending"]}
    assert (kinds["message"]["name"], kinds["message"]["correlation"]) == (
        "parcel_scanned", "RMA-7")
    half = run(body, {"type": "send_message", "message": kinds["message"]["key"],
                      "data": {"at": "dock 3"}}, variables={"rma": "RMA-7"})
    assert (half["active"], half["variables"]["scan"]) == (["cool_off"], {"at": "dock 3"})
    done = run(body, {"type": "send_message", "message": kinds["message"]["key"]},
               {"type": "fire_timer", "timer": kinds["timer"]["key"]},
               variables={"rma": "RMA-7"})
    assert done["status"] == "completed"
    assert done["visited"][-3:] == ["join", "tell", "end"]
    sent = [e for e in done["history"][-1]["effects"] if e["type"] == "send_notification"]
    assert sent[0]["recipients"] == [{"email": "ops@example.com"}]  # reported, not sent


def test_a_subflow_is_ended_by_hand_with_a_status_and_output():
    body = flow(
        [node("start", "start"),
         node("claim", "subflow", flow="returns.claim", input={"sku": "sku"},
              output={"claim": "$"}),
         node("end", "end"), node("failed", "end", status="rejected")],
        [edge("start", "claim"), edge("claim", "end"), edge("claim", "failed", on="error")],
    )
    [sub] = run(body, variables={"sku": "S-1"})["pending"]
    assert (sub["kind"], sub["flow"], sub["input"]) == ("subflow", "returns.claim", {"sku": "S-1"})
    ok = run(body, {"type": "end_subflow", "subflow": sub["key"], "output": {"id": 4}},
             variables={"sku": "S-1"})
    assert (ok["status"], ok["variables"]["claim"]) == ("completed", {"id": 4})
    failed = run(body, {"type": "end_subflow", "subflow": sub["key"], "status": "rejected"})
    assert failed["status"] == "rejected"


def test_a_decision_table_comes_from_the_tables_given_and_a_missing_one_is_an_incident():
    from runtime.rules import compile_table

    table = compile_table({
        "hit_policy": "first",
        "inputs": [{"id": "country", "type": "string"}],
        "outputs": [{"id": "hub", "type": "string"}],
        "rules": [{"id": "eu", "when": {"country": "DE"}, "then": {"hub": "NL"}}],
        "default": {"hub": "CN"},
    }, name="returns.routing")
    body = flow(
        [node("start", "start"), node("route", "decision", decision_table="returns.routing",
                                      output="routing"), node("end", "end")],
        [edge("start", "route"), edge("route", "end", default=True)],
    )
    done = run(body, variables={"country": "DE"}, tables={"returns.routing": table})
    assert (done["status"], done["variables"]["routing"]) == ("completed", {"hub": "NL"})
    stuck = run(body)
    assert stuck["status"] == "incident"
    assert "not available" in stuck["incidents"][0]["reason"]


def test_cancel_ends_the_run_and_nothing_can_follow():
    cancelled = run(review_flow(), {"type": "cancel"})
    assert (cancelled["status"], cancelled["pending"]) == ("cancelled", [])
    with pytest.raises(SimulationInvalid) as excinfo:
        run(review_flow(), {"type": "cancel"}, {"type": "cancel"})
    assert pointers(excinfo) == ["/choices/1"]
    assert "already ended" in excinfo.value.errors[0].reason


@pytest.mark.parametrize(
    "choice, pointer, words",
    [
        ("nope", "/choices/0", "an object"),
        ({"type": "approve"}, "/choices/0/type", "unknown choice"),
        ({"type": "complete_task", "task": "test:review:1"}, "/choices/0/outcome", "required"),
        ({"type": "complete_task", "task": "test:review:1", "outcome": "approve", "role": "admin"},
         "/choices/0/role", "not a field"),
        ({"type": "complete_task", "task": "test:review:9", "outcome": "approve"},
         "/choices/0/task", "open: test:review:1"),
        ({"type": "complete_task", "task": "test:review:1", "outcome": "maybe"},
         "/choices/0", "not 'maybe'"),
        ({"type": "complete_task", "task": "test:review:1", "outcome": "approve", "data": []},
         "/choices/0/data", "object"),
        ({"type": "fire_timer", "timer": 3}, "/choices/0/timer", "text"),
        ({"type": "answer_service", "call": "x", "result": "success"}, "/choices/0/call",
         "no open connector call"),
        ({"type": "retry_incidents"}, "/choices/0", "no incident"),
    ],
)
def test_a_choice_that_does_not_fit_is_refused_at_its_pointer(choice, pointer, words):
    with pytest.raises(SimulationInvalid) as excinfo:
        run(review_flow(), choice)
    assert pointers(excinfo) == [pointer]
    assert words in excinfo.value.errors[0].reason


def test_bad_bodies_and_inputs_are_refused_with_pointers():
    with pytest.raises(SimulationInvalid) as excinfo:
        simulate([], {}, [], started_at=T0)
    assert pointers(excinfo) == ["/body"]
    broken = review_flow()
    broken["nodes"][1]["config"]["outcomes"] = "approve"
    with pytest.raises(SimulationInvalid) as excinfo:
        simulate(broken, {}, [], started_at=T0)
    assert "/body/nodes/1/config/outcomes" in pointers(excinfo)
    with pytest.raises(SimulationInvalid) as excinfo:
        simulate(review_flow(), [], {}, started_at=datetime(2026, 3, 2))
    assert pointers(excinfo) == ["/variables", "/choices", "/started_at"]
    with pytest.raises(SimulationInvalid) as excinfo:
        simulate(review_flow(), {}, [], started_at=datetime(9999, 12, 31, tzinfo=UTC))
    assert pointers(excinfo) == ["/started_at"]


def test_bounds_on_size_choices_and_endless_loops(monkeypatch):
    big = review_flow()
    big["nodes"][0]["name"] = "x" * simulator.MAX_BODY_CHARS
    with pytest.raises(SimulationInvalid, match="larger than"):
        simulate(big, {}, [], started_at=T0)
    with pytest.raises(SimulationInvalid) as excinfo:
        simulate(review_flow(), {}, [{"type": "cancel"}] * (simulator.MAX_CHOICES + 1),
                 started_at=T0)
    assert pointers(excinfo) == ["/choices"]
    with pytest.raises(SimulationInvalid) as excinfo:
        simulate(review_flow(), {"v": "x" * simulator.MAX_VARIABLES_CHARS}, [], started_at=T0)
    assert pointers(excinfo) == ["/variables"]
    # A loop with no waiting step: the engine holds it after its own limit, the test run
    # refuses once the whole run passes MAX_NODE_ENTRIES.
    monkeypatch.setattr(simulator, "MAX_NODE_ENTRIES", 50)
    loop = flow([node("start", "start"), node("a", "decision"), node("b", "decision"),
                 node("end", "end")],
                [edge("start", "a"), edge("a", "b", default=True), edge("b", "a", default=True),
                 edge("a", "end", condition={"var": "never", "op": "==", "value": 1})])
    with pytest.raises(SimulationInvalid, match="loops without reaching a waiting step"):
        simulate(loop, {}, [], started_at=T0)


def test_a_long_step_keeps_the_first_records_and_counts_the_rest(monkeypatch):
    monkeypatch.setattr(simulator, "MAX_RECORDS_PER_STEP", 2)
    [start] = run(review_flow())["history"]
    assert [r["type"] for r in start["records"]] == ["node_entered", "node_entered"]
    assert start["omitted_records"] == 1  # task_created
