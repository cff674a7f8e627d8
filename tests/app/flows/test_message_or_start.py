"""`platform.message_or_start`: one open collecting instance per correlation value.

The collector waits for a correlated message; the action delivers to it, or starts it
when none is open, under a start token per (flow, message, correlation, generation).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from app.extensions import db
from app.flows import correlate, service
from app.flows.outbox import Deferred
from app.models import FlowInstance, utcnow
from app.services import definitions
from connectors.exceptions import ConnectorError
from runtime.functions import FunctionInputError
from tests.factories import make_user

COLLECTOR = {
    "case_number": {"prefix": "QC-", "digits": 4},
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "more", "type": "wait", "config": {
            "until": "message",
            "message": {"name": "evidence", "correlate": "sku", "output": "incoming"}}},
        {"id": "done", "type": "end"},
    ],
    "edges": [{"from": "start", "to": "more"}, {"from": "more", "to": "done"}],
}
BUSY = {"nodes": [{"id": "start", "type": "start"},
                  {"id": "work", "type": "user_task", "config": {
                      "title": "Work", "assignee": {"user": "nobody@example.test"}}},
                  {"id": "done", "type": "end"}],
        "edges": [{"from": "start", "to": "work"}, {"from": "work", "to": "done"}]}


def _publish(key: str, body: dict) -> None:
    definitions.save_draft("flow", key, key, body)
    definitions.publish("flow", key)
    db.session.commit()


def _send(sku: str, flow: str = "quality.collector", **data) -> dict:
    out = correlate.message_or_start(None, {"flow": flow, "message": "evidence",
                                            "correlation": sku, "data": {"sku": sku, **data}})
    db.session.commit()
    return out


def _open(flow: str = "quality.collector") -> list[FlowInstance]:
    return list(db.session.scalars(db.select(FlowInstance).where(
        FlowInstance.flow_key == flow, FlowInstance.ended_at.is_(None))))


def test_starts_once_then_delivers_then_starts_a_new_one_after_the_end(app):
    _publish("quality.collector", COLLECTOR)
    first = _send("SKU-1", cases=["RMA-1"])
    assert first["outcome"] == "started" and first["case_number"] == "QC-0001"
    other = _send("SKU-2", cases=["RMA-9"])
    assert other["outcome"] == "started" and other["case_number"] == "QC-0002"
    delivered = _send("SKU-1", cases=["RMA-1", "RMA-2"])
    assert delivered == {**first, "outcome": "delivered"}
    [ended] = db.session.scalars(db.select(FlowInstance)
                                 .where(FlowInstance.case_number == "QC-0001")).all()
    assert ended.status == "completed"
    assert ended.variables["incoming"]["cases"] == ["RMA-1", "RMA-2"]
    assert ended.variables["cases"] == ["RMA-1"]  # the start data
    again = _send("SKU-1", cases=["RMA-3"])
    assert again["outcome"] == "started" and again["case_number"] == "QC-0003"
    assert [i.case_number for i in _open()] == ["QC-0002", "QC-0003"]


def test_an_open_instance_between_two_waits_defers_the_caller(app):
    make_user("staff", email="nobody@example.test")
    _publish("quality.busy", BUSY)
    with pytest.raises(ConnectorError, match="does not wait"):
        _send("SKU-1", flow="quality.busy")
    db.session.rollback()
    assert _open("quality.busy") == []  # the failed call started nothing
    prefix = "mos-" + hashlib.sha256(
        b"quality.busy\0evidence\0SKU-1").hexdigest()[:40]
    service.start("quality.busy", {"sku": "SKU-1"}, start_token=prefix + "-1")
    db.session.commit()
    with pytest.raises(Deferred):
        _send("SKU-1", flow="quality.busy")
    db.session.rollback()
    db.session.execute(db.update(FlowInstance).where(FlowInstance.flow_key == "quality.busy")
                       .values(updated_at=utcnow() - timedelta(minutes=11)))
    db.session.commit()
    with pytest.raises(ConnectorError, match="has not waited"):  # stuck: an incident
        _send("SKU-1", flow="quality.busy")
    db.session.rollback()  # the failed call's lock, as the job's rollback would


@pytest.mark.parametrize(("inputs", "named"), [
    ({"flow": "x", "message": "evidence", "correlation": "", "data": {}}, "correlation"),
    ({"flow": "x", "message": "evi dence", "correlation": "a", "data": {}}, "message"),
    ({"flow": "X!", "message": "evidence", "correlation": "a", "data": {}}, "flow"),
    ({"flow": "x", "message": "evidence", "correlation": "a", "data": []}, "data"),
    ({"flow": "x", "message": "evidence", "correlation": "a", "data": {"b": "x" * 70000}},
     "data"),
    ({"flow": "x", "message": "evidence", "correlation": "a", "sql": "1=1"}, "sql"),
])
def test_bad_inputs_are_refused(inputs, named):
    with pytest.raises(FunctionInputError, match=named):
        correlate._checked(inputs)  # before any database access


def test_an_unknown_flow_is_refused(app):
    with pytest.raises(FunctionInputError, match=r"no\.such_flow"):
        correlate.message_or_start(None, {"flow": "no.such_flow", "message": "evidence",
                                          "correlation": "a"})


def test_the_linter_and_designer_know_the_new_actions(app):
    from app.services.lint_context import get_lint_context

    assert {"count_cases", "message_or_start", "list_union", "percentage"} <= set(
        get_lint_context().connectors["platform"])


def test_a_flow_cannot_message_or_start_itself(app):
    _publish("quality.collector", COLLECTOR)
    started = service.start("quality.collector", {"sku": "SKU-1"})
    db.session.commit()
    with pytest.raises(FunctionInputError, match="itself"):
        correlate.message_or_start(started.id, {"flow": "quality.collector",
                                                "message": "evidence", "correlation": "SKU-1"})


def test_two_callers_at_once_open_one_instance_on_postgresql(app, database_url):
    """The second caller waits on the first one's lock, then finds its instance waiting."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: no two callers overlap there")
    import threading

    _publish("quality.collector", COLLECTOR)
    first_done, answers = threading.Event(), {}

    def caller(name: str, hold: threading.Event | None) -> None:
        with app.app_context():
            answers[name] = correlate.message_or_start(None, {
                "flow": "quality.collector", "message": "evidence", "correlation": "SKU-7",
                "data": {"sku": "SKU-7", "who": name}})
            if hold is not None:
                first_done.set()
                hold.wait(10)  # keep the lock while the other caller arrives
            db.session.commit()

    release = threading.Event()
    first = threading.Thread(target=caller, args=("first", release))
    first.start()
    assert first_done.wait(10)
    second = threading.Thread(target=caller, args=("second", None))
    second.start()
    second.join(0.5)
    assert second.is_alive()  # blocked on the first caller's lock
    release.set()
    first.join(10)
    second.join(10)
    assert (answers["first"]["outcome"], answers["second"]["outcome"]) == ("started", "delivered")
    db.session.expire_all()
    [collector] = db.session.scalars(db.select(FlowInstance).where(
        FlowInstance.flow_key == "quality.collector")).all()
    assert collector.variables["incoming"]["who"] == "second"
