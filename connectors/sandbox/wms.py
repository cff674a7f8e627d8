"""Warehouse (WMS) simulator: expected receipts (ASNs) for RMAs, and receipt confirmations.

* `POST /v1/asns` announces a return: `reference` (the RMA), `warehouse` code, the
  carrier's tracking number and the expected items; answers `ASN-<year>-<n>`. Honours
  `Idempotency-Key`; one open ASN per RMA and warehouse (a second is 409).
* `GET /v1/asns/{asn_id}` - its state: expected, then received.
* Control `receipt` books what the warehouse scanned (default: everything expected, in
  resellable condition) and emits the signed `receipt` webhook with the scanned items
  and whether they differ from what was expected.
"""

from __future__ import annotations

from typing import Any

from connectors.sandbox import seed
from connectors.sandbox.base import OutgoingWebhook, Simulator, new_id
from connectors.sandbox.http import (
    BadRequest,
    SimRequest,
    SimResponse,
    error_response,
    json_response,
)
from connectors.sandbox.store import Doc

ASN, BY_RMA, COUNTER = "wms.asn", "wms.asn_by_rma", "wms.counter"
CONDITIONS = ("resellable", "damaged", "missing_parts", "wrong_item")


class WmsSimulator(Simulator):
    system = "wms"
    auth = "header:x-api-key"
    routes = (
        ("POST", r"/v1/asns", "create_asn"),
        ("GET", r"/v1/asns/(?P<asn_id>ASN-[0-9]+-[0-9]+)", "get_asn"),
    )
    controls = ("receipt",)

    def create_asn(self, request: SimRequest) -> SimResponse:
        params = request.json()
        return self.idempotent(request, params, lambda: self._create_asn(params))

    def _create_asn(self, params: Any) -> SimResponse:
        if not isinstance(params, dict):
            raise BadRequest("the body must be a JSON object")
        reference = str(params.get("reference") or "").strip()
        warehouse = str(params.get("warehouse") or "")
        if not reference:
            raise BadRequest("reference (the RMA number) is required")
        if warehouse not in seed.WAREHOUSES:
            return error_response(422, f"warehouse must be one of {', '.join(seed.WAREHOUSES)}",
                                  "unknown_warehouse", param="warehouse")
        items = params.get("expected_items")
        if not isinstance(items, list) or not items or not all(
                isinstance(i, dict) and i.get("sku") and isinstance(i.get("quantity"), int)
                and not isinstance(i.get("quantity"), bool) and i["quantity"] > 0
                for i in items):
            raise BadRequest("expected_items must list {sku, quantity > 0}")
        asn_id = f"ASN-{self.now().year}-{self._next():06d}"
        if not self.store.insert_if_absent(BY_RMA, f"{warehouse}:{reference}", {"asn": asn_id}):
            existing = (self.store.get(BY_RMA, f"{warehouse}:{reference}") or {}).get("asn")
            return error_response(409, f"{reference} already has {existing} at {warehouse}.",
                                  "asn_exists", asn_id=existing)
        asn = {"asn_id": asn_id, "reference": reference, "warehouse": warehouse,
               "carrier_tracking": params.get("carrier_tracking"), "status": "expected",
               "expected_items": [{"sku": str(i["sku"]), "quantity": i["quantity"],
                                   "description": i.get("description")} for i in items],
               "received_items": [], "created_at": self.now().isoformat()}
        self.store.put(ASN, asn_id, asn)
        return json_response(201, asn)

    def get_asn(self, request: SimRequest, asn_id: str) -> SimResponse:
        asn = self.store.get(ASN, asn_id)
        if asn is None:
            return error_response(404, "No such ASN.", "resource_missing")
        return json_response(200, asn)

    def control_receipt(self, payload: dict[str, Any]) -> tuple[dict, OutgoingWebhook]:
        """Book the scanned items and emit the signed `receipt` webhook."""
        asn = self.store.get(ASN, str(payload.get("asn_id") or ""))
        if asn is None:
            raise BadRequest("no such ASN")
        if asn["status"] == "received":
            raise BadRequest(f"{asn['asn_id']} was already received")
        scanned = payload.get("items") or [
            {"sku": i["sku"], "quantity": i["quantity"], "condition": "resellable"}
            for i in asn["expected_items"]]
        items = []
        for item in scanned:
            if not isinstance(item, dict) or not item.get("sku"):
                raise BadRequest("items must be a list of {sku, quantity, condition}")
            condition = item.get("condition") or "resellable"
            if condition not in CONDITIONS:
                raise BadRequest(f"condition must be one of {', '.join(CONDITIONS)}")
            items.append({"sku": str(item["sku"]), "quantity": int(item.get("quantity") or 1),
                          "condition": condition,
                          "serial": str(item.get("serial") or "")[:64] or None})
        expected = {i["sku"]: i["quantity"] for i in asn["expected_items"]}
        received: dict[str, int] = {}
        for item in items:
            received[item["sku"]] = received.get(item["sku"], 0) + item["quantity"]
        discrepancy = expected != received or any(i["condition"] != "resellable" for i in items)
        now = self.now().isoformat()

        def book(doc: Doc | None) -> Doc | None:
            if doc is None or doc["status"] == "received":
                return None
            return {**doc, "status": "received", "received_items": items, "received_at": now}

        self.store.update(ASN, asn["asn_id"], book)
        body = {"id": new_id("evt_"), "type": "receipt.confirmed",
                "created": int(self.now().timestamp()),
                "data": {"asn_id": asn["asn_id"], "rma_number": asn["reference"],
                         "warehouse": asn["warehouse"], "received_at": now, "items": items,
                         "discrepancy": discrepancy}}
        result = {"asn_id": asn["asn_id"], "status": "received", "discrepancy": discrepancy}
        return result, self.settings.webhook(self.system, "receipt", body)

    def _next(self) -> int:
        def bump(doc: Doc | None) -> Doc:
            return {"value": (doc or {}).get("value", 0) + 1}

        return int((self.store.update(COUNTER, "asn", bump) or {})["value"])
