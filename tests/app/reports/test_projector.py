"""The projector: rows from instance events, idempotent re-runs, late ids, rebuild."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import FlowInstance, InstanceEvent
from app.reports import demo, projector
from app.reports.demo_catalog import CATEGORIES
from app.reports.tables import TABLES, ReportCursor

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
TABLE = TABLES["returns"]


def instance(flow_key="returns.rma", **variables) -> FlowInstance:
    """A case with the variables a returns.rma case has (CONTRACT.md)."""
    order = {"customer": {"country": "FR"}, "currency": "EUR",
             "lines": [{"sku": "DR-LIN-38", "quantity": 2, "unit_price": "40.00",
                        "hs_code": "6204.49"}]}
    row = FlowInstance(public_id=secrets.token_hex(16), case_number=f"RMA-{secrets.token_hex(3)}",
                       flow_key=flow_key, flow_version=2, status="running", state={},
                       variables={"order": order, "reason": "size",
                                  "items": [{"sku": "DR-LIN-38", "quantity": 2}], **variables},
                       created_at=T0)
    db.session.add(row)
    db.session.flush()
    return row


def event(inst: FlowInstance, kind: str, node: str | None, data: dict, hours: float,
          event_id: int | None = None) -> InstanceEvent:
    inst.event_seq += 1
    row = InstanceEvent(instance_id=inst.id, seq=inst.event_seq, type=kind, node_id=node,
                        data={"type": kind, "data": data}, at=T0 + timedelta(hours=hours))
    if event_id is not None:
        row.id = event_id
    db.session.add(row)
    db.session.flush()
    return row


def rows() -> dict[str, dict]:
    result = db.session.execute(sa.select(TABLE).where(TABLE.c.instance_id.is_not(None)))
    return {r.public_id: dict(r._mapping) for r in result}


def test_events_become_a_typed_row_and_reruns_change_nothing(app):
    case = instance()
    other = instance(flow_key="some.other.flow")
    event(case, "event", None, {"type": "started"}, 0)
    event(case, "task_decided", "review", {"outcome": "approve"}, 5)
    event(other, "event", None, {"type": "started"}, 0)
    db.session.commit()
    assert projector.update() == 3
    first = rows()
    assert list(first) == [case.public_id]  # other flows feed other projections
    row = first[case.public_id]
    assert (row["country"], row["sku"], row["category"]) == ("FR", "DR-LIN-38", "apparel")
    assert row["value"] == 80.0 and row["units"] == 2 and row["flow_version"] == 2
    assert row["approved_at"] == T0 + timedelta(hours=5) and row["received_at"] is None
    assert row["stage"] == "approved" and row["refund_amount"] is None
    assert projector.update() == 0
    assert rows() == first

    case.variables = {**case.variables, "refund": {"amount": "72.50", "currency": "EUR"},
                      "transit": {"delivered_at": (T0 + timedelta(hours=20)).isoformat()}}
    case.status, case.ended_at = "completed", T0 + timedelta(hours=30)
    event(case, "service_succeeded", "refund", {}, 30)
    db.session.commit()
    assert projector.update() == 1
    row = rows()[case.public_id]
    assert row["received_at"] == T0 + timedelta(hours=20)
    assert row["refund_amount"] == 72.5 and row["refund_eur"] == 72.5
    assert row["cycle_hours"] == 30 and not row["sla_breached"]
    assert (row["status"], row["stage"]) == ("completed", "refunded")


def test_an_id_that_commits_late_is_not_missed(app):
    case = instance()
    first = event(case, "event", None, {"type": "started"}, 0)
    late_id = first.id + 1
    event(case, "task_created", "review", {}, 1, event_id=first.id + 2)
    db.session.commit()
    projector.update()
    cursor = db.session.get(ReportCursor, "returns")
    assert cursor.last_event_id == first.id + 2 and str(late_id) in cursor.gaps
    assert rows()[case.public_id]["label_at"] is None

    # The transaction holding id first+1 commits only now.
    late = InstanceEvent(id=late_id, instance_id=case.id, seq=99, type="service_succeeded",
                         node_id="label", data={"data": {}}, at=T0 + timedelta(hours=3))
    db.session.add(late)
    db.session.commit()
    assert projector.update() == 1
    assert rows()[case.public_id]["label_at"] == T0 + timedelta(hours=3)
    db.session.expire_all()
    assert str(late_id) not in db.session.get(ReportCursor, "returns").gaps


def test_rebuild_recomputes_from_the_log_and_keeps_demo_rows(app):
    demo.generate(30, seed=1)
    case = instance()
    event(case, "event", None, {"type": "started"}, 0)
    event(case, "task_decided", "review", {"outcome": "approve"}, 2)
    db.session.commit()
    projector.update()
    before = rows()
    db.session.execute(TABLE.update().values(country="XX"))  # damage every row
    db.session.commit()
    projector.rebuild()
    after = rows()
    assert {k: {c: v for c, v in r.items() if c != "id"} for k, r in after.items()} == \
        {k: {c: v for c, v in r.items() if c != "id"} for k, r in before.items()}
    demo_left = db.session.execute(
        sa.select(sa.func.count()).select_from(TABLE).where(TABLE.c.instance_id.is_(None))
    ).scalar_one()
    assert demo_left == 30


def test_demo_rows_follow_the_projection_rules(app):
    demo.generate(500, seed=3, batch=128)
    data = db.session.execute(sa.select(TABLE)).mappings().all()
    assert len(data) == 500
    assert len({r["public_id"] for r in data}) == 500
    for r in data:
        assert r["case_number"].startswith("DEMO-")
        assert r["category"] in CATEGORIES  # derived from the line's HS code, as for real cases
        if r["refunded_at"] is not None:
            assert r["status"] == "completed" and r["closed_at"] == r["refunded_at"]
            assert r["cycle_hours"] == (r["closed_at"] - r["created_at"]).total_seconds() / 3600
            assert r["created_at"] < r["approved_at"] < r["refunded_at"]
            assert r["stage"] == "refunded" and r["refund_method"] and r["refund_eur"] > 0
            if not r["returnless"]:
                assert r["label_at"] < r["first_scan_at"] < r["received_at"] < r["refunded_at"]
                assert r["warehouse"] and r["grade"] and r["disposition"] and r["cost"] > 0
        if r["status"] == "waiting":
            assert r["closed_at"] is None and r["cycle_hours"] is None
            assert r["stage"] != "refunded"
    assert {"completed", "rejected", "waiting", "cancelled"} <= {r["status"] for r in data}
    assert any(r["returnless"] for r in data)
    assert any(r["status"] == "completed" and r["refunded_at"] is None  # missing / wrong item
               and r["disposition"] == "investigate" for r in data)
    assert len({r["country"] for r in data}) >= 8
