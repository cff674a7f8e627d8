"""R10: a blocklisted e-mail cannot start a return; the lookup is refused, nothing is created.

The blocklist is the bundle's `returns.lookup_guard` table, which the portal evaluates on
the found order (`portal.lookup.guard`); adding a row there is all an operations
manager does to block a customer.
"""

from __future__ import annotations

import copy
import json

from app.extensions import db
from app.models import FlowInstance
from app.services import definitions
from tests.app.portal.conftest import hidden_fields
from tests.templates.returns.conftest import BUNDLE, SQLITE_ONLY, look_up

pytestmark = SQLITE_ONLY

ORDER, EMAIL = "SO-FR-10955", "camille.durand@example.fr"


def _block(email: str) -> None:
    doc = json.loads((BUNDLE / "decision_tables/returns.lookup_guard.json").read_text("utf-8"))
    body = copy.deepcopy(doc["body"])
    body["rules"].append({"id": "blocked_camille", "when": {"email": [email]},
                          "then": {"outcome": "refuse"}})
    definitions.save_draft("decision_table", "returns.lookup_guard", doc["title"], body)
    definitions.publish("decision_table", "returns.lookup_guard")
    db.session.commit()


def test_r10_blocklisted_email_is_refused_neutrally_and_nothing_is_created(returns_app, client):
    assert look_up(client, ORDER, EMAIL).status_code == 200, "not blocked before the edit"
    _block(EMAIL)
    refused = look_up(client, ORDER, EMAIL.upper())
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "We cannot start a return for this order online" in html
    assert "block" not in html.lower(), "the message does not say why"
    assert "lookup_proof" not in hidden_fields(html)
    zh = look_up(client, ORDER, EMAIL, locale="zh-CN").get_data(as_text=True)
    assert "无法在线为此订单申请退货" in zh
    assert db.session.scalar(db.select(db.func.count(FlowInstance.id))) == 0


def test_r10_other_customers_are_not_affected(returns_app, client):
    _block(EMAIL)
    assert look_up(client, "SO-DE-10630", "max.mueller@example.de").status_code == 200
