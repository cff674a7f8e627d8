"""The status page: reached only by its signed link, customer-safe timeline, documents, answers."""

from __future__ import annotations

import io
import secrets

import pytest

from app.extensions import db
from app.flows import service
from app.models import FlowInstance, StoredFile, Submission, Task
from app.portal import links
from tests.app.forms.kit import jpeg_bytes
from tests.app.portal.conftest import hidden_fields, open_form, status_token_of, submit
from tests.factories import make_user


@pytest.fixture
def case(client, contact):
    """A submitted case and its status token."""
    token = status_token_of(submit(client, notes="<script>alert(1)</script>"))
    instance = db.session.scalar(db.select(FlowInstance))
    return instance, token


def _open_task(instance: FlowInstance, node_id: str) -> Task:
    return db.session.scalar(db.select(Task).where(
        Task.instance_id == instance.id, Task.node_id == node_id,
        Task.status.in_(("open", "claimed"))))


def _staff_answers(instance: FlowInstance, node_id: str, outcome: str, teams=("cs_agent",)):
    staff = make_user("staff", teams=teams)
    service.complete_task(_open_task(instance, node_id).id, outcome, {}, staff)
    db.session.commit()


def test_status_page_shows_a_customer_safe_timeline(client, case):
    instance, token = case
    response = client.get(f"/portal/case/{token}")
    assert response.headers["Cache-Control"] == "private, no-store"
    html = response.get_data(as_text=True)
    assert f"Case {instance.case_number}" in html
    assert "Request received" in html
    assert "fraud" not in html.lower(), "internal steps stay internal"
    assert "Our team is working on your case" in html  # no portal text for this step
    assert "<script>alert(1)</script>" not in html

    _staff_answers(instance, "fraud_check", "ok")
    html = client.get(f"/portal/case/{token}").get_data(as_text=True)
    assert "Our warehouse checks your return" in html
    assert "We inspect the parcel within 2 working days." in html
    assert 'aria-current="step"' in html

    _staff_answers(instance, "inspect", "approve", teams=("warehouse_eu",))
    html = client.get(f"/portal/case/{token}").get_data(as_text=True)
    assert "Case completed" in html and "This case is closed." in html


def test_timeline_in_chinese(client, case):
    _, token = case
    html = client.get(f"/portal/case/{token}", headers={"Accept-Language": "zh-CN"})
    text = html.get_data(as_text=True)
    assert "已收到申请" in text and "下一步" in text


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character changed
    lambda t: t.split(".")[0] + ".forged",  # the payload without its signature
    lambda t: links.status_token(secrets.token_urlsafe(16)),  # a validly signed unknown id
    lambda t: "x",
    lambda t: t[:-1] + chr(ord(t[-1]) ^ 1),  # a spare base64 bit: same signature bytes
])
def test_changed_link_tokens_are_404(client, case, mangle):
    _, token = case
    for suffix in ("", "/thanks", "/files/anything"):
        response = client.get(f"/portal/case/{mangle(token)}{suffix}")
        assert response.status_code == 404, suffix
        assert "could not find this page or case" in response.get_data(as_text=True)


def test_a_token_signed_for_another_purpose_is_404(client, app, case):
    from itsdangerous import URLSafeSerializer

    instance, _ = case
    other = URLSafeSerializer(app.config["SECRET_KEY"], salt="something-else").dumps(
        instance.public_id)
    assert client.get(f"/portal/case/{other}").status_code == 404
    plain = client.get(f"/portal/case/{instance.public_id}")
    assert plain.status_code == 404, "the bare id is not a link"


def test_need_more_info_is_answered_from_the_status_page(client, case):
    instance, token = case
    _staff_answers(instance, "fraud_check", "need_info")
    html = client.get(f"/portal/case/{token}").get_data(as_text=True)
    assert "We need more information from you" in html
    assert "Please describe the damage in more detail" in html
    assert "We asked you for more information" in html
    assert "Please answer our question above." in html
    hidden = hidden_fields(html)

    empty = client.post(f"/portal/case/{token}/answer", data={**hidden, "details": ""},
                        content_type="multipart/form-data")
    assert empty.status_code == 422 and 'class="fl-error-summary"' in empty.get_data(as_text=True)

    response = client.post(f"/portal/case/{token}/answer",
                           data={**hidden, "details": "Torn seam, <b>left</b> sleeve"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    instance = db.session.get(FlowInstance, instance.id)
    assert instance.variables["more_info"] == {"details": "Torn seam, <b>left</b> sleeve"}
    assert _open_task(instance, "fraud_check") is not None, "the flow went back to the check"
    assert _open_task(instance, "more_info") is None
    answer = db.session.scalar(db.select(Submission).where(
        Submission.form_key == "portal.more_info"))
    assert answer.instance_id == instance.id and answer.task_id is not None

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your answer arrived" in html and "Thank you, we have your answer." in html
    assert "We need more information from you" not in html

    replay = client.post(f"/portal/case/{token}/answer",
                         data={**hidden, "details": "again"}, content_type="multipart/form-data")
    assert replay.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Submission)) == 2


def test_no_answer_form_when_nothing_is_asked(client, case):
    _, token = case
    page = client.get(f"/portal/case/{token}").get_data(as_text=True)
    assert 'name="task"' not in page
    csrf = open_form(client)["csrf_token"]
    response = client.post(f"/portal/case/{token}/answer",
                           data={"csrf_token": csrf, "client_token": "a" * 20, "task": "x",
                                 "details": "unasked"}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Submission)) == 1


def _submit_with_photo(client) -> str:
    data = {**open_form(client), "order_number": "SO-1001", "email": "ana@example.com",
            "reason": "damaged", "damage": "Torn", "items/0/sku": "A", "items/0/qty": "1",
            "photos": (io.BytesIO(jpeg_bytes()), "torn.jpg")}
    response = client.post("/portal/r/portal.simple", data=data,
                           content_type="multipart/form-data")
    return status_token_of(response)


def test_documents_and_own_uploads_download_only_through_their_case(client, app, contact):
    token = _submit_with_photo(client)
    other_token = _submit_with_photo(client)
    instance = db.session.scalar(db.select(FlowInstance).order_by(FlowInstance.id))
    photo = db.session.scalar(db.select(StoredFile).where(StoredFile.instance_id == instance.id))

    # The flow issues a label for the customer (as a carrier service node would).
    label = _store_pdf(app, instance)
    flow_state_with_label(instance, label.public_id)

    html = client.get(f"/portal/case/{token}").get_data(as_text=True)
    assert "Return label" in html and "torn.jpg" in html
    download = client.get(f"/portal/case/{token}/files/{label.public_id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    own = client.get(f"/portal/case/{token}/files/{photo.public_id}")
    assert own.status_code == 200 and own.data[:2] == b"\xff\xd8"

    # Another customer's link cannot fetch this case's files.
    assert client.get(f"/portal/case/{other_token}/files/{label.public_id}").status_code == 404
    assert client.get(f"/portal/case/{other_token}/files/{photo.public_id}").status_code == 404


def test_staff_uploads_are_not_offered_to_the_customer(client, app, case):
    instance, token = case
    staff_file = _store_pdf(app, instance)
    assert client.get(f"/portal/case/{token}/files/{staff_file.public_id}").status_code == 404
    assert staff_file.original_name not in client.get(f"/portal/case/{token}").get_data(
        as_text=True)


def _store_pdf(app, instance: FlowInstance) -> StoredFile:
    import os

    from app.forms.uploads import file_path

    row = StoredFile(public_id=secrets.token_urlsafe(16), storage_name=secrets.token_hex(16),
                     original_name="label-RMA.pdf", content_type="application/pdf", size=20,
                     sha256="0" * 64, instance_id=instance.id)
    db.session.add(row)
    db.session.flush()
    os.makedirs(os.path.dirname(file_path(row)), exist_ok=True)
    with open(file_path(row), "wb") as fh:
        fh.write(b"%PDF-1.4 label bytes")
    db.session.commit()
    return row


def flow_state_with_label(instance: FlowInstance, file_id: str) -> None:
    """Put the label's id into the case variables, where a service node's output lands."""
    from runtime.flows import InstanceState

    state = InstanceState.from_dict(instance.state)
    variables = {**state.variables, "label_file": {"file": file_id}}
    instance.state = {**instance.state, "variables": variables}
    instance.variables = variables
    db.session.commit()


def test_status_page_survives_a_question_form_nobody_published(client, case):
    from app.models import Definition

    instance, token = case
    _staff_answers(instance, "fraud_check", "need_info")
    row = db.session.scalar(db.select(Definition).where(Definition.key == "portal.more_info"))
    row.status = "archived"  # as if the form were withdrawn while the case waits for it
    db.session.commit()
    response = client.get(f"/portal/case/{token}")
    assert response.status_code == 200
    assert "We need more information from you" not in response.get_data(as_text=True)
