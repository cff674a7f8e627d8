"""POST /hooks/<connector>/<webhook>: signature, replay, dedupe, correlation (DESIGN §8)."""

from __future__ import annotations

import logging
import time

from app.extensions import db
from app.models import FlowInstance
from app.models.platform import WebhookDelivery
from tests.app.hooks.conftest import (
    URL,
    WEBHOOK_SECRET,
    event,
    post,
    settle,
    start_waiting,
)


def deliveries() -> list[WebhookDelivery]:
    return list(db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_a_signed_delivery_advances_the_waiting_case(client, carrier):
    instance = start_waiting()
    assert instance.status == "waiting"
    answer = post(client, event())
    assert answer.status_code == 202, answer.json
    assert answer.json["status"] == "accepted"
    settle()
    case = db.session.get(FlowInstance, instance.id)
    assert case.status == "completed"
    assert case.variables["tracking"] == {"status": "delivered", "tracking_number": "1Z999"}
    [row] = deliveries()
    assert (row.status, row.instances, row.event_id) == ("delivered", [instance.public_id],
                                                         "evt_1")
    assert row.correlation == "RMA-000123" and row.attempts == 1


def test_the_same_event_twice_is_processed_once(client, carrier):
    start_waiting()
    start_waiting(rma="RMA-000124")
    assert post(client, event()).status_code == 202
    settle()
    again = post(client, event(status="lost"))  # same id, even with other content
    assert again.status_code == 200
    assert again.json["status"] == "duplicate"
    settle()
    [row] = deliveries()
    assert row.status == "delivered" and row.data["status"] == "delivered"


def test_a_delivery_nobody_waits_for_is_kept_as_unmatched(client, carrier):
    assert post(client, event(rma="RMA-404")).status_code == 202
    settle()
    [row] = deliveries()
    assert row.status == "unmatched"
    assert row.payload["data"]["rma_number"] == "RMA-404"
    assert "RMA-404" in row.error


def test_an_unmatched_delivery_can_be_delivered_again_once_the_case_waits(client, carrier):
    from app.hooks.process import deliver_again

    post(client, event(rma="RMA-9"))
    settle()
    instance = start_waiting(rma="RMA-9")
    [row] = deliveries()
    deliver_again(row.id)
    db.session.commit()
    settle()
    assert db.session.get(FlowInstance, instance.id).status == "completed"
    assert deliveries()[0].status == "delivered"


def test_a_delivery_without_correlation_is_kept_unmatched(client, carrier):
    body = b'{"id": "evt_9", "data": {"status": "x"}}'
    assert post(client, body).status_code == 202
    settle()
    [row] = deliveries()
    assert row.status == "unmatched" and row.correlation is None


def test_missing_signature_is_refused_and_recorded(client, carrier):
    body = event()
    answer = client.post(URL, data=body, headers={"X-Timestamp": str(int(time.time()))})
    assert answer.status_code == 401
    assert answer.json["status"] == "refused"
    [row] = deliveries()
    assert (row.status, row.reason, row.payload, row.event_id) == (
        "refused", "missing_signature", None, None)


def test_a_bad_signature_and_a_wrong_secret_are_refused(client, carrier):
    start_waiting()
    assert post(client, event(), headers={"X-Signature": "ab" * 32}).status_code == 401
    assert post(client, event(), secret="not-the-secret").status_code == 401
    settle()
    assert [r.reason for r in deliveries()] == ["bad_signature", "bad_signature"]
    assert db.session.scalar(db.select(FlowInstance.status)) == "waiting"


def test_a_stale_timestamp_is_refused_as_a_replay(client, carrier):
    answer = post(client, event(), now=time.time() - 3600)
    assert answer.status_code == 401
    assert "replayed" in answer.json["message"]
    assert deliveries()[0].reason == "stale_timestamp"


def test_unknown_connector_and_webhook_are_404_and_recorded(client, carrier):
    assert post(client, event(), url="/hooks/nope/tracking").status_code == 404
    assert post(client, event(), url="/hooks/carrier.demo/nope").status_code == 404
    assert [r.reason for r in deliveries()] == ["unknown_connector", "unknown_webhook"]


def test_no_signing_secret_set_is_503(client, carrier):
    from app.services import credentials

    credentials.base_url_changed("carrier.demo", "https://elsewhere.example.com")
    db.session.commit()
    answer = post(client, event())
    assert answer.status_code == 503
    assert deliveries()[0].reason == "not_configured"


def test_not_json_and_no_event_id_are_400(client, carrier):
    assert post(client, b"hello").status_code == 400
    assert post(client, b'{"data": {}}').status_code == 400
    assert [r.reason for r in deliveries()] == ["bad_body", "missing_event_id"]


def test_oversized_bodies_are_413(client, carrier):
    carrier.config["WEBHOOK_MAX_BODY_BYTES"] = 100
    assert post(client, event(pad="x" * 200)).status_code == 413


def test_no_csrf_token_or_session_is_needed_and_no_cookie_is_set(client, carrier):
    answer = post(client, event())
    assert answer.status_code == 202
    assert "Set-Cookie" not in answer.headers


def test_get_does_nothing(client, carrier):
    assert client.get(URL).status_code in (302, 401, 405)
    assert deliveries() == []


def test_refused_rows_are_bounded(app, client, carrier):
    from app.hooks.receive import prune_refused

    for _ in range(5):
        post(client, event(), secret="wrong")
    assert prune_refused(max_rows=2) == 3
    db.session.commit()
    assert len(deliveries()) == 2


def test_the_secret_and_body_never_reach_logs_or_job_arguments(client, carrier, caplog):
    from app.jobs import get_dispatcher

    start_waiting()
    submitted = []
    backend = get_dispatcher().backend
    original = backend.submit

    def spy(request):
        submitted.append(request)
        return original(request)

    backend.submit = spy
    caplog.set_level(logging.DEBUG)
    post(client, event())
    post(client, event("evt_2"), secret="wrong")
    settle()
    backend.submit = original
    assert [(r.name, list(r.args)) for r in submitted] == [
        ("webhooks.process", [deliveries()[0].id])]
    text = caplog.text
    assert WEBHOOK_SECRET not in text and "RMA-000123" not in text and "1Z999" not in text
    assert "webhook refused" in text and "bad_signature" in text


def test_a_delivery_whose_job_was_lost_is_handed_over_again_by_the_sweeper(client, carrier):
    from app.hooks.process import sweep_received
    from app.jobs import get_dispatcher

    instance = start_waiting()
    backend = get_dispatcher().backend
    original, backend.submit = backend.submit, lambda request: None  # the queue loses it
    try:
        post(client, event())
    finally:
        backend.submit = original
    settle()
    assert deliveries()[0].status == "received"
    assert sweep_received(older_than_seconds=3600) == []  # not yet overdue
    assert sweep_received(older_than_seconds=0) == [deliveries()[0].id]
    settle()
    assert deliveries()[0].status == "delivered"
    assert db.session.get(FlowInstance, instance.id).status == "completed"


def test_formloom_flows_sweep_hands_over_lost_deliveries(client, carrier, runner):
    from app.jobs import get_dispatcher

    start_waiting()
    backend = get_dispatcher().backend
    original, backend.submit = backend.submit, lambda request: None
    try:
        post(client, event())
    finally:
        backend.submit = original
    result = runner.invoke(args=["flows", "sweep", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    assert "1 webhook delivery(ies)" in result.output
    settle()
    assert deliveries()[0].status == "delivered"


def test_old_delivered_rows_are_pruned_and_unmatched_ones_kept(client, carrier):
    from datetime import timedelta

    from app.hooks.receive import prune_delivered
    from app.models import utcnow

    start_waiting()
    post(client, event())
    post(client, event("evt_2", rma="RMA-404"))
    settle()
    assert prune_delivered(keep_days=90) == 0
    old = utcnow() - timedelta(days=91)
    db.session.execute(db.update(WebhookDelivery).values(received_at=old))
    assert prune_delivered(keep_days=90) == 1
    db.session.commit()
    assert [r.status for r in deliveries()] == ["unmatched"]


def test_anonymous_callers_learn_neither_connector_keys_nor_credential_names(client, carrier):
    from app.services import credentials

    unknown_connector = post(client, event(), url="/hooks/nope/tracking").json
    unknown_webhook = post(client, event(), url="/hooks/carrier.demo/nope").json
    assert unknown_connector == unknown_webhook == {"status": "refused",
                                                    "message": "there is no such webhook"}
    credentials.base_url_changed("carrier.demo", "https://elsewhere.example.com")
    db.session.commit()
    assert "webhook_secret" not in post(client, event()).get_data(as_text=True)
    assert "webhook_secret" in deliveries()[-1].error  # the admin sees why
