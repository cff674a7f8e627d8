"""`returns.routing`: an approved return goes to its region's hub, reviewed or defective
ones to the regional return centre, anything else to the home warehouse in China."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Task
from tests.factories import csrf_token, login
from tests.templates.returns.conftest import SQLITE_ONLY, request_return, settle, the_case

pytestmark = SQLITE_ONLY


@pytest.mark.parametrize(("order", "email", "expected"), [
    ("SO-DE-10630", "max.mueller@example.de", ("EU-BER", "warehouse_eu", "hub")),
    ("SO-US-30412", "marcus.lee@example.com", ("US-SEA", "warehouse_us", "hub")),
    ("SO-AU-40096", "chloe.nguyen@example.com.au", ("AU-SYD", "warehouse_au", "hub")),
    ("SO-CN-50233", "li.wei@example.cn", ("CN-SHA", "warehouse_cn", "home")),
])
def test_auto_approved_returns_go_to_their_regions_hub(returns_app, client, order, email,
                                                       expected):
    response = request_return(client, order, email, reason="size")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    settle()
    case = the_case()
    assert case.status == "waiting", case.variables.get("policy")  # label out, parcel awaited
    routing = case.variables["routing"]
    assert (routing["warehouse"], routing["team"], routing["route"]) == expected


def test_a_reviewed_return_goes_to_the_regional_return_centre(returns_app, client):
    _app, staff = returns_app
    request_return(client, "SO-DE-10711", "sven.koch@example.de", reason="size")
    settle()
    [task] = db.session.scalars(db.select(Task)).all()
    staff_client = client.application.test_client()
    login(staff_client, staff["agent"])
    page = f"/inbox/tasks/{task.id}"
    done = staff_client.post(f"{page}/complete", data={
        "csrf_token": csrf_token(staff_client, page), "outcome": "approve"})
    assert done.status_code == 302
    settle()
    case = the_case()
    assert case.status == "waiting"
    assert case.variables["routing"] == {"warehouse": "EU-BER", "team": "warehouse_eu",
                                         "route": "return_centre"}
