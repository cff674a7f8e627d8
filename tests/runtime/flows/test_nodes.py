"""form, service, wait, notify, subflow, parallel and end nodes."""

from __future__ import annotations

import pytest

from runtime.flows import (
    EventRefused,
    FormSubmitted,
    IncidentRetried,
    InstanceStatus,
    MessageReceived,
    RetriesExhausted,
    ServiceFailed,
    ServiceSucceeded,
    SubflowEnded,
)
from tests.runtime.flows.kit import T0, Driver, chain, edge, flow, hours, node

# -- form ------------------------------------------------------------------------------


def test_form_requests_then_merges_the_submission_into_variables():
    d = Driver(
        chain(
            node(
                "ask",
                "form",
                form="returns.more_info",
                submitter="customer",
                timeout={"after": "P7D", "action": "cancel"},
            )
        )
    )
    step = d.start(rma="RMA-1")
    [timer, request] = step.effects
    assert request.to_dict() == {
        "type": "request_form",
        "key": "I1:ask:1",
        "node_id": "ask",
        "activation": 1,
        "form": "returns.more_info",
        "submitter": "customer",
        "assignee": None,
        "due_at": "2026-03-09T09:00:00+00:00",
    }
    assert timer.purpose == "timeout"
    assert [t.kind for t in d.state.tasks] == ["form"]
    step = d.send(
        FormSubmitted(node_id="ask", activation=1, data={"reason": "size"}, actor="customer")
    )
    assert d.state.status is InstanceStatus.COMPLETED
    assert d.state.variables == {"rma": "RMA-1", "reason": "size"}
    assert [e.type.value for e in step.effects] == [
        "complete_task",
        "cancel_timer",
        "instance_ended",
    ]
    with pytest.raises(EventRefused):
        d.send(FormSubmitted(node_id="ask", activation=1, data={}))


def test_staff_form_with_output_and_escalation():
    d = Driver(
        chain(
            node(
                "check",
                "form",
                form="wh.check",
                submitter="staff",
                assignee={"role": "warehouse_eu"},
                output="check",
                timeout={"after": "PT4H", "action": "escalate", "to": "manager"},
            )
        )
    )
    [_, request] = d.start().effects
    assert request.assignee == {"role": "warehouse_eu", "strategy": "pool"}
    [reassign] = d.fire("timeout").effects
    assert reassign.to == {"manager_of": "warehouse_eu"}
    d.send(FormSubmitted(node_id="check", activation=1, data={"grade": "A"}))
    assert d.state.variables == {"check": {"grade": "A"}}


def test_form_timeout_auto_complete_moves_on_without_data():
    d = Driver(
        chain(node("ask", "form", form="f.a", timeout={"after": "P1D", "action": "auto_complete"}))
    )
    d.start()
    step = d.fire("timeout")
    assert d.state.status is InstanceStatus.COMPLETED
    assert step.effects[0].type.value == "cancel_task"


# -- service ---------------------------------------------------------------------------

SERVICE = flow(
    [
        node("start", "start"),
        node(
            "refund",
            "service",
            connector="payment.stripe",
            action="refund",
            input={"amount": "refund.amount", "currency": {"value": "EUR"}, "case": "rma"},
            output={"refund.id": "id", "refund.raw": "$"},
            error_output="refund_error",
            retry={"max_attempts": 3, "backoff": "exponential"},
        ),
        node("done", "end"),
        node(
            "failed",
            "user_task",
            title="Refund failed",
            assignee={"role": "finance"},
            outcomes=["retry", "store_credit"],
        ),
        node("stop", "end", status="cancelled"),
    ],
    [
        edge("start", "refund"),
        edge("refund", "done"),
        edge("refund", "failed", on="error"),
        edge("failed", "stop"),
    ],
)


def started_service(doc=SERVICE):
    d = Driver(doc)
    d.start(rma="RMA-7", refund={"amount": "44.95"})
    return d


def test_service_emits_call_connector_with_an_idempotency_key():
    d = started_service()
    [call] = d.last.effects
    assert call.to_dict() == {
        "type": "call_connector",
        "key": "I1:refund:1",
        "idempotency_key": "I1:refund:1",
        "node_id": "refund",
        "activation": 1,
        "connector": "payment.stripe",
        "action": "refund",
        "inputs": {"amount": "44.95", "currency": "EUR", "case": "RMA-7"},
        "retry": {"max_attempts": 3, "backoff": "exponential"},
        "attempt": 1,
    }
    assert d.state.status is InstanceStatus.WAITING


def test_service_success_maps_outputs():
    d = started_service()
    d.send(ServiceSucceeded(node_id="refund", activation=1, output={"id": "re_1", "ok": True}))
    assert d.state.status is InstanceStatus.COMPLETED
    assert d.state.variables["refund"] == {
        "amount": "44.95",
        "id": "re_1",
        "raw": {"id": "re_1", "ok": True},
    }
    # the job ran twice: the second success is a logged no-op for the ended instance
    step = d.send(ServiceSucceeded(node_id="refund", activation=1, output={"id": "re_1"}))
    assert step.effects == () and step.log[-1].type == "event_ignored"


def test_client_error_follows_the_error_edge_without_retry():
    d = started_service()
    step = d.send(
        ServiceFailed(
            node_id="refund", activation=1, kind="client", status=402, message="card declined"
        )
    )
    assert [e.type.value for e in step.effects] == ["create_task"]
    assert d.state.variables["refund_error"] == {
        "kind": "client",
        "status": 402,
        "message": "card declined",
    }
    assert d.task("failed").node_id == "failed"


def test_client_error_without_an_error_edge_is_an_incident():
    doc = chain(node("call", "service", connector="erp.orders", action="get"))
    d = Driver(doc)
    d.start()
    d.send(ServiceFailed(node_id="call", activation=1, kind="client", status=404))
    assert d.state.status is InstanceStatus.INCIDENT
    assert d.state.incidents[0].kind == "connector_error"


def test_server_errors_are_retried_by_the_app_then_exhausted_then_retried_with_the_same_key():
    d = started_service()
    step = d.send(ServiceFailed(node_id="refund", activation=1, kind="server", status=503))
    assert step.effects == () and d.state.status is InstanceStatus.WAITING
    assert step.log[-1].type == "service_retrying"
    d.send(RetriesExhausted(node_id="refund", activation=1, message="503 x3"))
    assert d.state.status is InstanceStatus.INCIDENT
    [incident] = d.state.incidents
    assert (incident.node_id, incident.kind) == ("refund", "retries_exhausted")
    step = d.send(IncidentRetried(actor="admin"))
    [call] = step.effects
    assert (call.key, call.attempt) == ("I1:refund:1", 2)
    assert call.inputs == {"amount": "44.95", "currency": "EUR", "case": "RMA-7"}
    assert d.state.status is InstanceStatus.WAITING and d.state.incidents == ()
    d.send(ServiceSucceeded(node_id="refund", activation=1, output={"id": "re_1"}))
    assert d.state.status is InstanceStatus.COMPLETED


def test_a_success_reported_after_the_incident_resolves_it():
    d = started_service()
    d.send(RetriesExhausted(node_id="refund", activation=1))
    d.send(ServiceSucceeded(node_id="refund", activation=1, output={"id": "re_9"}))
    assert d.state.status is InstanceStatus.COMPLETED


def test_retry_without_incident_is_refused():
    d = started_service()
    with pytest.raises(EventRefused, match="no incident"):
        d.send(IncidentRetried())


def test_on_error_incident_overrides_the_edge_and_edge_requires_one():
    doc = chain(node("call", "service", connector="erp.orders", action="get", on_error="incident"))
    d = Driver(doc)
    d.start()
    d.send(ServiceFailed(node_id="call", activation=1, kind="client"))
    assert d.state.status is InstanceStatus.INCIDENT


def test_service_timeout_follows_its_edge_and_a_late_answer_is_ignored():
    doc = flow(
        [
            node("start", "start"),
            node(
                "call",
                "service",
                connector="erp.orders",
                action="get",
                timeout={"after": "PT30M", "action": "follow_edge"},
            ),
            node("ok", "end"),
            node("slow", "end", status="cancelled"),
        ],
        [edge("start", "call"), edge("call", "ok"), edge("call", "slow", on="timeout")],
    )
    d = Driver(doc)
    d.start()
    d.fire("timeout")
    assert d.state.status is InstanceStatus.CANCELLED


# -- wait ------------------------------------------------------------------------------


def test_wait_for_a_duration():
    d = Driver(chain(node("w", "wait", until="duration", duration="P2D")))
    [timer] = d.start().effects
    assert (timer.purpose, timer.due_at, timer.key) == (
        "wait",
        "2026-03-04T09:00:00+00:00",
        "I1:w:1:wait",
    )
    d.fire("wait")
    assert d.state.status is InstanceStatus.COMPLETED


def test_wait_until_a_date_from_a_variable():
    d = Driver(chain(node("w", "wait", until="date", date="order.pickup")))
    [timer] = d.start(order={"pickup": "2026-03-10T12:00:00+01:00"}).effects
    assert timer.due_at == "2026-03-10T11:00:00+00:00"
    d = Driver(chain(node("w", "wait", until="date", date="order.pickup")))
    [timer] = d.start(order={"pickup": "2026-03-10"}).effects
    assert timer.due_at == "2026-03-10T00:00:00+00:00"
    d = Driver(chain(node("w", "wait", until="date", date="order.pickup")))
    d.start(order={"pickup": "2026-01-01"})
    assert d.state.status is InstanceStatus.COMPLETED  # already past: no wait
    d = Driver(chain(node("w", "wait", until="date", date="order.pickup")))
    d.start(order={"pickup": "soon"})
    assert d.state.incidents[0].kind == "no_date"


CARRIER = flow(
    [
        node("start", "start"),
        node(
            "transit",
            "wait",
            until="message",
            message={"name": "carrier_scan", "correlate": "rma", "output": "scan"},
            reminders=[
                {
                    "after": "P7D",
                    "notify": {
                        "channel": "email",
                        "to": ["customer.email"],
                        "template": {"subject": "Your parcel", "body": "Please drop it off"},
                        "locale": "customer.locale",
                        "variables": {"rma": "rma"},
                    },
                }
            ],
            timeout={"after": "P30D", "action": "cancel"},
        ),
        node("end", "end"),
    ],
    [edge("start", "transit"), edge("transit", "end")],
)


def test_wait_for_a_correlated_message_is_indexed_on_the_state():
    d = Driver(CARRIER)
    d.start(rma="RMA-1", customer={"email": "c@example.com", "locale": "zh-CN"})
    assert d.state.waiting_messages == frozenset({("carrier_scan", "RMA-1")})
    step = d.send(MessageReceived(name="carrier_scan", correlation="RMA-2", data={}))
    assert step.log[-1].type == "message_ignored" and d.state.status is InstanceStatus.WAITING
    d.send(MessageReceived(name="carrier_scan", correlation="RMA-1", data={"at": "hub"}))
    assert d.state.status is InstanceStatus.COMPLETED
    assert d.state.variables["scan"] == {"at": "hub"}
    assert d.state.waiting_messages == frozenset()


def test_message_wait_reminds_the_customer_at_day_7_and_cancels_at_day_30():
    d = Driver(CARRIER)
    d.start(rma="RMA-1", customer={"email": "c@example.com", "locale": "zh-CN"})
    assert d.timer("reminder:0").due_at == "2026-03-09T09:00:00+00:00"
    assert d.timer("timeout").due_at == "2026-04-01T09:00:00+00:00"
    [mail] = d.fire("reminder:0").effects
    assert mail.to_dict() == {
        "type": "send_notification",
        "key": "I1:transit:1:reminder:0",
        "node_id": "transit",
        "activation": 1,
        "channel": "email",
        "recipients": [{"email": "c@example.com"}],
        "template": {"subject": "Your parcel", "body": "Please drop it off"},
        "variables": {"rma": "RMA-1"},
        "locale": "zh-CN",
    }
    d.fire("timeout")
    assert d.state.status is InstanceStatus.CANCELLED
    assert d.state.messages == ()


def test_a_missing_correlation_value_is_an_incident():
    d = Driver(CARRIER)
    d.start()
    assert d.state.incidents[0].kind == "no_correlation"


# -- notify ----------------------------------------------------------------------------


def test_notify_resolves_recipients_and_does_not_wait():
    d = Driver(
        chain(
            node(
                "tell",
                "notify",
                channel="email",
                to=["customer.email", {"role": "cs_lead"}, "ops@example.com", "watchers"],
                template={"body": "Approved"},
            )
        )
    )
    step = d.start(customer={"email": "c@example.com"}, watchers=["a@x.io", "b@x.io"], n=1)
    [mail, ended] = step.effects
    assert mail.recipients == (
        {"email": "c@example.com"},
        {"role": "cs_lead"},
        {"email": "ops@example.com"},
        {"email": "a@x.io"},
        {"email": "b@x.io"},
    )
    assert mail.variables == d.state.variables and mail.key == "I1:tell:1"
    assert ended.status == "completed"


def test_notify_without_any_recipient_is_an_incident():
    d = Driver(
        chain(
            node("tell", "notify", channel="email", to=["customer.email"], template={"body": "x"})
        )
    )
    d.start()
    assert d.state.incidents[0].kind == "no_recipient"


# -- subflow ---------------------------------------------------------------------------


def subflow_doc(wait=True):
    return flow(
        [
            node("start", "start"),
            node(
                "claim",
                "subflow",
                flow="returns.quality_claim",
                input={"sku": "item.sku"},
                output={"claim": "$"},
                wait=wait,
            ),
            node("done", "end"),
            node("oops", "end", status="rejected"),
        ],
        [edge("start", "claim"), edge("claim", "done"), edge("claim", "oops", on="error")],
    )


def test_subflow_starts_waits_and_maps_the_output():
    d = Driver(subflow_doc())
    [start] = d.start(item={"sku": "X-1"}).effects
    assert start.to_dict() == {
        "type": "start_subflow",
        "key": "I1:claim:1",
        "node_id": "claim",
        "activation": 1,
        "flow": "returns.quality_claim",
        "input": {"sku": "X-1"},
        "wait": True,
    }
    d.send(SubflowEnded(node_id="claim", activation=1, status="completed", output={"id": 4}))
    assert d.state.status is InstanceStatus.COMPLETED
    assert d.state.variables["claim"] == {"id": 4}


def test_a_failed_subflow_takes_the_error_edge():
    d = Driver(subflow_doc())
    d.start(item={"sku": "X-1"})
    d.send(SubflowEnded(node_id="claim", activation=1, status="rejected"))
    assert d.state.status is InstanceStatus.REJECTED


def test_subflow_without_wait_moves_on():
    d = Driver(subflow_doc(wait=False))
    step = d.start(item={"sku": "X-1"})
    assert [e.type.value for e in step.effects] == ["start_subflow", "instance_ended"]


def test_cancelling_the_parent_cancels_a_running_subflow():
    from runtime.flows import Cancelled

    d = Driver(subflow_doc())
    d.start(item={"sku": "X-1"})
    step = d.send(Cancelled(reason="customer withdrew", actor="cs"))
    assert [e.to_dict()["type"] for e in step.effects] == ["cancel_subflow", "instance_ended"]
    assert step.effects[-1].reason == "customer withdrew"
    with pytest.raises(EventRefused, match="already ended"):
        d.send(Cancelled())


# -- parallel and end ------------------------------------------------------------------


def parallel_doc(join="all", count=None, branches=3):
    config = {"mode": "join", "join": join}
    if count:
        config["count"] = count
    nodes = [
        node("start", "start"),
        node("split", "parallel", mode="split"),
        node("join", "parallel", **config),
        node("end", "end"),
    ]
    edges = [edge("start", "split"), edge("join", "end")]
    for i in range(branches):
        nodes.append(node(f"b{i}", "user_task", assignee={"role": "x"}))
        edges += [edge("split", f"b{i}"), edge(f"b{i}", "join")]
    return flow(nodes, edges)


def test_split_and_join_all():
    d = Driver(parallel_doc())
    step = d.start()
    assert [e.key for e in step.effects] == ["I1:b0:1", "I1:b1:1", "I1:b2:1"]
    assert sorted(t.id for t in d.state.tokens) == [1, 2, 3]
    d.complete("b1", "complete")
    d.complete("b0", "complete")
    assert d.state.status is InstanceStatus.WAITING
    assert d.state.joins[0].arrived == (5, 3)  # edge indexes, in arrival order
    d.complete("b2", "complete")
    assert d.state.status is InstanceStatus.COMPLETED


def test_join_n_fires_once_and_consumes_late_arrivals():
    doc = parallel_doc(join="n", count=2)
    doc["nodes"][3] = node("end", "user_task", assignee={"role": "y"})
    doc["nodes"].append(node("fin", "end"))
    doc["edges"].append(edge("end", "fin"))
    d = Driver(doc)
    d.start()
    d.complete("b0", "complete")
    step = d.complete("b2", "complete")
    assert [e.key for e in step.effects] == ["I1:b2:1", "I1:end:1"]
    assert d.state.activations["join"] == 1
    step = d.complete("b1", "complete")
    assert [r.type for r in step.log][-1] == "join_late_arrival"
    assert [e.type.value for e in step.effects] == ["complete_task"]
    assert d.state.joins == ()  # the round closed
    assert d.state.activations["join"] == 1  # never re-fired
    d.complete("end", "complete")
    assert d.state.status is InstanceStatus.COMPLETED


def test_an_end_in_one_branch_ends_everything():
    doc = parallel_doc(branches=2)
    doc["nodes"].append(node("reject", "end", status="rejected"))
    doc["edges"] = [e for e in doc["edges"] if e != edge("b0", "join")]
    doc["edges"].append(edge("b0", "reject"))
    d = Driver(doc)
    d.start()
    step = d.complete("b0", "complete")
    assert d.state.status is InstanceStatus.REJECTED
    assert [(e.type.value, e.key) for e in step.effects] == [
        ("complete_task", "I1:b0:1"),
        ("cancel_task", "I1:b1:1"),
        ("instance_ended", "I1:ended"),
    ]
    assert d.state.tokens == () and d.state.tasks == () and d.state.joins == ()


def test_a_join_that_can_no_longer_fire_is_a_deadlock_incident():
    doc = flow(
        [
            node("start", "start"),
            node("split", "parallel", mode="split"),
            node("d", "decision"),
            node("join", "parallel", mode="join"),
            node("t", "user_task", assignee={"role": "x"}),
            node("end", "end"),
        ],
        [
            edge("start", "split"),
            edge("split", "t"),
            edge("split", "d"),
            edge("d", "join", condition={"var": "x", "op": "==", "value": 1}),
            edge("d", "t", default=True),
            edge("t", "join"),
            edge("join", "end"),
        ],
    )
    d = Driver(doc)
    d.start(x=2)
    d.complete("t", "complete")
    assert d.state.status is InstanceStatus.WAITING  # one arrival; the other token is at t
    d.complete("t", "complete")
    assert d.state.joins[0].arrived == (5, 5)  # both over the same edge: no fire
    assert d.state.status is InstanceStatus.INCIDENT
    assert d.state.incidents[0].kind == "deadlock"


def test_loop_back_increments_activations_and_keys():
    doc = flow(
        [
            node("start", "start"),
            node("review", "user_task", assignee={"role": "cs"}, outcomes=["approve", "need_info"]),
            node("ask", "form", form="returns.more_info"),
            node("end", "end"),
        ],
        [
            edge("start", "review"),
            edge("review", "end", outcome="approve"),
            edge("review", "ask", outcome="need_info"),
            edge("ask", "review"),
        ],
    )
    d = Driver(doc)
    d.start()
    d.complete("review", "need_info")
    d.send(FormSubmitted(node_id="ask", activation=1, data={"photo": "p.jpg"}), at=T0 + hours(1))
    assert d.task("review").key == "I1:review:2"
    d.complete("review", "approve")
    assert d.state.status is InstanceStatus.COMPLETED
    assert d.state.activations == {"start": 1, "review": 2, "ask": 1, "end": 1}


# -- decision by table -----------------------------------------------------------------

ROUTING = {
    "hit_policy": "unique",
    "inputs": [{"id": "country", "type": "string"}, {"id": "value", "type": "number"}],
    "outputs": [{"id": "hub", "type": "string"}, {"id": "qc", "type": "boolean"}],
    "rules": [
        {"id": "eu", "when": {"country": ["DE", "FR", "NL"]}, "then": {"hub": "NL", "qc": False}},
        {"id": "uk", "when": {"country": "GB"}, "then": {"hub": "UK", "qc": False}},
        {
            "id": "big",
            "when": {"country": "US", "value": {"op": ">", "value": 500}},
            "then": {"hub": "US", "qc": True},
        },
    ],
}


def routing_flow():
    return flow(
        [
            node("start", "start"),
            node(
                "route",
                "decision",
                decision_table="returns.routing",
                output="routing",
                input={"country": "address.country", "value": "item.value"},
            ),
            node("qc", "end", status="rejected"),
            node("hub", "end"),
        ],
        [
            edge("start", "route"),
            edge("route", "qc", condition={"var": "routing.qc", "op": "==", "value": True}),
            edge("route", "hub", default=True),
        ],
    )


def test_decision_by_table_stores_outputs_then_edges_read_them():
    from runtime.rules import compile_table

    tables = {"returns.routing": compile_table(ROUTING, name="returns.routing")}
    d = Driver(routing_flow(), tables=tables)
    step = d.start(address={"country": "US"}, item={"value": 900})
    assert d.state.variables["routing"] == {"hub": "US", "qc": True}
    assert d.state.status is InstanceStatus.REJECTED
    assert [r.data for r in step.log if r.type == "decision_made"] == [
        {"table": "returns.routing", "rules": ["big"], "default": False}
    ]
    d = Driver(routing_flow(), tables=tables)
    d.start(address={"country": "FR"}, item={"value": 10})
    assert (d.state.variables["routing"]["hub"], d.state.status) == ("NL", InstanceStatus.COMPLETED)
    assert "country" not in d.state.variables  # the input mapping feeds the table only


def test_a_table_without_an_answer_is_an_incident_until_retried():
    from runtime.rules import compile_table

    tables = {"returns.routing": compile_table(ROUTING, name="returns.routing")}
    d = Driver(routing_flow(), tables=tables)
    d.start(address={"country": "JP"}, item={"value": 1})
    [incident] = d.state.incidents
    assert (incident.node_id, incident.kind) == ("route", "rule_error")
    assert "no rule matched" in incident.reason
    d.tables = {
        "returns.routing": compile_table(
            {**ROUTING, "default": {"hub": "CN", "qc": False}}, name="returns.routing"
        )
    }
    d.send(IncidentRetried(actor="admin"))
    assert d.state.variables["routing"] == {"hub": "CN", "qc": False}
    assert d.state.status is InstanceStatus.COMPLETED


def test_leaving_a_node_resolves_its_incident_and_late_answers_do_not_move_held_tokens():
    doc = flow(
        [
            node("start", "start"),
            node(
                "call",
                "service",
                connector="erp.orders",
                action="get",
                timeout={"after": "PT1H", "action": "follow_edge"},
            ),
            node("manual", "user_task", assignee={"role": "ops"}),
            node("end", "end"),
        ],
        [
            edge("start", "call"),
            edge("call", "end"),
            edge("call", "manual", on="timeout"),
            edge("manual", "end"),
        ],
    )
    d = Driver(doc)
    d.start()
    d.send(RetriesExhausted(node_id="call", activation=1))
    assert d.state.status is InstanceStatus.INCIDENT
    step = d.send(RetriesExhausted(node_id="call", activation=1))
    assert step.log[-1].data == {"reason": "already in an incident"}
    d.fire("timeout")  # the timeout still works while the incident is open
    assert d.state.status is InstanceStatus.WAITING and d.state.incidents == ()
    assert "incident_resolved" in [r.type for r in d.last.log]
    step = d.send(ServiceSucceeded(node_id="call", activation=1))
    assert step.log[-1].type == "event_ignored"


def test_a_duplicate_answer_for_a_token_held_after_its_answer_is_ignored():
    doc = flow(
        [
            node("start", "start"),
            node("call", "service", connector="a.b", action="c"),
            node("d", "decision"),
            node("end", "end"),
        ],
        [
            edge("start", "call"),
            edge("call", "d"),
            edge("d", "end", condition={"var": "out.ok", "op": "==", "value": True}),
        ],
    )
    doc["nodes"][1]["config"]["output"] = {"out": "$"}
    d = Driver(doc)
    d.start()
    d.send(ServiceSucceeded(node_id="call", activation=1, output={"ok": False}))
    assert d.state.incidents[0].kind == "no_route"  # held at d, which has no default
    step = d.send(ServiceSucceeded(node_id="call", activation=1, output={"ok": True}))
    assert step.log[-1].type == "event_ignored"
    assert d.state.variables["out"] == {"ok": False}
