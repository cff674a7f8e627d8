"""The template's four boards, fed by a real `returns.rma` case.

A customer requests a return in the portal (R1); the projector folds the case's events
into the `returns` projection with the country from the ERP order, the reason and the
SKU, category and value of the returned lines. The bundle's boards (imported with it)
render for a manager while the case waits for the carrier, when the refund measures
are still empty; then the parcel is scanned, graded and refunded, and the same row
carries the transit, grade, disposition and refund, and a click path leads to the case.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.extensions import db
from app.reports import projector
from app.reports.tables import TABLES
from tests.factories import login, make_user
from tests.templates.returns.conftest import (
    SQLITE_ONLY,
    carrier_scan,
    request_return,
    settle,
    the_case,
    warehouse_grades,
)

pytestmark = SQLITE_ONLY
BOARDS = ("returns.operations", "returns.quality", "returns.finance", "returns.sustainability")


def projected(public_id: str) -> dict:
    projector.update()
    table = TABLES["returns"]
    return dict(db.session.execute(sa.select(table).where(table.c.public_id == public_id)
                                   ).mappings().one())


def boards_render(client) -> None:
    for key in BOARDS:
        page = client.get(f"/dashboards/{key}", query_string={"period_from": "2000-01-01"})
        assert page.status_code == 200, key
        assert "This widget cannot be drawn" not in page.get_data(as_text=True), key


def test_a_real_rma_case_reaches_the_projection_and_every_board(returns_app, client):
    _app, staff = returns_app
    response = request_return(client, "SO-DE-10630", "max.mueller@example.de", reason="size")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    settle()
    case = the_case()
    row = projected(case.public_id)
    assert (row["country"], row["reason"], row["sku"]) == ("DE", "size", "TS-BAS-M")
    assert (row["category"], row["units"], row["value"], row["currency"]) == \
        ("apparel", 1, 40.0, "EUR")
    assert (row["warehouse"], row["route"], row["policy_decision"]) == ("EU-BER", "hub",
                                                                       "auto_approve")
    assert row["case_number"] == case.case_number and row["instance_id"] == case.id
    assert row["approved_at"] is not None and row["label_at"] is not None
    assert (row["stage"], row["refund_amount"], row["grade"]) == ("label_issued", None, None)

    manager = client.application.test_client()
    login(manager, staff["agent"])
    assert manager.get("/dashboards/returns.finance").status_code == 403
    login(manager, make_user("manager"))
    boards_render(manager)  # refunds, grades and costs are not there yet: empty, no error

    carrier_scan(client, "in_transit")
    warehouse_grades(client, staff["warehouse_eu"], "A")
    case = the_case()
    assert case.status == "completed", case.variables
    row = projected(case.public_id)
    assert row["first_scan_at"] <= row["received_at"] <= row["refunded_at"]
    assert (row["grade"], row["disposition"], row["stage"]) == ("A", "restock", "refunded")
    assert (row["refund_amount"], row["refund_method"], row["refund_eur"]) == \
        (44.95, "original_payment", 44.95)  # the item and the standard shipping
    assert row["cycle_hours"] is not None and row["sla_breached"] is False
    assert row["recovery_eur"] == 40.0 and row["status"] == "completed"
    boards_render(manager)

    rows = manager.get("/dashboards/returns.operations/widgets/by_country", query_string={
        "period_from": "2000-01-01", "path": ["DE", "size", "TS-BAS-M"]})
    html = rows.get_data(as_text=True)
    assert "1 case" in html and case.case_number in html
    [link] = re.findall(r'href="(/dashboards/cases/[^"]+)"', html)
    assert case.case_number in manager.get(link).get_data(as_text=True)
