"""The template's four boards, fed by a real `returns.rma` case.

A customer requests a return in the portal; the projector folds the case's events into
the `returns` projection with the country from the ERP order, the reason and the SKU,
category and value of the returned lines. The bundle's boards (imported with it) then
render for a manager with that case in them, including the widgets whose measures the
flow does not produce yet (refunds, grades), and a click path leads to the case.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.extensions import db
from app.reports import projector
from app.reports.tables import TABLES
from tests.factories import login, make_user
from tests.templates.returns.conftest import request_return, settle, the_case

BOARDS = ("returns.operations", "returns.quality", "returns.finance", "returns.sustainability")


def test_a_real_rma_case_reaches_the_projection_and_every_board(returns_app, client):
    _app, staff = returns_app
    response = request_return(client, "SO-DE-10421", "anna.schmidt@example.de", reason="size")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    settle()
    case = the_case()
    projector.update()
    table = TABLES["returns"]
    row = db.session.execute(sa.select(table).where(table.c.public_id == case.public_id)
                             ).mappings().one()
    # Jacket 189.00 x 1 and scarf 49.90 x 2, both returned; the first line names the SKU.
    assert (row["country"], row["reason"], row["sku"]) == ("DE", "size", "JK-2041-M")
    assert (row["category"], row["units"], row["value"]) == ("apparel", 3, 288.8)
    assert (row["currency"], row["value_eur"]) == ("EUR", 288.8)
    assert (row["warehouse"], row["route"], row["policy_decision"]) == ("EU-BER", "hub",
                                                                       "auto_approve")
    assert row["case_number"] == case.case_number and row["instance_id"] == case.id
    assert row["approved_at"] is not None and row["label_at"] is not None
    assert row["stage"] in ("label_issued", "in_transit", "received", "inspected", "refunded")

    login(client, staff["agent"])
    assert client.get("/dashboards/returns.finance").status_code == 403
    login(client, make_user("manager"))
    for key in BOARDS:
        page = client.get(f"/dashboards/{key}", query_string={"period_from": "2000-01-01"})
        assert page.status_code == 200, key
        assert "This widget cannot be drawn" not in page.get_data(as_text=True), key

    rows = client.get("/dashboards/returns.operations/widgets/by_country", query_string={
        "period_from": "2000-01-01", "path": ["DE", "size", "JK-2041-M"]})
    html = rows.get_data(as_text=True)
    assert "1 case" in html and case.case_number in html
    [link] = re.findall(r'href="(/dashboards/cases/[^"]+)"', html)
    assert case.case_number in client.get(link).get_data(as_text=True)
