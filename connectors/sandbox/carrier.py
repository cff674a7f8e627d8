"""Carrier simulator: return labels with CN23 customs data, tracking, tracking webhooks.

* `POST /v1/return-labels` (JSON: `reference` (RMA), `warehouse` code, `shipper`
  address, `parcel.weight_kg`, and for a cross-border return `customs`: contents type,
  reason for return, currency, items with description, HS code, quantity, value,
  weight, origin country) answers a UPU S10 tracking number and the label as a real PDF,
  base64 in JSON as DHL and UPS deliver labels. Honours `Idempotency-Key`.
* `POST /v1/rates` (`shipper_country`, `warehouse`, `weight_kg`, optional `currency`)
  answers what a return label on that route costs (connectors/sandbox/carrier_rates.py).
* `GET /v1/labels/{tracking}.pdf` - the same PDF as a file; `GET /v1/tracking/{tracking}`.
* Control `tracking` adds a tracking event and emits the signed `tracking` webhook.

Customs are required when the parcel crosses a customs border (EU countries count as
one territory), and refused when they are incomplete: 422 with the field at fault.
"""

from __future__ import annotations

import base64
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.sandbox import seed
from connectors.sandbox.base import OutgoingWebhook, Simulator, new_id
from connectors.sandbox.carrier_rates import quote
from connectors.sandbox.http import (
    BadRequest,
    SimRequest,
    SimResponse,
    error_response,
    json_response,
)
from connectors.sandbox.label_pdf import render_label
from connectors.sandbox.store import Doc

SHIPMENT, COUNTER = "carrier.shipment", "carrier.counter"
EU = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
CONTENTS_TYPES = ("returned_goods", "merchandise", "documents", "gift", "sample", "other")
STATUSES = {
    "label_created": "Label created, parcel not yet handed over",
    "in_transit": "In transit",
    "customs_cleared": "Cleared customs",
    "out_for_delivery": "Out for delivery to the returns centre",
    "delivered": "Delivered to the returns centre",
    "exception": "Delivery exception",
}
_HS = re.compile(r"^[0-9]{4}(\.?[0-9]{2}){1,3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def s10_tracking_number(serial: int, country: str, service: str = "RR") -> str:
    """UPU S10: service letters, 8 digits, the S10 check digit, the origin country."""
    digits = f"{serial % 10**8:08d}"
    total = sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    return f"{service}{digits}{check}{country}"


def needs_customs(origin: str, destination: str) -> bool:
    return origin != destination and not (origin in EU and destination in EU)


class CarrierSimulator(Simulator):
    system = "carrier"
    auth = "bearer"
    routes = (
        ("POST", r"/v1/return-labels", "create_label"),
        ("POST", r"/v1/rates", "get_rate"),
        ("GET", r"/v1/labels/(?P<tracking>[A-Z0-9]+)\.pdf", "get_label_pdf"),
        ("GET", r"/v1/tracking/(?P<tracking>[A-Z0-9]+)", "get_tracking"),
    )
    controls = ("tracking",)

    def create_label(self, request: SimRequest) -> SimResponse:
        params = request.json()
        return self.idempotent(request, params, lambda: self._create_label(params))

    def _create_label(self, params: Any) -> SimResponse:
        if not isinstance(params, dict):
            raise BadRequest("the body must be a JSON object")
        warehouse = seed.WAREHOUSES.get(str(params.get("warehouse") or ""))
        if warehouse is None:
            return _invalid("warehouse", f"must be one of {', '.join(seed.WAREHOUSES)}")
        shipper = params.get("shipper")
        if not isinstance(shipper, dict) or not shipper.get("name") or not _COUNTRY.match(
                str(shipper.get("country") or "")):
            return _invalid("shipper", "needs name, line1, city, postal_code and a two-letter "
                            "country")
        weight = _decimal((params.get("parcel") or {}).get("weight_kg"), "parcel.weight_kg")
        customs = params.get("customs")
        if needs_customs(shipper["country"], warehouse["country"]):
            if not customs:
                return _invalid("customs", f"a return from {shipper['country']} to "
                                f"{warehouse['country']} needs a CN23 customs declaration")
            problem = _check_customs(customs)
            if problem:
                return _invalid(*problem)
        elif customs:
            problem = _check_customs(customs)
            if problem:
                return _invalid(*problem)
        serial = self._next()
        now = self.now()
        shipment = {
            "id": new_id("lbl_", 20),
            "tracking_number": s10_tracking_number(serial, shipper["country"]),
            "reference": params.get("reference"), "service": "return_standard",
            "warehouse": params["warehouse"], "shipper": shipper,
            "recipient": warehouse, "parcel": {"weight_kg": str(weight)},
            "customs": customs or None, "created_date": now.date().isoformat(),
            "events": [{"status": "label_created", "description": STATUSES["label_created"],
                        "occurred_at": now.isoformat(), "location": shipper.get("city")}],
        }
        self.store.put(SHIPMENT, shipment["tracking_number"], shipment)
        pdf = render_label(shipment)
        return json_response(201, {
            "id": shipment["id"], "tracking_number": shipment["tracking_number"],
            "status": "label_created", "reference": shipment["reference"],
            "customs_required": bool(customs),
            "label": {"format": "PDF", "encoding": "base64", "size": len(pdf),
                      "data": base64.b64encode(pdf).decode()},
        })

    def get_rate(self, request: SimRequest) -> SimResponse:
        params = request.json()
        if not isinstance(params, dict):
            raise BadRequest("the body must be a JSON object")
        warehouse = seed.WAREHOUSES.get(str(params.get("warehouse") or ""))
        if warehouse is None:
            return _invalid("warehouse", f"must be one of {', '.join(seed.WAREHOUSES)}")
        origin = str(params.get("shipper_country") or "")
        if not _COUNTRY.match(origin):
            return _invalid("shipper_country", "must be a two-letter country code")
        currency = params.get("currency")
        if currency is not None and not re.match(r"^[A-Z]{3}$", str(currency)):
            return _invalid("currency", "must be a three-letter ISO code")
        weight = _decimal(params.get("weight_kg"), "weight_kg")
        return json_response(200, {"service": "return_standard", "warehouse": params["warehouse"],
                                   **quote(origin, warehouse["country"], weight, currency,
                                           self.now().date(), EU)})

    def get_label_pdf(self, request: SimRequest, tracking: str) -> SimResponse:
        shipment = self.store.get(SHIPMENT, tracking)
        if shipment is None:
            return error_response(404, "No such shipment.", "resource_missing")
        return SimResponse(200, render_label(shipment), (
            ("Content-Type", "application/pdf"),
            ("Content-Disposition", f'attachment; filename="label-{tracking}.pdf"')))

    def get_tracking(self, request: SimRequest, tracking: str) -> SimResponse:
        shipment = self.store.get(SHIPMENT, tracking)
        if shipment is None:
            return error_response(404, "No such shipment.", "resource_missing")
        return json_response(200, {"tracking_number": tracking,
                                   "status": shipment["events"][-1]["status"],
                                   "reference": shipment["reference"],
                                   "events": shipment["events"]})

    def control_tracking(self, payload: dict[str, Any]) -> tuple[dict, OutgoingWebhook]:
        """Add a tracking event and emit the signed `tracking` webhook for it."""
        tracking = str(payload.get("tracking_number") or "")
        status = payload.get("status") or "in_transit"
        if status not in STATUSES:
            raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
        event = {"status": status, "description": STATUSES[status],
                 "occurred_at": self.now().isoformat(),
                 "location": str(payload.get("location") or "")[:100] or None}

        def append(doc: Doc | None) -> Doc | None:
            return None if doc is None else {**doc, "events": [*doc["events"], event]}

        shipment = self.store.update(SHIPMENT, tracking, append)
        if shipment is None:
            raise BadRequest(f"no shipment with tracking number {tracking!r}")
        body = {"id": new_id("evt_"), "type": "tracking.updated",
                "created": int(self.now().timestamp()),
                "data": {"tracking_number": tracking, "rma_number": shipment["reference"],
                         **event}}
        return {"tracking_number": tracking, "event": event}, self.settings.webhook(
            self.system, "tracking", body)

    def _next(self) -> int:
        def bump(doc: Doc | None) -> Doc:
            return {"value": (doc or {}).get("value", 10_000_000) + 1}

        return int((self.store.update(COUNTER, "tracking", bump) or {})["value"])


def _check_customs(customs: Any) -> tuple[str, str] | None:
    """The CN23 fields a customs officer needs; (field, problem) or None."""
    if not isinstance(customs, dict):
        return "customs", "must be an object"
    if customs.get("contents_type") not in CONTENTS_TYPES:
        return "customs.contents_type", f"must be one of {', '.join(CONTENTS_TYPES)}"
    if not str(customs.get("reason_for_return") or "").strip():
        return "customs.reason_for_return", "is required for a return"
    if not re.match(r"^[A-Z]{3}$", str(customs.get("currency") or "")):
        return "customs.currency", "must be a three-letter ISO code"
    items = customs.get("items")
    if not isinstance(items, list) or not items:
        return "customs.items", "must list at least one item"
    for index, item in enumerate(items):
        where = f"customs.items[{index}]"
        if not isinstance(item, dict) or not str(item.get("description") or "").strip():
            return f"{where}.description", "is required"
        if not _HS.match(str(item.get("hs_code") or "")):
            return f"{where}.hs_code", "must be an HS code of 6 to 10 digits (e.g. 6201.30)"
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            return f"{where}.quantity", "must be a positive whole number"
        for field in ("value", "weight_kg"):
            try:
                if Decimal(str(item.get(field))) <= 0:
                    raise InvalidOperation
            except InvalidOperation:
                return f"{where}.{field}", "must be a positive decimal string"
        if not _COUNTRY.match(str(item.get("origin_country") or "")):
            return f"{where}.origin_country", "must be a two-letter country code"
    return None


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise BadRequest(f"{field} must be a decimal string such as \"1.250\"") from None
    if not number.is_finite() or number <= 0:
        raise BadRequest(f"{field} must be positive")
    return number


def _invalid(field: str, problem: str) -> SimResponse:
    return error_response(422, f"{field} {problem}", "parameter_invalid", param=field)
