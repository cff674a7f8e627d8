"""Carrier and WMS presets against their simulators; real PDF labels; signed webhooks."""

from __future__ import annotations

import base64
import io
import json

import pytest
from pypdf import PdfReader

from connectors import Transport
from connectors.exceptions import ClientRejected, ServerFailed
from connectors.sandbox import SIMULATORS
from connectors.sandbox.carrier import needs_customs, s10_tracking_number
from connectors.webhooks import read_delivery, verify
from tests.connectors.sandbox.live import WEBHOOK_SECRET

UK_SHIPPER = {"name": "Oliver Hughes", "line1": "27 Deansgate", "city": "Manchester",
              "postal_code": "M3 4LY", "country": "GB"}
CUSTOMS = {
    "contents_type": "returned_goods", "currency": "GBP",
    "reason_for_return": "Headphones: left ear cup crackles (defective)",
    "items": [{"description": "Noise-cancelling headphones", "hs_code": "8518.30",
               "quantity": 1, "value": "249.99", "weight_kg": "0.410", "origin_country": "CN"}],
}
LABEL = {"rma_number": "RMA-2026-00500", "warehouse": "EU-BER", "shipper": UK_SHIPPER,
         "weight_kg": "0.650", "customs": CUSTOMS}


def _pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_return_label_is_a_real_pdf_with_barcode_and_cn23(sandbox):
    out = sandbox.call("carrier", "create_return_label", LABEL).outputs
    tracking = out["tracking_number"]
    assert tracking.startswith("RR") and tracking.endswith("GB") and len(tracking) == 13
    assert out["customs_required"] is True
    pdf = base64.b64decode(out["label_pdf_base64"])
    assert pdf.startswith(b"%PDF-")
    reader, text = _pdf_text(pdf)
    assert len(reader.pages) == 2
    assert tracking in text and "RMA-2026-00500" in text
    assert "CN 23" in text and "8518.30" in text and "249.99" in text
    assert "defective" in text and "Returns Centre EU" in text
    images_or_paths = reader.pages[0].get_contents().get_data()
    assert len(images_or_paths) > 2000  # barcode bars and QR modules are drawn as paths


def test_the_label_file_and_tracking(sandbox):
    tracking = sandbox.call("carrier", "create_return_label", LABEL).outputs["tracking_number"]
    status, _ = sandbox.raw("carrier", "GET", f"/v1/tracking/{tracking}")
    assert status == 200
    out = sandbox.call("carrier", "get_tracking", {"tracking_number": tracking}, key="t").outputs
    assert out["status"] == "label_created" and len(out["events"]) == 1


def test_s10_check_digit():
    assert s10_tracking_number(47312482, "GB") == "RR473124829GB"  # UPU S10 worked example


def test_customs_borders():
    assert needs_customs("GB", "DE") and needs_customs("US", "CN")
    assert not needs_customs("FR", "DE") and not needs_customs("DE", "DE")


def test_cross_border_without_customs_is_refused_and_intra_eu_needs_none(sandbox):
    without = {k: v for k, v in LABEL.items() if k != "customs"}
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("carrier", "create_return_label", without, key="k2")
    assert caught.value.details["error"]["param"] == "customs"
    french = {**without, "shipper": {**UK_SHIPPER, "country": "FR", "city": "Paris"}}
    out = sandbox.call("carrier", "create_return_label", french, key="k3").outputs
    assert out["customs_required"] is False
    reader, _ = _pdf_text(base64.b64decode(out["label_pdf_base64"]))
    assert len(reader.pages) == 1


def test_an_incomplete_cn23_names_the_field(sandbox):
    bad_item = {**CUSTOMS["items"][0], "hs_code": "85"}
    label = {**LABEL, "customs": {**CUSTOMS, "items": [bad_item]}}
    with pytest.raises(ClientRejected):  # the input schema refuses it before sending
        sandbox.call("carrier", "create_return_label", label)
    status, body = sandbox.raw("carrier", "POST", "/v1/return-labels", json.dumps({
        "reference": "R", "warehouse": "EU-BER", "shipper": UK_SHIPPER,
        "parcel": {"weight_kg": "1"}, "customs": {**CUSTOMS, "items": [bad_item]}}).encode())
    assert status == 422 and body["error"]["param"] == "customs.items[0].hs_code"


def test_label_creation_is_idempotent_and_retried(sandbox):
    sandbox.mode("carrier", "error_500", remaining=1)
    first = sandbox.call("carrier", "create_return_label", LABEL, key="lbl-1",
                         transport=Transport(sleep=lambda s: None))
    again = sandbox.call("carrier", "create_return_label", LABEL, key="lbl-1")
    assert first.attempts == 2
    assert again.outputs["tracking_number"] == first.outputs["tracking_number"]
    assert len(sandbox.store.list("carrier.shipment")) == 1


def test_tracking_webhook_is_signed_by_the_contract(sandbox):
    tracking = sandbox.call("carrier", "create_return_label", LABEL).outputs["tracking_number"]
    carrier = SIMULATORS["carrier"](sandbox.store, sandbox.settings)
    result, hook = carrier.control("tracking", {"tracking_number": tracking,
                                                "status": "in_transit", "location": "Leeds"})
    assert result["event"]["status"] == "in_transit"
    assert hook.url == "http://127.0.0.1:9/hooks/carrier/tracking"
    spec = sandbox.spec("carrier").webhook("tracking")
    verify(spec.signature, WEBHOOK_SECRET, dict(hook.headers), hook.body)
    delivery = read_delivery(spec, json.loads(hook.body))
    assert delivery.correlation == "RMA-2026-00500" and delivery.event_id.startswith("evt_")
    assert delivery.data == {**delivery.data, "status": "in_transit", "location": "Leeds",
                             "tracking_number": tracking}
    with pytest.raises(Exception, match="signature"):
        verify(spec.signature, "another-secret", dict(hook.headers), hook.body)
    out = sandbox.call("carrier", "get_tracking", {"tracking_number": tracking}, key="t2")
    assert [e["status"] for e in out.outputs["events"]] == ["label_created", "in_transit"]


ASN = {"rma_number": "RMA-2026-00500", "warehouse": "EU-BER", "tracking_number": "RR473124829GB",
       "items": [{"sku": "HP-9000-BK", "quantity": 1, "description": "Headphones"}]}


def test_asn_and_signed_receipt_webhook_with_scanned_items(sandbox):
    out = sandbox.call("wms", "create_asn", ASN).outputs
    assert out["asn_id"].startswith("ASN-") and out["status"] == "expected"
    assert sandbox.requests[-1].header("x-api-key") == sandbox.settings.key_for("wms")
    wms = SIMULATORS["wms"](sandbox.store, sandbox.settings)
    result, hook = wms.control("receipt", {"asn_id": out["asn_id"], "items": [
        {"sku": "HP-9000-BK", "quantity": 1, "condition": "damaged", "serial": "SN123"}]})
    assert result["discrepancy"] is True
    spec = sandbox.spec("wms").webhook("receipt")
    verify(spec.signature, WEBHOOK_SECRET, dict(hook.headers), hook.body)
    delivery = read_delivery(spec, json.loads(hook.body))
    assert delivery.correlation == "RMA-2026-00500"
    assert delivery.data["items"] == [{"sku": "HP-9000-BK", "quantity": 1,
                                       "condition": "damaged", "serial": "SN123"}]
    status = sandbox.call("wms", "get_asn", {"asn_id": out["asn_id"]}, key="g").outputs
    assert status["status"] == "received"
    with pytest.raises(Exception, match="already received"):
        wms.control("receipt", {"asn_id": out["asn_id"]})


def test_one_asn_per_rma_and_errors(sandbox):
    sandbox.call("wms", "create_asn", ASN, key="a1")
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("wms", "create_asn", ASN, key="a2")
    assert (caught.value.status, caught.value.outcome) == (409, "exists")
    sandbox.mode("wms", "error_500")
    with pytest.raises(ServerFailed):
        sandbox.call("wms", "get_asn", {"asn_id": "ASN-2026-000001"},
                     transport=Transport(sleep=lambda s: None))
