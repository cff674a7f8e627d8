"""A return of more units than were bought, or of a SKU the order never had, is refused on
the form (422, the message on the item row, in the customer's language): no case starts,
so nothing can stop on an incident later. The rows are edited as a browser that bypasses
the page would post them; the portal checks them against the signed lookup proof."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import FlowInstance
from tests.app.sandbox.conftest import served  # noqa: F401 - fixture of returns_app
from tests.templates.returns.conftest import SQLITE_ONLY, request_return
from tests.templates.returns.conftest import returns_app as returns_app  # the fixture

pytestmark = SQLITE_ONLY

ORDER, EMAIL = "SO-DE-10630", "max.mueller@example.de"  # one T-shirt (TS-BAS-M)


def _refused(response, row_field: str, message: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:1000]
    field = re.search(rf'<[^>]*name="{row_field}"[^>]*>', html)
    assert field is not None and 'aria-invalid="true"' in field.group(0), html[:3000]
    row_error = row_field.replace("/", "-")
    assert re.search(rf'id="f-{row_error}-error">[^<]*{re.escape(message)}', html), html[:3000]
    assert db.session.scalars(db.select(FlowInstance)).first() is None


def test_more_units_than_bought_are_refused_on_the_row(returns_app, client):
    response = request_return(client, ORDER, EMAIL, reason="size", **{"items/0/quantity": "9"})
    _refused(response, "items/0/quantity",
             "Your order has 1 of this item: you can send back at most 1.")


def test_a_second_row_of_the_same_item_cannot_add_units(returns_app, client):
    response = request_return(client, ORDER, EMAIL, reason="size", **{
        "items/1/sku": "TS-BAS-M", "items/1/name": "Basic T-shirt, M", "items/1/quantity": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:1000]
    assert "you can send back at most 1" in html


def test_an_item_not_in_the_order_is_refused_in_chinese(returns_app, client):
    response = request_return(client, ORDER, EMAIL, locale="zh-CN", reason="size",
                              **{"items/0/sku": "GOLD-BAR-1KG"})
    _refused(response, "items/0/sku", "此商品不在您的订单中")
