"""Order lookup by number + e-mail through a connector action; it prefills the request form."""

from __future__ import annotations

from app.extensions import db
from app.models import FlowInstance
from tests.app.portal.conftest import hidden_fields, request_fields


def _lookup(client, number="SO-1001", email="ana@example.com", **headers):
    page = client.get("/portal/r/portal.returns", headers=headers)
    assert page.status_code == 200
    csrf = hidden_fields(page.get_data(as_text=True))["csrf_token"]
    return client.post("/portal/r/portal.returns/lookup",
                       data={"csrf_token": csrf, "order_number": number, "email": email},
                       headers=headers)


def test_the_flow_starts_with_the_lookup_page(client, returns):
    html = client.get("/portal/r/portal.returns").get_data(as_text=True)
    assert "Find your order" in html and 'name="order_number"' in html


def test_found_order_prefills_the_form_with_its_lines(client, returns, erp):
    response = _lookup(client, email="ANA@example.com ")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "We found order SO-1001." in html
    assert 'name="order_number" aria-required="true" value="SO-1001"' in html
    assert 'name="items/0/sku" aria-required="true" value="TSHIRT-M"' in html
    assert 'name="items/1/sku" aria-required="true" value="CAP-1"' in html
    assert "lookup_proof" in hidden_fields(html)
    assert erp.calls == ["/orders/SO-1001?email=ANA%40example.com"]


def test_wrong_email_is_not_found_with_a_clear_message(client, returns):
    response = _lookup(client, email="someone@else.example")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "could not find an order with this number and e-mail" in html
    assert 'value="SO-1001"' in html, "what the customer typed stays"


def test_erp_down_says_try_later_not_500(client, returns, erp):
    erp.failing = True
    response = _lookup(client)
    assert response.status_code == 503
    assert "try again in a few minutes" in response.get_data(as_text=True)


def test_missing_inputs_are_asked_for(client, returns, erp):
    response = _lookup(client, number="  ", email="ana@example.com")
    assert response.status_code == 422
    assert "Enter both" in response.get_data(as_text=True)
    assert erp.calls == []


def test_messages_are_in_chinese_for_chinese_visitors(client, returns):
    response = _lookup(client, email="x@y.example", **{"Accept-Language": "zh-CN"})
    assert "找不到与此订单号和电子邮箱匹配的订单" in response.get_data(as_text=True)


def test_lookup_is_rate_limited_per_order_number(client, returns, erp):
    from app.portal.views import LOOKUP_PER_ORDER

    for _ in range(LOOKUP_PER_ORDER.hits):
        _lookup(client, email="guess@example.com")
    response = _lookup(client, email="ana@example.com")  # even the right e-mail now waits
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert len(erp.calls) == LOOKUP_PER_ORDER.hits
    assert _lookup(client, number="SO-2002", email="bo@example.cn").status_code == 200


def test_lookup_is_rate_limited_per_ip(client, app, returns, erp):
    from app.portal.views import LOOKUP_PER_IP

    for n in range(LOOKUP_PER_IP.hits):
        _lookup(client, number=f"SO-9{n:03d}")
    assert _lookup(client, number="SO-2002", email="bo@example.cn").status_code == 429


def test_submit_needs_a_lookup_and_keeps_the_proven_order(client, returns):
    html = _lookup(client).get_data(as_text=True)
    hidden = hidden_fields(html)

    without = {k: v for k, v in hidden.items() if k != "lookup_proof"}
    response = client.post("/portal/r/portal.returns", data={**without, **request_fields()},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "Find your order" in response.get_data(as_text=True)
    forged = {**hidden, "lookup_proof": hidden["lookup_proof"][:-3] + "abc"}
    response = client.post("/portal/r/portal.returns", data={**forged, **request_fields()},
                           content_type="multipart/form-data")
    assert response.status_code == 400

    # Changing the looked-up order number or e-mail in the browser changes nothing.
    response = client.post(
        "/portal/r/portal.returns", content_type="multipart/form-data",
        data={**hidden, **request_fields(order_number="SO-2002", email="bo@example.cn")})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    instance = db.session.scalar(db.select(FlowInstance))
    assert instance.variables["order_number"] == "SO-1001"
    assert instance.variables["email"] == "ana@example.com"
