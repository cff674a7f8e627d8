"""A webhook message starts the flows whose start node it triggers, once per event."""

from __future__ import annotations

from app.extensions import db
from app.hooks.starts import flows_triggered_by, start_flows
from app.models import FlowInstance
from app.models.platform import WebhookDelivery
from app.services import definitions
from tests.app.hooks.conftest import event, post, settle

STARTED_BY_TRACKING = {
    "nodes": [
        {"id": "start", "type": "start",
         "config": {"trigger": {"type": "webhook", "message": "carrier_tracking"}}},
        {"id": "check", "type": "user_task", "config": {
            "title": "Check the parcel", "assignee": {"role": "warehouse"}}},
        {"id": "done", "type": "end"},
    ],
    "edges": [{"from": "start", "to": "check"}, {"from": "check", "to": "done"}],
}


def publish_started_flow() -> None:
    definitions.save_draft("flow", "parcel.check", "Parcel check", STARTED_BY_TRACKING)
    definitions.publish("flow", "parcel.check")
    db.session.commit()


def started_cases() -> list[FlowInstance]:
    return list(db.session.scalars(
        db.select(FlowInstance).where(FlowInstance.flow_key == "parcel.check")))


def test_only_flows_with_that_webhook_trigger_are_found(carrier):
    publish_started_flow()
    assert flows_triggered_by("carrier_tracking") == ["parcel.check"]
    assert flows_triggered_by("wms_receipt") == []


def test_a_delivery_starts_the_triggered_flow_with_its_data(client, carrier):
    publish_started_flow()
    assert post(client, event(rma="RMA-NEW")).status_code == 202
    settle()
    [case] = started_cases()
    assert case.variables == {"status": "delivered", "tracking_number": "1Z999"}
    [row] = db.session.scalars(db.select(WebhookDelivery))
    assert (row.status, row.instances) == ("delivered", [case.public_id])


def test_one_event_starts_one_case_even_when_processed_twice(carrier):
    publish_started_flow()
    first = start_flows("carrier_tracking", "carrier.demo", "evt_1", {"status": "x"})
    again = start_flows("carrier_tracking", "carrier.demo", "evt_1", {"status": "x"})
    other = start_flows("carrier_tracking", "carrier.demo", "evt_2", {"status": "x"})
    db.session.commit()
    assert first == again and first != other
    assert len(started_cases()) == 2
