"""Label and papers: after approval the case gets CN23 items, a carrier label and a WMS ASN.

Through HTTP against the sandbox: the customer requests a return in the portal, the
flow computes the customs items with the platform function `customs_items`, asks the
carrier for a prepaid label to the routed warehouse (CN23 block with the returned lines'
value and weight totals), stores the label PDF as a case document the customer downloads
from the status page, and tells the warehouse to expect the parcel.
"""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Incident
from app.sandbox.store import DatabaseStore
from tests.templates.returns.conftest import request_return, settle, status_page, the_case


def test_r1_auto_approved_return_gets_a_label_with_cn23_and_an_asn(returns_app, client):
    response = request_return(client, "SO-DE-10630", "max.mueller@example.de", reason="size")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    settle()
    case = the_case()
    assert db.session.scalars(db.select(Incident)).all() == []
    assert case.status == "waiting", case.variables  # for the carrier's first scan
    variables = case.variables
    lines = variables["order"]["lines"]
    customs = variables["customs"]
    assert customs["currency"] == variables["order"]["currency"]
    assert [i["sku"] for i in customs["items"]] == [line["sku"] for line in lines]
    for item, line in zip(customs["items"], lines, strict=True):
        assert item["quantity"] == line["quantity"]
        assert item["hs_code"] == line["hs_code"]
    assert re.fullmatch(r"[A-Z]{2}[0-9]{9}[A-Z]{2}", variables["label"]["tracking_number"])
    assert variables["label"]["customs_required"] is True
    assert variables["asn"]["id"]
    shipment = DatabaseStore().get("carrier.shipment", variables["label"]["tracking_number"])
    assert shipment["reference"] == case.variables["case_number"]
    assert shipment["warehouse"] == variables["routing"]["warehouse"] == "EU-BER"
    assert shipment["shipper"]["name"] == "Max Müller"
    assert shipment["parcel"]["weight_kg"] == customs["total_weight_kg"]
    cn23 = shipment["customs"]
    assert (cn23["contents_type"], cn23["reason_for_return"], cn23["currency"]) == \
        ("returned_goods", "size", "EUR")
    assert cn23["items"] == customs["items"]
    assert variables["label_pdf"] is None, "the PDF is a file, not a variable"
    page = status_page(client, response)
    assert "Return label and customs form (PDF)" in page
    [link] = re.findall(r'href="(/portal/case/[^"]+/files/[^"]+)"', page)
    assert variables["label_file"] in link
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert pdf.headers["Content-Type"].startswith("application/pdf")
    assert cn23["items"] == [{"sku": "TS-BAS-M", "description": "Basic T-shirt, M",
                              "hs_code": "6109.10", "quantity": 1, "value": "40.00",
                              "weight_kg": "0.200", "origin_country": "PT"}]


def test_cn23_lines_carry_line_totals_and_the_parcel_its_total_weight(returns_app, client):
    response = request_return(client, "SO-DE-10421", "anna.schmidt@example.de", reason="size")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    settle()
    case = the_case()
    assert case.status == "waiting", case.variables.get("policy")
    shipment = DatabaseStore().get("carrier.shipment", case.variables["label"]["tracking_number"])
    assert [(i["sku"], i["quantity"], i["value"], i["weight_kg"])
            for i in shipment["customs"]["items"]] == [
        ("JK-2041-M", 1, "189.00", "0.950"), ("SC-0107", 2, "99.80", "0.360")]
    assert shipment["parcel"]["weight_kg"] == "1.310"
