"""The flow designer's variable pickers: the design answer and every lint answer list
the variables the flow knows, with the fields of its published forms and tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.extensions import db
from app.services import definitions
from tests.app.test_designer_api import API, approval_flow, builder_auth  # noqa: F401
from tests.factories import make_user

BUNDLE = Path(__file__).resolve().parents[2] / "seed_templates" / "cross_border_returns"


def _publish(kind: str, path: str) -> None:
    doc = json.loads((BUNDLE / path).read_text(encoding="utf-8"))
    actor = make_user("builder")
    definitions.save_draft(kind, doc["key"], doc["title"], doc["body"], actor)
    definitions.publish(kind, doc["key"], actor=actor)
    db.session.commit()


def _review_flow() -> dict:
    body = approval_flow()
    body["nodes"][0]["config"] = {"trigger": {"type": "form", "form": "returns.review"}}
    body["nodes"][1]["config"].update(form="returns.review", output="review")
    return body


def test_design_context_lists_form_fields_as_variables(client, builder_auth):  # noqa: F811
    _publish("form", "forms/returns.review.json")
    saved = client.put(f"{API}/definitions/flow/returns.approval/draft",
                       json={"title": "Approval", "body": _review_flow()}, headers=builder_auth)
    assert saved.status_code == 200, saved.json
    answer = client.get(f"{API}/builder/flows/returns.approval", headers=builder_auth).json
    variables = {v["path"]: v["source"] for v in answer["context"]["variables"]}
    assert variables["review.data.reject_reason"] == "task form returns.review"
    assert variables["reject_reason"] == "start form returns.review"  # start fields: top level
    assert variables["review.outcome"] == "step review"
    assert variables["case_number"] == "the case number"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # not about the database
def test_lint_warns_on_a_condition_no_form_defines_and_lists_variables(client, builder_auth):  # noqa: F811
    _publish("form", "forms/returns.review.json")
    body = _review_flow()
    del body["nodes"][1]["config"]["outcomes"]  # one outcome: the edge needs none
    body["nodes"].insert(2, {"id": "check", "type": "decision"})
    body["edges"][1:] = [
        {"id": "e2", "from": "review", "to": "check"},
        {"id": "e3", "from": "check", "to": "rejected",
         "condition": {"var": "review.data.reject_reson", "op": "is_not_null"}},
        {"id": "e4", "from": "check", "to": "done", "default": True},
    ]
    answer = client.post(f"{API}/builder/lint", json={"body": body}, headers=builder_auth).json
    assert [(i["severity"], i["pointer"], i["edge_id"]) for i in answer["issues"]] == [
        ("warning", "/edges/2/condition", "e3")
    ]
    assert "'review.data.reject_reson'" in answer["issues"][0]["message"]
    assert "review.data.reject_reason" in {v["path"] for v in answer["variables"]}
    body["edges"][2]["condition"]["var"] = "review.data.reject_reason"
    fixed = client.post(f"{API}/builder/lint", json={"body": body}, headers=builder_auth).json
    assert fixed["issues"] == []
