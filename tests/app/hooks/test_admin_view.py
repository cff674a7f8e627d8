"""Webhook deliveries on the connector's admin page: status, kept unmatched, deliver again."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import FlowInstance
from tests.app.hooks.conftest import WEBHOOK_SECRET, event, post, settle, start_waiting
from tests.factories import csrf_token, login, make_user


def test_unmatched_and_refused_deliveries_are_visible_and_can_be_delivered_again(
    client, carrier
):
    post(client, event(rma="RMA-LATE"))
    post(client, event("evt_bad"), secret="wrong")
    settle()
    login(client, make_user("admin"))
    html = client.get("/admin/connectors/carrier.demo").get_data(as_text=True)
    assert "unmatched" in html and "RMA-LATE" in html
    assert "refused" in html and "bad_signature" in html
    assert WEBHOOK_SECRET not in html
    assert "Carrier &lt;b&gt;demo&lt;/b&gt;" in html
    instance = start_waiting(rma="RMA-LATE")
    action = re.search(r'action="(/admin/connectors/carrier\.demo/deliveries/\d+/again)"', html)
    token = csrf_token(client, "/admin/connectors/carrier.demo")
    assert client.post(action.group(1), data={"csrf_token": token}).status_code == 302
    settle()
    assert db.session.get(FlowInstance, instance.id).status == "completed"
    html = client.get("/admin/connectors/carrier.demo").get_data(as_text=True)
    assert "delivered to 1 case(s)" in html


def test_a_builder_cannot_deliver_again(client, carrier):
    post(client, event(rma="RMA-LATE"))
    settle()
    login(client, make_user("builder"))
    html = client.get("/admin/connectors/carrier.demo").get_data(as_text=True)
    assert "Deliver again" not in html
    token = csrf_token(client, "/admin/connectors/carrier.demo")
    answer = client.post("/admin/connectors/carrier.demo/deliveries/1/again",
                         data={"csrf_token": token})
    assert answer.status_code == 403


def test_a_failing_processing_job_becomes_an_incident_on_the_connector_page(
    client, carrier, monkeypatch
):
    from app.flows import service

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    start_waiting()
    monkeypatch.setattr(service, "send_message", broken)
    post(client, event())
    settle()
    login(client, make_user("admin"))
    html = client.get("/admin/connectors/carrier.demo").get_data(as_text=True)
    assert "job webhooks.process failed" in html and "database hiccup" in html
    assert "received" in html  # rolled back: still waiting to be processed
    monkeypatch.undo()
    retry = re.search(r"/admin/incidents/(\d+)/retry", html).group(0)
    token = csrf_token(client, "/admin/connectors/carrier.demo")
    assert client.post(retry, data={"csrf_token": token}).status_code == 302
    settle()
    html = client.get("/admin/connectors/carrier.demo").get_data(as_text=True)
    assert "No open incidents for this connector" in html
    assert "delivered to 1 case(s)" in html
