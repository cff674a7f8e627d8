"""A builder changes a policy rule over the API and publishes it: new requests follow it,
a case already running keeps its flow version and the decision it already got."""

from __future__ import annotations

import copy

from app.extensions import db
from app.models import FlowInstance
from tests.factories import make_api_token, make_user
from tests.templates.returns.conftest import SQLITE_ONLY, request_return, settle

pytestmark = SQLITE_ONLY

API = "/api/v1/definitions/decision_table/returns.policy"


def test_widening_the_us_window_to_60_days_approves_a_day_35_return(returns_app, client):
    running = request_return(client, "SO-DE-10711", "sven.koch@example.de", reason="size")
    assert running.status_code == 302
    settle()
    [first] = db.session.scalars(db.select(FlowInstance)).all()
    assert first.status == "waiting" and first.flow_version == 1

    auth = {"Authorization": f"Bearer {make_api_token(make_user('builder'))}"}
    current = client.get(API, headers=auth)
    assert current.status_code == 200, current.get_data(as_text=True)[:500]
    version = current.json["published_version"]
    body = copy.deepcopy(client.get(f"{API}/versions/{version}", headers=auth).json["body"])
    [row] = [r for r in body["rules"] if r["id"] == "window_elsewhere"]
    row["when"]["delivered"]["value"] = "P60D"
    saved = client.put(f"{API}/draft", json={"title": "Return policy", "body": body},
                       headers=auth)
    assert saved.status_code in (200, 201), saved.get_data(as_text=True)[:800]
    published = client.post(f"{API}/publish", headers=auth)
    assert published.status_code == 200, published.get_data(as_text=True)[:800]
    assert published.json["version"] == version + 1

    other = client.application.test_client()
    response = request_return(other, "SO-US-30777", "jake.miller@example.com", reason="size")
    assert response.status_code == 302
    settle()
    second = db.session.scalars(db.select(FlowInstance).where(
        FlowInstance.id != first.id)).one()
    assert second.status == "waiting"  # approved, waiting for the parcel
    assert second.variables["policy"]["decision"] == "auto_approve"
    db.session.refresh(first)
    assert (first.status, first.flow_version) == ("waiting", 1)
    assert first.variables["policy"]["decision"] == "manual_review"
