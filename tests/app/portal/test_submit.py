"""A customer's request: one transaction makes the submission, the case and the e-mail."""

from __future__ import annotations

import email
import io
from email import policy
from pathlib import Path

from app.extensions import db
from app.jobs import get_dispatcher
from app.models import FlowInstance, MailMessage, StoredFile, Submission, Task
from tests.app.forms.kit import jpeg_bytes
from tests.app.portal.conftest import hidden_fields, open_form, status_token_of, submit


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_submit_starts_one_case_and_shows_its_number(client, contact):
    response = submit(client)
    assert response.status_code == 302
    token = status_token_of(response)

    [instance] = db.session.scalars(db.select(FlowInstance)).all()
    assert instance.flow_key == "portal.simple" and instance.case_number.startswith("RMA-")
    assert instance.variables["order_number"] == "SO-1001"
    assert instance.variables["items"] == [{"sku": "TSHIRT-M", "qty": 1}]
    [submission] = db.session.scalars(db.select(Submission)).all()
    assert submission.instance_id == instance.id and submission.form_key == "portal.return_request"
    task = db.session.scalar(db.select(Task).where(Task.instance_id == instance.id))
    assert task.node_id == "fraud_check"  # the flow really moved on

    thanks = client.get(f"/portal/case/{token}/thanks").get_data(as_text=True)
    assert instance.case_number in thanks
    assert "ana@example.com" in thanks and f"/portal/case/{token}" in thanks


def test_replayed_post_with_the_same_client_token_is_one_case(client, contact):
    hidden = open_form(client)
    first = submit(client, hidden=hidden)
    second = submit(client, hidden=hidden, notes="clicked twice")
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(FlowInstance) == 1 and _count(Submission) == 1
    assert _count(MailMessage) == 1, "the replay sends no second e-mail"


def test_each_rendering_of_the_form_is_a_new_request(client, contact):
    submit(client)
    submit(client)
    assert _count(FlowInstance) == 2


def test_missing_or_malformed_client_token_is_refused(client, contact):
    hidden = open_form(client)
    for token in ("", "short", "x" * 49, "bad token with spaces!!"):
        response = submit(client, hidden={**hidden, "client_token": token})
        assert response.status_code == 400
        assert "reload the page" in response.get_data(as_text=True)
    assert _count(FlowInstance) == 0


def test_errors_re_render_with_what_the_customer_typed(client, contact):
    hidden = open_form(client)
    response = submit(client, hidden=hidden, reason="damaged", damage="",
                      notes="Please call me <b>after 6pm</b>", email="not-an-email")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="fl-error-summary"' in html
    assert "Please call me &lt;b&gt;after 6pm&lt;/b&gt;" in html  # kept, and escaped
    assert 'value="SO-1001"' in html and 'value="not-an-email"' in html
    assert "files you chose must be chosen again" in html
    assert hidden_fields(html)["client_token"] == hidden["client_token"]
    assert _count(FlowInstance) == 0 and _count(Submission) == 0 and _count(StoredFile) == 0


def test_conditional_field_and_photo_are_stored_with_the_case(client, contact):
    hidden = open_form(client)
    data = {**hidden, "order_number": "SO-1001", "email": "ana@example.com", "reason": "damaged",
            "damage": "The sleeve is torn", "items/0/sku": "TSHIRT-M", "items/0/qty": "1",
            "photos": (io.BytesIO(jpeg_bytes()), "torn.jpg")}
    response = client.post("/portal/r/portal.simple", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    instance = db.session.scalar(db.select(FlowInstance))
    [photo] = db.session.scalars(db.select(StoredFile)).all()
    assert photo.instance_id == instance.id and photo.submission_id is not None
    assert instance.variables["damage"] == "The sleeve is torn"
    assert instance.variables["photos"][0]["file"] == photo.public_id


def test_hidden_conditional_field_is_dropped(client, contact):
    submit(client, reason="size", damage="sneaked in")
    instance = db.session.scalar(db.select(FlowInstance))
    assert "damage" not in instance.variables


def test_status_mail_links_to_the_configured_host_not_the_request_host(client, app, contact):
    app.config["PUBLIC_BASE_URL"] = "https://returns.shop.example"
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    response = client.post(
        "/portal/r/portal.simple", content_type="multipart/form-data",
        data={**open_form(client, **forged), "order_number": "SO-1001",
              "email": "ana@example.com", "reason": "size", "items/0/sku": "A",
              "items/0/qty": "1"},
        headers=forged,
    )
    token = status_token_of(response)
    assert get_dispatcher().wait_idle(5)
    [path] = list((Path(app.instance_path) / "mail").glob("*.eml"))
    sent = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    body = sent.get_body(("plain",)).get_content()
    case = db.session.scalar(db.select(FlowInstance.case_number))
    assert sent["To"] == "ana@example.com" and case in sent["Subject"]
    assert f"https://returns.shop.example/portal/case/{token}" in body
    assert "evil.example" not in body


def test_mail_is_in_the_customers_language(client, app, contact):
    client.get("/portal/language/zh-CN")
    submit(client)
    message = db.session.scalar(db.select(MailMessage))
    assert message.subject.startswith("您的申请") and "案件编号" in message.text


def test_submit_is_rate_limited_per_ip(client, contact):
    from app.portal.views import SUBMIT_PER_IP

    for _ in range(SUBMIT_PER_IP.hits):
        assert submit(client).status_code == 302
    response = submit(client)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "Too many attempts" in response.get_data(as_text=True)
    assert _count(FlowInstance) == SUBMIT_PER_IP.hits


def test_too_large_upload_gets_a_clear_page(client, app, contact):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    hidden = open_form(client, **{"Accept-Language": "zh-CN"})
    response = client.post(
        "/portal/r/portal.simple", content_type="multipart/form-data",
        data={**hidden, "order_number": "SO-1", "photos": (io.BytesIO(b"x" * 5000), "big.jpg")},
        headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 413
    assert "文件过大" in response.get_data(as_text=True)
    assert _count(FlowInstance) == 0


def test_post_without_csrf_token_is_refused(client, contact):
    hidden = open_form(client)
    del hidden["csrf_token"]
    assert submit(client, hidden=hidden).status_code == 400
    assert _count(FlowInstance) == 0


def test_unknown_or_unoffered_flows_are_404(client, contact):
    from tests.app.portal.conftest import publish

    publish("flow", "internal.only", "Internal", {
        "nodes": [{"id": "start", "type": "start",
                   "config": {"trigger": {"type": "form", "form": "portal.return_request"}}},
                  {"id": "end", "type": "end"}],
        "edges": [{"from": "start", "to": "end"}]})
    assert client.get("/portal/r/internal.only").status_code == 404
    assert client.get("/portal/r/nope").status_code == 404
    assert "internal.only" not in client.get("/portal/").get_data(as_text=True)
