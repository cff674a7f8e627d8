"""bench/load.py's reconciliation (bench/load_audit.py) finds every kind of loss it claims to.

The load run itself takes minutes (servers, workers, a private database), too long for
CI; its verdict comes from this audit, so the audit is checked here on rows written
directly: an accepted submit with no case or no stored submission, a case nothing can
move, a case with work pending, a completion recorded with another outcome or by
someone else, and the healthy states (finished, waiting for staff, waiting for an
outside event with a timer set).
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from app.extensions import db
from app.models import FlowInstance, OutboxEntry, Submission, Task, Timer, utcnow
from app.portal.cases import start_token_of
from tests.factories import make_user

BENCH = Path(__file__).resolve().parents[2] / "bench"
FLOW = "returns.rma"


def _audit():
    sys.path.insert(0, str(BENCH))  # load_audit imports its sibling chaos_audit
    spec = importlib.util.spec_from_file_location("formloom_bench_load_audit",
                                                  BENCH / "load_audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.audit


def _case(status: str, *, submitted: bool = True) -> tuple[str, FlowInstance]:
    token = uuid.uuid4().hex
    row = FlowInstance(public_id=uuid.uuid4().hex, flow_key=FLOW, flow_version=1,
                       status=status, start_token=start_token_of(token))
    db.session.add(row)
    db.session.flush()
    if submitted:
        db.session.add(Submission(public_id=uuid.uuid4().hex, form_key="returns.request",
                                  form_version=1, data={}, client_token=token,
                                  instance_id=row.id))
    return token, row


def _task(instance: FlowInstance, status: str = "open", **done) -> Task:
    task = Task(key=uuid.uuid4().hex, instance_id=instance.id, node_id="review",
                title="Review", status=status, team_key="cs_agent", **done)
    db.session.add(task)
    db.session.flush()
    return task


#: The load run uses PostgreSQL; the audit's queries are not about the database otherwise.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_audit_counts_each_kind_of_loss_and_passes_healthy_cases(app):
    agent = make_user("staff", email="agent0@load.test")
    other = make_user("staff", email="agent1@load.test")
    now = utcnow()
    finished = [_case("completed")[0], _case("rejected")[0]]
    staff_token, staff_case = _case("waiting")
    _task(staff_case)
    event_token, event_case = _case("waiting")
    db.session.add(Timer(kind="reminder", key=uuid.uuid4().hex, instance_id=event_case.id,
                         node_id="in_transit", due_at=now + timedelta(days=7)))
    stuck_token, stuck_case = _case("waiting")
    db.session.add(OutboxEntry(instance_id=stuck_case.id, effect="call_connector",
                               idempotency_key=uuid.uuid4().hex, payload={}))
    unmovable_token, _ = _case("waiting")
    unsubmitted_token, _ = _case("completed", submitted=False)
    done_case = _case("completed")[1]
    right = _task(done_case, "completed", outcome="approve", completed_by_id=agent.id)
    wrong_outcome = _task(done_case, "completed", outcome="reject", completed_by_id=agent.id)
    wrong_person = _task(done_case, "completed", outcome="approve", completed_by_id=other.id)
    never_done = _task(done_case)
    db.session.commit()

    accepted = [*finished, staff_token, event_token, stuck_token, unmovable_token,
                unsubmitted_token, "never-stored-token"]
    completed = [(right.id, "approve", agent.email), (wrong_outcome.id, "approve", agent.email),
                 (wrong_person.id, "approve", agent.email),
                 (never_done.id, "approve", agent.email), (right.id, "approve", agent.email)]

    verdict = _audit()(accepted, completed, FLOW)

    assert verdict["lost_detail"] == {"cases": 1, "submissions": 2, "unmovable": 1,
                                      "completions": 3}
    assert verdict["lost"] == 7
    assert verdict["stuck"] == 1
    assert verdict["double_completions"] == 1
    assert (verdict["waiting_for_staff"], verdict["waiting_for_event"]) == (1, 1)
    assert verdict["cases"] == len(accepted)
    assert verdict["unacknowledged"] == 1  # done_case: no client heard of it
    assert stuck_case.id in {s["id"] for s in verdict["unfinished_sample"]}
