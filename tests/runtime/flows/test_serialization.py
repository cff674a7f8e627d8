"""JSON round trips: events, effects, log records and states (with schema_version)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from runtime.exceptions import FlowError
from runtime.flows import (
    EFFECT_TYPES,
    EVENT_TYPES,
    BadEvent,
    CallConnector,
    Cancelled,
    FormSubmitted,
    IncidentRetried,
    InstanceState,
    LogRecord,
    MessageReceived,
    RetriesExhausted,
    ServiceFailed,
    ServiceSucceeded,
    Started,
    SubflowEnded,
    TaskCompleted,
    TimerFired,
    effect_from_dict,
    event_from_dict,
    events_from_log,
)
from runtime.flows import state as state_module
from tests.runtime.flows.kit import T0, Driver, load

AT = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
EVENTS = [
    Started(variables={"a": [1, {"b": None}]}, actor="api", at=AT),
    FormSubmitted(node_id="f", activation=2, data={"x": "y"}, actor="c"),
    TaskCompleted(
        node_id="t",
        activation=1,
        task_key="I:t:1",
        outcome="approve",
        data={"n": 1.5},
        actor="ana",
        at=AT,
    ),
    TimerFired(timer_key="I:t:1:timeout", at=AT),
    ServiceSucceeded(node_id="s", activation=1, output={"id": "re_1"}),
    ServiceFailed(node_id="s", activation=1, kind="client", message="declined", status=402),
    RetriesExhausted(node_id="s", activation=1, message="503"),
    IncidentRetried(actor="admin"),
    MessageReceived(name="carrier_scan", correlation="RMA-1", data={"hub": "NL"}),
    SubflowEnded(node_id="q", activation=1, status="completed", output={"id": 3}),
    Cancelled(reason="withdrawn", actor="customer"),
]


def test_every_event_type_is_covered():
    assert {e.type.value for e in EVENTS} == set(EVENT_TYPES)


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.type.value)
def test_event_round_trip(event):
    data = event.to_dict()
    assert data["type"] == event.type.value
    assert event_from_dict(json.loads(json.dumps(data))) == event


def test_event_shapes():
    assert EVENTS[2].to_dict() == {
        "type": "task_completed",
        "at": "2026-03-02T10:30:00+00:00",
        "node_id": "t",
        "activation": 1,
        "task_key": "I:t:1",
        "outcome": "approve",
        "data": {"n": 1.5},
        "actor": "ana",
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "teleported"}, "unknown event type"),
        ({"type": "timer_fired"}, "missing 1 required"),
        ({"type": "timer_fired", "timer_key": "k", "extra": 1}, "no field 'extra'"),
        (
            {"type": "service_failed", "node_id": "s", "activation": 1, "kind": "maybe"},
            "'client' or 'server'",
        ),
        ({"type": "timer_fired", "timer_key": "k", "at": "yesterday"}, "not an ISO-8601"),
    ],
)
def test_bad_event_documents_are_refused(data, message):
    with pytest.raises(BadEvent, match=message):
        event_from_dict(data)


def test_every_effect_of_a_reference_run_round_trips_and_covers_the_types():
    from tests.runtime.flows.test_returns_reference import case, driver

    d = driver()
    d.start(**case(reason="defective", days_since_delivery=45))
    d.fire("reminder:0")
    d.fire("timeout")
    d.complete("review", "need_info")
    d.send(FormSubmitted(node_id="more_info", activation=1, data={}))
    d.complete("review", "approve")
    d.send(ServiceSucceeded(node_id="crm", activation=1))
    d.send(ServiceSucceeded(node_id="erp", activation=1))
    seen = set()
    for effect in d.effects:
        data = json.loads(json.dumps(effect.to_dict()))
        assert effect_from_dict(data) == effect
        seen.add(effect.type.value)
    assert seen >= {
        "create_task",
        "complete_task",
        "reassign_task",
        "remind_task",
        "schedule_timer",
        "cancel_timer",
        "call_connector",
        "send_notification",
        "request_form",
        "instance_ended",
    }
    # the others are in test_nodes.py
    assert set(EFFECT_TYPES) - seen == {"start_subflow", "cancel_subflow", "cancel_task"}


def test_call_connector_shape_and_round_trip():
    call = CallConnector(
        "I:s:1", "s", 1, "payment.stripe", "refund", {"amount": "1.00"}, {"max_attempts": 3}, 2
    )
    assert call.to_dict()["idempotency_key"] == "I:s:1"
    assert effect_from_dict(call.to_dict()) == call


def test_state_round_trips_through_json_at_every_step():
    from tests.runtime.flows.test_returns_reference import case, driver

    d = driver()
    for action in (
        lambda: d.start(**case(watchlisted=True)),
        lambda: d.complete("review", "need_info"),
        lambda: d.send(FormSubmitted(node_id="more_info", activation=1, data={"p": 1})),
        lambda: d.complete("review", "approve"),
        lambda: d.send(ServiceFailed(node_id="crm", activation=1, kind="server")),
        lambda: d.send(RetriesExhausted(node_id="crm", activation=1)),
    ):
        action()
        text = json.dumps(d.state.to_dict())
        assert InstanceState.from_dict(json.loads(text)) == d.state
    assert d.state.to_dict()["schema_version"] == 1
    assert d.state.incidents[0].kind == "retries_exhausted"


def test_log_records_round_trip_and_yield_the_events():
    d = Driver(load("returns_review.flow.json"))
    d.start(rma="R")
    records = [LogRecord.from_dict(json.loads(json.dumps(r.to_dict()))) for r in d.log]
    assert records == d.log
    [event] = events_from_log(records)
    assert event == Started(variables={"rma": "R"}, actor="tester", at=T0)


def test_older_state_versions_go_through_the_migration_table(monkeypatch):
    current = Driver(load("returns_review.flow.json"))
    current.start(rma="R")
    stored = current.state.to_dict()
    old = {**stored, "schema_version": 1}
    monkeypatch.setattr(state_module, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(
        state_module.MIGRATIONS,
        1,
        lambda d: {**d, "variables": {**d["variables"], "migrated": True}},
    )
    upgraded = state_module.upgrade(old)
    assert upgraded["schema_version"] == 2 and upgraded["variables"]["migrated"] is True
    monkeypatch.delitem(state_module.MIGRATIONS, 1)
    with pytest.raises(FlowError, match="no migration from instance state version 1"):
        state_module.upgrade(old)


@pytest.mark.parametrize("version", [0, 99, "1"])
def test_unknown_state_versions_are_refused(version):
    with pytest.raises(FlowError, match="not supported"):
        InstanceState.from_dict({"instance_id": "I", "schema_version": version})
