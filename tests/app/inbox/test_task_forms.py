"""A task with a form: rendered on its page, validated before the answer counts."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import FlowInstance, Submission, Task
from app.services import definitions
from tests.app.inbox.conftest import publish, start_case
from tests.factories import csrf_token, login, make_user

GRADING_FORM = {
    "schema": {"type": "object", "required": ["condition"], "properties": {
        "condition": {"type": "string", "enum": ["as_new", "used", "damaged"]},
        "note": {"type": "string", "maxLength": 500}}},
    "ui": {"sections": [{"id": "grade", "title": "Grading", "fields": ["condition", "note"]}],
           "widgets": {"condition": {"type": "radio"}, "note": {"type": "textarea"}}},
    "i18n": {"en": {"condition.label": "Condition of the item",
                    "condition.option.as_new": "As new", "condition.option.used": "Used",
                    "condition.option.damaged": "Damaged", "note.label": "Note"},
             "zh-CN": {"condition.label": "商品状况", "condition.option.as_new": "全新",
                       "condition.option.used": "已使用", "condition.option.damaged": "损坏",
                       "note.label": "备注"}},
}

GRADED = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "grade", "type": "user_task", "config": {
            "title": "Grade the returned item", "outcomes": ["approve", "reject"],
            "form": "returns.grading", "assignee": {"role": "warehouse_eu"}}},
        {"id": "done", "type": "end"},
    ],
    "edges": [{"from": "start", "to": "grade"},
              {"from": "grade", "to": "done", "outcome": "approve"},
              {"from": "grade", "to": "done", "outcome": "reject"}],
}


@pytest.fixture
def graded(flows):
    definitions.save_draft("form", "returns.grading", "Grading", GRADING_FORM)
    definitions.publish("form", "returns.grading")
    publish("returns.graded", GRADED)
    return "returns.graded"


def test_the_task_page_shows_the_form_and_refuses_an_incomplete_answer(client, graded):
    keeper = make_user("staff", teams=("warehouse_eu",))
    task = start_case(graded, rma="RMA-1")
    login(client, keeper)
    page = f"/inbox/tasks/{task.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Condition of the item" in html and "js/forms.js" in html
    missing = client.post(f"{page}/complete", data={"csrf_token": csrf_token(client, page),
                                                    "outcome": "approve", "note": "kept"})
    assert missing.status_code == 422
    text = missing.get_data(as_text=True)
    assert "Check the form" in text and "kept" in text  # what was typed is kept
    assert db.session.get(Task, task.id).status == "open"

    done = client.post(f"{page}/complete", data={"csrf_token": csrf_token(client, page),
                                                 "outcome": "approve", "condition": "used",
                                                 "note": "box dented"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, task.id).outcome == "approve"
    submission = db.session.scalar(db.select(Submission).where(Submission.task_id == task.id))
    assert submission.data["condition"] == "used" and submission.form_key == "returns.grading"
    assert db.session.get(FlowInstance, task.instance_id).status == "completed"


def test_bulk_approval_cannot_skip_a_required_form(client, graded):
    keeper = make_user("staff", teams=("warehouse_eu", "cs_agent"))
    plain = start_case(rma="RMA-2")  # returns.review: no form
    form_task = start_case(graded, rma="RMA-3")
    login(client, keeper)
    html = client.post("/inbox/bulk", data={
        "csrf_token": csrf_token(client, "/inbox/"), "action": "approve", "confirm": "yes",
        "task_id": [str(form_task.id), str(plain.id)]}).get_data(as_text=True)
    assert "1 done, 1 not done" in html
    assert "The task&#39;s form is not complete" in html
    assert db.session.get(Task, form_task.id).status == "open"
    assert db.session.get(Task, plain.id).outcome == "approve"
