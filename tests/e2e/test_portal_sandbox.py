"""The portal's order lookup against the ERP preset and its sandbox simulator, over real HTTP.

The app runs on a loopback port; `install_connectors` aims the preset connectors at its
`/sandbox/...` simulators, so the lookup goes through the guarded transport to the
seeded ERP exactly as the demo does. No browser is needed: the portal is driven with the
test client, the connector call crosses the network.
"""

from __future__ import annotations

import copy

from app.extensions import db
from app.models import FlowInstance
from tests.app.portal.conftest import (
    MORE_INFO_FORM,
    RETURN_FORM,
    hidden_fields,
    publish,
    returns_flow,
)


def _form_with_erp_lines() -> dict:
    """The test request, with line items shaped like the ERP's order lines."""
    form = copy.deepcopy(RETURN_FORM)
    form["schema"]["properties"]["items"]["items"] = {
        "type": "object", "required": ["sku", "quantity"],
        "properties": {"sku": {"type": "string", "maxLength": 40},
                       "quantity": {"type": "integer", "minimum": 1}}}
    return form


def test_lookup_through_the_erp_preset_and_sandbox(live_app):
    from app.sandbox.install import install_connectors

    base, app = live_app
    app.config.update(PUBLIC_BASE_URL=base, CONNECTOR_ALLOWLIST=["127.0.0.1"])
    with app.app_context():
        install_connectors()
        publish("form", "portal.return_request", "Return request", _form_with_erp_lines())
        publish("form", "portal.more_info", "More information", MORE_INFO_FORM)
        flow = returns_flow(lookup=True)
        flow["portal"]["lookup"] = {
            "connector": "erp", "action": "lookup_order",
            "prefill": {"order_number": "order_number", "email": "customer.email",
                        "items": "lines"}}
        publish("flow", "portal.returns", "Returns", flow)

    client = app.test_client()
    csrf = hidden_fields(client.get("/portal/r/portal.returns").get_data(as_text=True))
    wrong = client.post("/portal/r/portal.returns/lookup", data={
        "csrf_token": csrf["csrf_token"], "order_number": "SO-DE-10421",
        "email": "someone@example.de"})
    assert wrong.status_code == 422
    assert "could not find an order" in wrong.get_data(as_text=True)

    found = client.post("/portal/r/portal.returns/lookup", data={
        "csrf_token": csrf["csrf_token"], "order_number": "SO-DE-10421",
        "email": "anna.schmidt@example.de"})
    html = found.get_data(as_text=True)
    assert found.status_code == 200, html[:1000]
    assert "We found order SO-DE-10421." in html
    assert 'name="items/0/sku"' in html and 'value="anna.schmidt@example.de"' in html

    hidden = hidden_fields(html)
    sku = html.split('name="items/0/sku" aria-required="true" value="', 1)[1].split('"', 1)[0]
    response = client.post("/portal/r/portal.returns", content_type="multipart/form-data", data={
        **hidden, "order_number": "SO-DE-10421", "email": "anna.schmidt@example.de",
        "reason": "size", "items/0/sku": sku, "items/0/quantity": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    with app.app_context():
        instance = db.session.scalar(db.select(FlowInstance))
        assert instance.variables["order_number"] == "SO-DE-10421"
        assert instance.variables["items"] == [{"sku": sku, "quantity": 1}]
