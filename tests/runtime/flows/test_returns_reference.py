"""The RETURNS manual-review shape end to end (R14 timings), on the real policy table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.flows import (
    FormSubmitted,
    InstanceState,
    InstanceStatus,
    ServiceSucceeded,
    compile_flow,
    lint_flow,
)
from runtime.rules import compile_table
from tests.runtime.flows.kit import DATA, Driver, load

POLICY = compile_table(
    json.loads((Path(__file__).parents[1] / "data" / "returns_policy.json").read_text()),
    name="returns.policy",
)
SPEC = compile_flow(load("returns_review.flow.json"), "returns.review", 1)


def case(**overrides):
    base = {
        "rma": "RMA-000123",
        "order_number": "SO-991",
        "country": "DE",
        "days_since_delivery": 10,
        "reason": "size",
        "item_value_eur": 40,
        "customer_returns_90d": 0,
        "return_rate": 0.1,
        "watchlisted": False,
        "exempt_category": None,
        "label_cost_ratio": 0.1,
        "returnless_same_sku_12m": 0,
        "customer": {"email": "kim@example.com", "locale": "de"},
    }
    return {**base, **overrides}


def driver():
    return Driver(SPEC, tables={"returns.policy": POLICY})


def test_the_reference_flow_is_clean():
    assert lint_flow(SPEC) == []


def test_manual_review_reminds_at_16_and_escalates_at_24_business_hours_then_syncs():
    d = driver()
    step = d.start(**case(reason="defective", days_since_delivery=45))  # warranty route
    assert d.state.variables["policy"] == {"decision": "manual_review", "reason_code": "warranty"}
    assert [r.data for r in step.log if r.type == "decision_made"] == [
        {"table": "returns.policy", "rules": ["warranty_eu_uk"], "default": False}
    ]
    [create, *timers] = step.effects
    assert create.assignee == {"role": "cs_agent", "strategy": "pool"}
    # Monday 09:00 UTC on Mon-Fri 09:00-17:00: 16 h = Tuesday 17:00, 24 h = Wednesday 17:00
    assert {t.purpose: t.due_at for t in timers} == {
        "reminder:0": "2026-03-03T17:00:00+00:00",
        "timeout": "2026-03-04T17:00:00+00:00",
    }

    [remind] = d.fire("reminder:0").effects
    assert (remind.type.value, remind.task_key, remind.template) == (
        "remind_task",
        "I1:review:1",
        "review_reminder",
    )
    [escalate] = d.fire("timeout").effects
    assert escalate.to == {"role": "cs_lead", "strategy": "pool"}

    step = d.complete("review", "approve", actor="lead@example.com", data={"note": "ok"})
    calls = [e for e in step.effects if e.type.value == "call_connector"]
    assert [(c.key, c.connector, c.inputs) for c in calls] == [
        ("I1:crm:1", "crm.hubspot", {"case": "RMA-000123", "text": "warranty"}),
        ("I1:erp:1", "erp.odoo", {"order": "SO-991", "rma": "RMA-000123"}),
    ]
    assert d.state.variables["review"]["actor"] == "lead@example.com"

    d.send(ServiceSucceeded(node_id="erp", activation=1, output={"id": 77}))
    assert d.state.status is InstanceStatus.WAITING
    step = d.send(ServiceSucceeded(node_id="crm", activation=1, output={}))
    assert d.state.status is InstanceStatus.COMPLETED
    [mail, ended] = step.effects
    assert (mail.recipients, mail.locale) == (({"email": "kim@example.com"},), "de")
    assert ended.status == "completed"
    assert d.state.variables["erp"] == {"return_id": 77}
    assert d.replayed() == d.state


def test_auto_approved_case_skips_review():
    d = driver()
    step = d.start(**case())
    assert [e.key for e in step.effects] == ["I1:crm:1", "I1:erp:1"]
    assert d.state.variables["policy"]["decision"] == "auto_approve"


def test_exempt_item_is_rejected_at_once():
    d = driver()
    d.start(**case(exempt_category="hygiene_opened"))
    assert d.state.status is InstanceStatus.REJECTED
    assert d.state.variables["policy"]["reason_code"] == "exempt_item"


def test_need_info_goes_back_to_the_customer_and_returns_to_review():
    d = driver()
    d.start(**case(watchlisted=True))
    d.complete("review", "need_info")
    [_, request] = [e for e in d.last.effects if e.type.value in ("schedule_timer", "request_form")]
    assert request.key == "I1:more_info:1"
    d.send(FormSubmitted(node_id="more_info", activation=1, data={"photos": ["a.jpg"]}))
    assert d.task("review").key == "I1:review:2"
    d.complete("review", "reject")
    assert d.state.status is InstanceStatus.REJECTED
    assert d.replayed() == d.state


def test_missing_policy_table_is_an_incident():
    d = Driver(SPEC)
    d.start(**case())
    assert d.state.status is InstanceStatus.INCIDENT
    assert d.state.incidents[0].reason == "decision table 'returns.policy' is not available"


@pytest.mark.parametrize("name", ["state_v1_waiting.json"])
def test_a_frozen_v1_state_still_loads_and_runs(name):
    """A state stored by schema_version 1 (tests/data/flows) loads and advances."""
    stored = json.loads((DATA / name).read_text(encoding="utf-8"))
    state = InstanceState.from_dict(stored)
    assert state.to_dict() == stored
    d = driver()
    d.state = state
    d.complete("review", "approve")
    assert [e.key for e in d.last.effects if e.type.value == "call_connector"] == [
        "I1:crm:1",
        "I1:erp:1",
    ]
