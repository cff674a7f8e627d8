"""Downloads reach only people allowed to see the case; the preview stores nothing."""

from __future__ import annotations

import io
import secrets

import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.forms import accept_submission, load_form, may_download, save_submission
from app.models import FlowInstance, StoredFile, Submission, Task
from tests.app.forms.kit import files, jpeg_bytes, publish_form, upload, valid_fields
from tests.factories import csrf_token, login, make_user


def _case_with_photo(app, uploader=None):
    publish_form()
    form = load_form("test.every")
    instance = FlowInstance(
        public_id=secrets.token_urlsafe(12),
        flow_key="test.flow",
        flow_version=1,
        status="running",
        state={},
        variables={},
    )
    db.session.add(instance)
    db.session.flush()
    task = Task(
        key=f"{instance.id}:review:1",
        instance_id=instance.id,
        node_id="review",
        title="Review",
        team_key="warehouse_eu",
    )
    db.session.add(task)
    with app.test_request_context():
        result = accept_submission(
            form,
            valid_fields(reason="damaged"),
            files(photos=[upload(jpeg_bytes(), "damage.jpg")]),
            locale="en",
            uploaded_by=uploader,
        )
        save_submission(form, result, locale="en", client_token=None, instance=instance)
    db.session.commit()
    return instance, result.files[0].public_id


def test_staff_of_the_cases_team_downloads_as_attachment(app, client):
    _instance, file_id = _case_with_photo(app)
    login(client, make_user("staff", teams=("warehouse_eu",)))
    response = client.get(f"/files/{file_id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "damage.jpg" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "image/jpeg"
    assert response.data.startswith(b"\xff\xd8\xff")


@pytest.mark.parametrize("who", ["anonymous", "other team", "customer"])
def test_others_get_404_like_a_missing_file(app, client, who):
    _, file_id = _case_with_photo(app)
    if who == "other team":
        login(client, make_user("staff", teams=("finance",)))
    elif who == "customer":
        login(client, make_user("customer"))
    assert client.get(f"/files/{file_id}").status_code == 404
    assert client.get("/files/not-a-file").status_code == 404


def test_admin_and_status_link_holder_may_download(app):
    instance, file_id = _case_with_photo(app)
    stored = db.session.scalar(db.select(StoredFile).where(StoredFile.public_id == file_id))
    admin = make_user("admin")
    assert may_download(stored, admin)
    assert may_download(stored, None, portal_case_public_id=instance.public_id)
    assert not may_download(stored, None, portal_case_public_id="someone-else")
    assert not may_download(stored, None)


def test_preview_validates_without_storing(app, client):
    publish_form()
    login(client, make_user("builder"))
    page = client.get("/builder/forms/test.every/preview?locale=zh-CN")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "退货原因" in html and "js/forms.js" in html
    token = csrf_token(client, "/builder/forms/test.every/preview")
    body = MultiDict(valid_fields(reason="damaged"))
    body.add("csrf_token", token)
    body.add("photos", (io.BytesIO(jpeg_bytes()), "a.jpg"))
    response = client.post(
        "/builder/forms/test.every/preview?locale=en",
        data=body,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert "The test submission is valid" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Submission)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == 0
    bad = client.post(
        "/builder/forms/test.every/preview?locale=zh-CN",
        data={"csrf_token": token, "name": "<script>x</script>"},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "请更正以下问题" in text and "此项为必填项。" in text
    assert "<script>x</script>" not in text and "&lt;script&gt;x&lt;/script&gt;" in text


def test_preview_needs_a_builder_and_csrf(app, client):
    publish_form()
    assert client.get("/builder/forms/test.every/preview").status_code in (302, 401)
    login(client, make_user("staff"))
    assert client.get("/builder/forms/test.every/preview").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox/")})
    login(client, make_user("builder"))
    assert client.post("/builder/forms/test.every/preview", data={}).status_code in (400, 403)
