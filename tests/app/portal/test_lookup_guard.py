"""A lookup guard: a decision table on the found order may refuse the request (R10)."""

from __future__ import annotations

from app.extensions import db
from app.models import FlowInstance
from tests.app.portal.conftest import hidden_fields, publish, returns_flow

GUARD = {
    "hit_policy": "first",
    "inputs": [{"id": "email", "var": "email", "type": "string"},
               {"id": "country", "var": "order.country", "type": "string"}],
    "outputs": [{"id": "outcome", "type": "string", "values": ["allow", "refuse"]}],
    "rules": [{"id": "blocklist", "when": {"email": ["ana@example.com"]},
               "then": {"outcome": "refuse"}}],
    "default": {"outcome": "allow"},
}


def _guarded_flow(guard: str = "portal.guard") -> dict:
    flow = returns_flow(lookup=True)
    flow["portal"]["lookup"]["guard"] = guard
    return flow


def _lookup(client, number, email, **headers):
    page = client.get("/portal/r/portal.returns", headers=headers)
    csrf = hidden_fields(page.get_data(as_text=True))["csrf_token"]
    return client.post("/portal/r/portal.returns/lookup", headers=headers,
                       data={"csrf_token": csrf, "order_number": number, "email": email})


def test_a_blocklisted_email_is_refused_neutrally_and_nothing_is_created(
        client, request_forms, erp):
    publish("decision_table", "portal.guard", "Lookup guard", GUARD)
    publish("flow", "portal.returns", "Returns", _guarded_flow())
    response = _lookup(client, "SO-1001", "Ana@Example.com ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "cannot start a return for this order online" in html
    assert "blocklist" not in html.lower() and "lookup_proof" not in hidden_fields(html)
    assert 'name="items/0/sku"' not in html, "the form is not shown"
    assert db.session.scalar(db.select(db.func.count(FlowInstance.id))) == 0
    zh = _lookup(client, "SO-1001", "ana@example.com", **{"Accept-Language": "zh-CN"})
    assert "无法在线为此订单申请退货" in zh.get_data(as_text=True)


def test_a_customer_the_guard_allows_gets_the_prefilled_form(client, request_forms, erp):
    publish("decision_table", "portal.guard", "Lookup guard", GUARD)
    publish("flow", "portal.returns", "Returns", _guarded_flow())
    response = _lookup(client, "SO-2002", "bo@example.cn")
    assert response.status_code == 200
    assert "lookup_proof" in hidden_fields(response.get_data(as_text=True))


def test_a_guard_that_cannot_decide_fails_closed(client, request_forms, erp):
    publish("flow", "portal.returns", "Returns", _guarded_flow("portal.no_such_table"))
    response = _lookup(client, "SO-2002", "bo@example.cn")
    assert response.status_code == 422
    assert "cannot start a return" in response.get_data(as_text=True)
