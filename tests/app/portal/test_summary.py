"""The status page shows the case values the flow declares in `portal.summary`, and no others."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import FlowInstance
from app.portal.summary import money, summary
from tests.app.portal.conftest import publish, returns_flow, status_token_of, submit

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SUMMARY = [
    {"label": {"en": "Refund", "zh-CN": "退款金额"}, "var": "refund.amount",
     "currency": "refund.currency"},
    {"label": {"en": "Paid back to", "zh-CN": "退款方式"}, "var": "refund.method",
     "values": {"original_payment": {"en": "Your original payment method", "zh-CN": "原支付方式"}}},
    {"label": {"en": "Note"}, "var": "public_note"},
]
CASE = {"refund": {"amount": "44.95", "currency": "EUR", "method": "original_payment",
                   "id": "re_secret"},
        "fraud_score": "0.97", "public_note": "<script>alert(1)</script>"}


def test_declared_values_in_the_readers_locale_and_nothing_else():
    lines = summary(CASE, tuple(SUMMARY), "en")
    assert [(x.label, x.value) for x in lines] == [
        ("Refund", "€44.95"), ("Paid back to", "Your original payment method"),
        ("Note", "<script>alert(1)</script>")]  # escaped by the page, see below
    chinese = summary(CASE, tuple(SUMMARY), "zh-CN")
    assert [(x.label, x.value) for x in chinese][:2] == [("退款金额", "€44.95"),
                                                         ("退款方式", "原支付方式")]
    assert all("re_secret" not in x.value and "0.97" not in x.value for x in lines)


def test_unnamed_codes_and_empty_or_odd_values_are_left_out():
    case = {"refund": {"amount": "nope", "currency": "EUR", "method": "store_credit"}}
    assert summary(case, tuple(SUMMARY), "en") == []
    assert summary({}, tuple(SUMMARY), "en") == []
    assert money("135", "CAD", "en") == "CA$135.00" and money("2.5", None, "en") == "2.5"


@SQLITE_ONLY
def test_status_page_shows_the_summary_escaped(client, request_forms):
    flow = returns_flow(lookup=False)
    flow["portal"]["summary"] = SUMMARY
    publish("flow", "portal.simple", "Simple", flow)
    token = status_token_of(submit(client))
    page = client.get(f"/portal/case/{token}").get_data(as_text=True)
    assert "Your case at a glance" not in page  # nothing to show yet
    instance = db.session.scalar(db.select(FlowInstance))
    instance.variables = {**instance.variables, **CASE}
    db.session.commit()
    page = client.get(f"/portal/case/{token}").get_data(as_text=True)
    assert "<dt>Refund</dt><dd>€44.95</dd>" in page
    assert "Your original payment method" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "re_secret" not in page and "0.97" not in page
    client.get("/portal/language/zh-CN")
    page = client.get(f"/portal/case/{token}").get_data(as_text=True)
    assert "<dt>退款金额</dt><dd>€44.95</dd>" in page
