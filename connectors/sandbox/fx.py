"""Exchange-rate simulator: a deterministic, plausible rate for a currency pair and date.

`GET /v1/rates?base=EUR&quote=GBP&date=2026-11-20` (API key in `access_key`, as
exchangerate.host-style services do) answers `{"base", "quote", "date", "rate"}` with
the rate a decimal string of 6 places. The same pair and date always give the same
rate, so a refund converted today is converted the same way when a test re-runs it;
rates move within ±1.5 % of a reference from day to day. No float is involved.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from connectors.sandbox.base import Simulator
from connectors.sandbox.http import (
    BadRequest,
    SimRequest,
    SimResponse,
    error_response,
    json_response,
)

EUR_REFERENCE = {
    "EUR": Decimal("1"), "USD": Decimal("1.0850"), "GBP": Decimal("0.8580"),
    "AUD": Decimal("1.6600"), "CNY": Decimal("7.8300"), "JPY": Decimal("162.40"),
    "CHF": Decimal("0.9400"), "CAD": Decimal("1.4800"), "SEK": Decimal("11.2500"),
    "PLN": Decimal("4.3100"),
}
PLACES = Decimal("0.000001")


def eur_rate(currency: str, day: date) -> Decimal:
    """Units of `currency` per euro on `day`: the reference, moved by up to ±1.5 %."""
    if currency == "EUR":
        return Decimal("1")
    digest = hashlib.sha256(f"{currency}:{day.isoformat()}".encode()).digest()
    basis_points = int.from_bytes(digest[:4], "big") % 301 - 150  # -150 … +150
    return EUR_REFERENCE[currency] * (Decimal(1) + Decimal(basis_points) / Decimal(10_000))


def rate(base: str, quote: str, day: date) -> Decimal:
    return (eur_rate(quote, day) / eur_rate(base, day)).quantize(PLACES)


class FxSimulator(Simulator):
    system = "fx"
    auth = "query:access_key"
    routes = (("GET", r"/v1/rates", "get_rate"),)

    def get_rate(self, request: SimRequest) -> SimResponse:
        base = (request.arg("base") or "").upper()
        quote = (request.arg("quote") or "").upper()
        for code in (base, quote):
            if code not in EUR_REFERENCE:
                return error_response(422, f"Unsupported currency {code or '(none)'}; "
                                      f"supported: {', '.join(EUR_REFERENCE)}.",
                                      "unsupported_currency")
        today = self.now().date()
        try:
            day = date.fromisoformat(request.arg("date") or today.isoformat())
        except ValueError:
            raise BadRequest("date must be YYYY-MM-DD") from None
        if day > today:
            return error_response(422, "No rates for a future date.", "date_in_future")
        return json_response(200, {"base": base, "quote": quote, "date": day.isoformat(),
                                   "rate": str(rate(base, quote, day)), "source": "sandbox"})
