"""The carrier preset's label quote against the sandbox rate card (returnless refunds, R5)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from connectors.exceptions import ClientRejected
from connectors.sandbox.carrier import EU
from connectors.sandbox.carrier_rates import quote
from connectors.sandbox.fx import rate


def test_quote_prices_the_route_on_the_billed_weight(sandbox):
    out = sandbox.call("carrier", "quote_return_label", {
        "shipper_country": "AU", "warehouse": "AU-SYD", "weight_kg": "0.250",
        "currency": "AUD"}).outputs
    assert out == {"amount": "35.00", "currency": "AUD", "zone": "domestic",
                   "billed_weight_kg": "0.5"}  # courier collection: A$29 + A$12/kg x 0.5
    eu = sandbox.call("carrier", "quote_return_label", {
        "shipper_country": "FR", "warehouse": "EU-BER", "weight_kg": "1.100"}).outputs
    assert (eu["amount"], eu["currency"], eu["zone"]) == ("12.65", "EUR", "eu")  # 8.90+2.50x1.5


def test_a_quote_in_another_currency_is_converted_at_the_days_rate():
    day = date(2026, 12, 7)
    out = quote("GB", "DE", Decimal("0.400"), "EUR", day, EU)
    assert (out["list_amount"], out["list_currency"], out["zone"]) == ("23.50", "GBP",
                                                                       "international")
    expected = (Decimal("23.50") * rate("GBP", "EUR", day)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert (out["amount"], out["currency"]) == (str(expected), "EUR")


def test_a_quote_to_an_unknown_warehouse_is_refused(sandbox):
    with pytest.raises(ClientRejected):
        sandbox.call("carrier", "quote_return_label", {
            "shipper_country": "AU", "warehouse": "XX-NOPE", "weight_kg": "1"})
