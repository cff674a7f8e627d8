"""Stripe-style payments simulator: payment intents, refunds, idempotency keys.

Behaves like Stripe where a flow can tell the difference:

* `POST /v1/refunds` (form-encoded: `payment_intent`, `amount` in minor units,
  `currency`, `reason`, `metadata[...]`) refunds part or all of a charge; the sum of
  refunds never exceeds the charge (`amount_too_large`, `charge_already_refunded`).
* An `Idempotency-Key` seen before with the same parameters returns the stored response;
  with different parameters it is refused with 400 `idempotency_error` (CHECKLIST 1, 13;
  `Simulator.idempotent`).
* Error mode `decline` answers 402 `card_error` / `refund_declined` (saved like Stripe).

Payment intents of the seeded ERP orders exist from the start; `POST /v1/payment_intents`
creates more (confirmed at once, as a sandbox may).
"""

from __future__ import annotations

from typing import Any

from connectors.sandbox import seed
from connectors.sandbox.base import Simulator, new_id
from connectors.sandbox.http import (
    BadRequest,
    SimRequest,
    SimResponse,
    error_response,
    json_response,
)
from connectors.sandbox.store import Doc

INTENT, REFUND = "payment.intent", "payment.refund"
REASONS = ("duplicate", "fraudulent", "requested_by_customer")


class PaymentSimulator(Simulator):
    system = "payment"
    auth = "bearer"
    routes = (
        ("POST", r"/v1/refunds", "create_refund"),
        ("GET", r"/v1/refunds/(?P<refund_id>[A-Za-z0-9_]+)", "get_refund"),
        ("POST", r"/v1/payment_intents", "create_payment_intent"),
        ("GET", r"/v1/payment_intents/(?P<intent_id>[A-Za-z0-9_]+)", "get_payment_intent"),
    )

    # --- payment intents --------------------------------------------------------------

    def _intent(self, intent_id: str) -> Doc | None:
        doc = self.store.get(INTENT, intent_id)
        if doc is None:
            seeded = seed.payment_intents(self.now()).get(intent_id)
            if seeded is None:
                return None
            self.store.insert_if_absent(INTENT, intent_id, {**seeded, "amount_refunded": 0,
                                                            "created": self._ts()})
            doc = self.store.get(INTENT, intent_id)
        return doc

    def create_payment_intent(self, request: SimRequest) -> SimResponse:
        params = request.form()

        def run() -> SimResponse:
            amount = _minor(params.get("amount"), "amount")
            currency = _currency(params.get("currency"))
            intent = {"id": new_id("pi_3"), "object": "payment_intent", "amount": amount,
                      "currency": currency, "status": "succeeded", "amount_refunded": 0,
                      "metadata": params.get("metadata") or {}, "created": self._ts()}
            self.store.put(INTENT, intent["id"], intent)
            return json_response(200, intent)

        return self.idempotent(request, params, run)

    def get_payment_intent(self, request: SimRequest, intent_id: str) -> SimResponse:
        intent = self._intent(intent_id)
        if intent is None:
            return _missing("payment_intent", intent_id)
        return json_response(200, {"object": "payment_intent", **intent})

    # --- refunds ----------------------------------------------------------------------

    def create_refund(self, request: SimRequest) -> SimResponse:
        params = request.form()
        return self.idempotent(request, params, lambda: self._refund(params))

    def _refund(self, params: dict[str, Any]) -> SimResponse:
        intent_id = params.get("payment_intent") or ""
        if not intent_id:
            raise BadRequest("Missing required param: payment_intent.")
        intent = self._intent(intent_id)
        if intent is None:
            return error_response(400, f"No such payment_intent: '{intent_id}'",
                                  "resource_missing", param="payment_intent")
        amount = (_minor(params["amount"], "amount") if params.get("amount") not in (None, "")
                  else intent["amount"] - intent["amount_refunded"])
        if params.get("currency") and _currency(params["currency"]) != intent["currency"]:
            return error_response(400, f"The currency {params['currency']} does not match the "
                                  f"charge's currency {intent['currency']}.",
                                  "currency_mismatch", param="currency")
        reason = params.get("reason") or None
        if reason is not None and reason not in REASONS:
            raise BadRequest(f"Invalid reason: must be one of {', '.join(REASONS)}")
        if self.declined:
            return error_response(402, "The refund was declined by the card issuer.",
                                  "refund_declined", type="card_error",
                                  decline_code="expired_or_canceled_card")
        outcome: dict[str, Any] = {}

        def take(doc: Doc | None) -> Doc | None:
            left = doc["amount"] - doc["amount_refunded"]
            if left <= 0:
                outcome["error"] = ("charge_already_refunded",
                                    f"Charge for {intent_id} has already been refunded.")
                return None
            if amount > left:
                outcome["error"] = ("amount_too_large",
                                    f"Refund amount ({amount}) is greater than unrefunded "
                                    f"amount on charge ({left}).")
                return None
            return {**doc, "amount_refunded": doc["amount_refunded"] + amount}

        self.store.update(INTENT, intent_id, take)
        if "error" in outcome:
            code, message = outcome["error"]
            return error_response(400, message, code, param="amount")
        refund = {"id": new_id("re_3"), "object": "refund", "amount": amount,
                  "currency": intent["currency"], "payment_intent": intent_id,
                  "charge": "ch_3" + intent_id[4:28], "status": "succeeded", "reason": reason,
                  "metadata": params.get("metadata") or {}, "created": self._ts()}
        self.store.put(REFUND, refund["id"], refund)
        return json_response(200, refund)

    def get_refund(self, request: SimRequest, refund_id: str) -> SimResponse:
        refund = self.store.get(REFUND, refund_id)
        if refund is None:
            return _missing("refund", refund_id)
        return json_response(200, refund)

    def _ts(self) -> int:
        return int(self.now().timestamp())


def _minor(value: Any, name: str) -> int:
    text = str(value or "").strip()
    if not text.isdigit() or int(text) <= 0:
        raise BadRequest(f"Invalid positive integer: {name} must be a whole number of the "
                         "currency's minor unit (e.g. 1299 for 12.99)")
    return int(text)


def _currency(value: Any) -> str:
    text = str(value or "").strip().lower()
    if len(text) != 3 or not text.isalpha():
        raise BadRequest("Invalid currency: must be a three-letter ISO code")
    return text


def _missing(kind: str, ident: str) -> SimResponse:
    return error_response(404, f"No such {kind}: '{ident}'", "resource_missing", param="id")
