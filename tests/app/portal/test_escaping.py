"""Text written by designers and customers is shown as text, never run (CHECKLIST 14)."""

from __future__ import annotations

import copy

from app.extensions import db
from app.models import FlowInstance
from tests.app.portal.conftest import (
    RETURN_FORM,
    open_form,
    publish,
    returns_flow,
    status_token_of,
    submit,
)

ATTACKS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "javascript:alert(1)"]


def test_designer_texts_render_escaped(client, app):
    form = copy.deepcopy(RETURN_FORM)
    form["i18n"]["en"]["reason.label"] = ATTACKS[1]
    form["i18n"]["en"]["reason.option.size"] = ATTACKS[0]
    publish("form", "portal.return_request", "Return request", form)
    flow = returns_flow(lookup=False)
    flow["portal"]["title"] = {"en": ATTACKS[0], "zh-CN": ATTACKS[1]}
    flow["portal"]["description"] = {"en": ATTACKS[2]}
    flow["portal"]["steps"]["fraud_check"] = {"label": {"en": ATTACKS[1]},
                                              "next": {"en": ATTACKS[0]}}
    publish("form", "portal.more_info", "More", {
        "schema": {"type": "object", "properties": {"x": {"type": "string"}}},
        "ui": {"sections": [{"id": "s", "fields": ["x"]}]}})
    publish("flow", "portal.simple", "Simple", flow)

    pages = [client.get("/portal/").get_data(as_text=True),
             client.get("/portal/r/portal.simple").get_data(as_text=True)]
    token = status_token_of(submit(client))
    pages.append(client.get(f"/portal/case/{token}").get_data(as_text=True))
    pages.append(client.get(f"/portal/case/{token}/thanks").get_data(as_text=True))
    for html in pages:
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html
        assert 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[2]  # the step label, as text


def test_customer_texts_never_reach_the_status_page(client, contact):
    token = status_token_of(submit(client, notes=ATTACKS[1], order_number=ATTACKS[0]))
    html = client.get(f"/portal/case/{token}").get_data(as_text=True)
    assert "onerror" not in html and "alert(1)" not in html
    instance = db.session.scalar(db.select(FlowInstance))
    assert instance.variables["notes"] == ATTACKS[1], "stored as typed, for staff to read"


def test_customer_email_with_markup_is_refused_by_the_form(client, contact):
    hidden = open_form(client)
    response = submit(client, hidden=hidden, email='"><script>@x.example')
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '"><script>' not in html and "&#34;&gt;&lt;script&gt;" in html
