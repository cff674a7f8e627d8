"""Odoo-style ERP simulator: order lookup, credit notes (out_refund), stock moves.

* `GET /api/v1/orders/lookup?order_number=…&email=…` answers the seeded order (lines with
  SKU, name, quantity, unit price, HS code, weight, origin country; currency, delivery
  date, payment reference, customer tier, return history) only when both match; any
  mismatch is the same 404, so the lookup cannot be used to probe e-mail addresses.
* `POST /api/v1/credit_notes` books an `out_refund` move for lines of an order; never
  more of a SKU than was ordered minus what earlier credit notes took, in the order's
  currency, amounts computed here (the caller's totals are not trusted, CHECKLIST 28).
* `POST /api/v1/stock_moves` moves returned goods into one of `LOCATIONS`.
* `GET /api/v1/sales/summary?sku=…&date_from=…&date_to=…`: units of a SKU sold in the
  period (both days included) and its supplier, from the seeded sales (sales.py).

Both creating calls honour `Idempotency-Key`. Auth is HTTP Basic with the API key as
the password, as Odoo uses API keys in place of passwords.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.sandbox import sales, seed
from connectors.sandbox.base import Simulator
from connectors.sandbox.http import (
    BadRequest,
    SimRequest,
    SimResponse,
    error_response,
    json_response,
)
from connectors.sandbox.store import Doc

CREDIT, MOVE, COUNTER = "erp.credit_note", "erp.stock_move", "erp.counter"
CREDITED = "erp.credited"  # per order: quantity of each SKU already credited
LOCATIONS = (
    "WH-EU/Stock", "WH-EU/Returns", "WH-EU/Quarantine", "WH-EU/Scrap",
    "WH-UK/Stock", "WH-UK/Returns", "WH-US/Stock", "WH-US/Returns",
    "WH-AU/Returns", "WH-CN/Returns",
)


class ErpSimulator(Simulator):
    system = "erp"
    auth = "basic"
    routes = (
        ("GET", r"/api/v1/orders/lookup", "lookup_order"),
        ("POST", r"/api/v1/credit_notes", "create_credit_note"),
        ("GET", r"/api/v1/credit_notes/(?P<note_id>[0-9]+)", "get_credit_note"),
        ("POST", r"/api/v1/stock_moves", "create_stock_move"),
        ("GET", r"/api/v1/locations", "list_locations"),
        ("GET", r"/api/v1/sales/summary", "sales_summary"),
    )

    def lookup_order(self, request: SimRequest) -> SimResponse:
        number, email = request.arg("order_number") or "", request.arg("email") or ""
        if not number or not email:
            raise BadRequest("order_number and email are both required")
        order = seed.find_order(number, email, self.now())
        if order is None:
            return error_response(404, "No order matches this order number and e-mail.",
                                  "order_not_found")
        credited = self._credited(order["order_number"])
        for line in order["lines"]:
            line["quantity_credited"] = credited.get(line["sku"], 0)
        return json_response(200, order)

    # --- credit notes -----------------------------------------------------------------

    def create_credit_note(self, request: SimRequest) -> SimResponse:
        params = request.json()
        return self.idempotent(request, params, lambda: self._credit_note(params))

    def _credit_note(self, params: Any) -> SimResponse:
        if not isinstance(params, dict):
            raise BadRequest("the body must be a JSON object")
        order = self._order(params.get("order_number"))
        if order is None:
            return error_response(404, "No such order.", "order_not_found")
        currency = str(params.get("currency") or order["currency"]).upper()
        if currency != order["currency"]:
            return error_response(422, f"The order is in {order['currency']}, not {currency}.",
                                  "currency_mismatch")
        lines = params.get("lines")
        if not isinstance(lines, list) or not lines:
            raise BadRequest("lines must be a non-empty list of {sku, quantity}")
        ordered = {line["sku"]: line for line in order["lines"]}
        wanted: dict[str, int] = {}
        for index, line in enumerate(lines):
            sku = line.get("sku") if isinstance(line, dict) else None
            quantity = line.get("quantity") if isinstance(line, dict) else None
            if sku not in ordered:
                return error_response(422, f"lines[{index}]: SKU {sku!r} is not on this order.",
                                      "unknown_sku")
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
                raise BadRequest(f"lines[{index}].quantity must be a positive whole number")
            wanted[sku] = wanted.get(sku, 0) + quantity
        refused: list[str] = []

        def reserve(doc: Doc | None) -> Doc | None:
            credited = dict((doc or {}).get("credited", {}))
            for sku, quantity in wanted.items():
                left = ordered[sku]["quantity"] - credited.get(sku, 0)
                if quantity > left:
                    refused.append(f"only {left} of {sku} can still be credited")
                    return None
                credited[sku] = credited.get(sku, 0) + quantity
            return {"credited": credited}

        self.store.update(CREDITED, order["order_number"], reserve)  # atomic check-and-take
        if refused:
            return error_response(422, refused[0] + ".", "quantity_exceeds_order")
        booked, total = [], Decimal("0")
        for sku, quantity in wanted.items():
            price = _decimal(ordered[sku]["unit_price"])
            subtotal = price * quantity
            total += subtotal
            booked.append({"sku": sku, "name": ordered[sku]["name"], "quantity": quantity,
                           "price_unit": str(price), "price_subtotal": str(subtotal)})
        number = self._next("credit_note")
        note = {
            "id": number, "name": f"RINV/{self.now().year}/{number:05d}",
            "move_type": "out_refund", "state": "posted",
            "order_number": order["order_number"], "rma_number": params.get("rma_number"),
            "reason": params.get("reason"), "currency": currency, "lines": booked,
            "amount_total": str(total), "invoice_date": self.now().date().isoformat(),
        }
        self.store.put(CREDIT, str(number), note)
        return json_response(201, note)

    def get_credit_note(self, request: SimRequest, note_id: str) -> SimResponse:
        note = self.store.get(CREDIT, note_id)
        if note is None:
            return error_response(404, "No such credit note.", "resource_missing")
        return json_response(200, note)

    # --- stock moves ------------------------------------------------------------------

    def create_stock_move(self, request: SimRequest) -> SimResponse:
        params = request.json()
        return self.idempotent(request, params, lambda: self._stock_move(params))

    def _stock_move(self, params: Any) -> SimResponse:
        if not isinstance(params, dict):
            raise BadRequest("the body must be a JSON object")
        location = params.get("location_dest")
        if location not in LOCATIONS:
            return error_response(422, f"Unknown destination location {location!r}; one of "
                                  f"{', '.join(LOCATIONS)}.", "unknown_location")
        quantity = params.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise BadRequest("quantity must be a positive whole number")
        sku = str(params.get("sku") or "").strip()
        if not sku:
            raise BadRequest("sku is required")
        number = self._next("stock_move")
        move = {"id": number, "name": f"WH/RET/{number:05d}", "state": "done", "sku": sku,
                "quantity": quantity, "location_src": params.get("location_src")
                or "Partners/Customers", "location_dest": location,
                "origin": params.get("origin"), "date_done": self.now().isoformat()}
        self.store.put(MOVE, str(number), move)
        return json_response(201, move)

    def list_locations(self, request: SimRequest) -> SimResponse:
        return json_response(200, {"locations": list(LOCATIONS)})

    # --- sales (connectors/sandbox/sales.py) -------------------------------------------

    def sales_summary(self, request: SimRequest) -> SimResponse:
        """Units of one SKU sold in a period, with its supplier, as a sales report gives."""
        sku = (request.arg("sku") or "").strip()
        if not sku:
            raise BadRequest("sku is required")
        date_from, date_to = _date(request.arg("date_from")), _date(request.arg("date_to"))
        if date_from > date_to or (date_to - date_from).days >= sales.HISTORY_DAYS:
            raise BadRequest(f"the period must run forwards and span at most "
                             f"{sales.HISTORY_DAYS} days")
        found = sales.product(sku)
        if found is None:
            return error_response(404, f"No product with SKU {sku!r}.", "product_not_found")
        period = sales.units_sold(sku, date_from, date_to, self.now())
        return json_response(200, {**found, "date_from": date_from.isoformat(),
                                   "date_to": date_to.isoformat(), **period})

    # --- helpers ----------------------------------------------------------------------

    def _order(self, number: Any) -> dict[str, Any] | None:
        for order in seed.seed_orders(self.now()):
            if order["order_number"] == str(number or "").strip().upper():
                return order
        return None

    def _credited(self, order_number: str) -> dict[str, int]:
        return dict((self.store.get(CREDITED, order_number) or {}).get("credited", {}))

    def _next(self, name: str) -> int:
        def bump(doc: Doc | None) -> Doc:
            return {"value": (doc or {"value": 41}).get("value", 41) + 1}

        return int((self.store.update(COUNTER, name, bump) or {})["value"])


def _date(text: str | None) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise BadRequest(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise BadRequest(f"{text!r} is not a decimal amount") from None
