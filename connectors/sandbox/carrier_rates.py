"""The sandbox carrier's rate card: what a prepaid return label costs on a route.

Why: a returnless refund ("keep the item") pays off when the label costs more than half
of what the item is worth, so the returns policy needs the carrier's price before any
label exists. Prices follow the shape of public parcel rate cards: a base price and a
price per kilogram, billed on the weight rounded up to the next 0.5 kg, in the currency
of the shipper's country, with a domestic, an EU-internal and an international zone.
The Australian domestic rate is a courier collection (no Australia Post drop-off for
returns in this network), hence its high base. Deterministic, Decimal only.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from connectors.sandbox.fx import EUR_REFERENCE, rate

HALF_KG = Decimal("0.5")
#: currency -> zone -> (base price, price per kg), the carrier's list prices.
RATE_CARDS: dict[str, dict[str, tuple[Decimal, Decimal]]] = {
    "EUR": {"domestic": (Decimal("5.49"), Decimal("1.00")),
            "eu": (Decimal("8.90"), Decimal("2.50")),
            "international": (Decimal("24.90"), Decimal("9.00"))},
    "GBP": {"domestic": (Decimal("3.99"), Decimal("1.00")),
            "international": (Decimal("19.50"), Decimal("8.00"))},
    "USD": {"domestic": (Decimal("8.95"), Decimal("1.50")),
            "international": (Decimal("34.00"), Decimal("12.00"))},
    "CAD": {"domestic": (Decimal("14.50"), Decimal("3.00")),
            "international": (Decimal("38.00"), Decimal("14.00"))},
    "AUD": {"domestic": (Decimal("29.00"), Decimal("12.00")),
            "international": (Decimal("49.00"), Decimal("18.00"))},
    "CNY": {"domestic": (Decimal("12.00"), Decimal("4.00")),
            "international": (Decimal("160.00"), Decimal("60.00"))},
    "JPY": {"domestic": (Decimal("900"), Decimal("300")),
            "international": (Decimal("3800"), Decimal("1500"))},
}
COUNTRY_CURRENCY = {"GB": "GBP", "US": "USD", "CA": "CAD", "AU": "AUD", "NZ": "AUD",
                    "CN": "CNY", "JP": "JPY"}
MINOR = {"JPY": Decimal("1")}


def zone(origin: str, destination: str, eu: frozenset[str]) -> str:
    if origin == destination:
        return "domestic"
    return "eu" if origin in eu and destination in eu else "international"


def quote(origin: str, destination: str, weight_kg: Decimal, currency: str | None,
          day: date, eu: frozenset[str]) -> dict[str, str]:
    """The label price on the route; in `currency` when asked (sandbox FX of `day`)."""
    card_currency = "EUR" if origin in eu else COUNTRY_CURRENCY.get(origin, "EUR")
    card = RATE_CARDS[card_currency]
    route_zone = zone(origin, destination, eu)
    base, per_kg = card.get(route_zone) or card["international"]
    billed = (weight_kg / HALF_KG).to_integral_value(ROUND_CEILING) * HALF_KG
    price = _round(base + per_kg * billed, card_currency)
    answer = {"zone": route_zone, "billed_weight_kg": str(billed),
              "list_amount": str(price), "list_currency": card_currency,
              "amount": str(price), "currency": card_currency}
    if currency and currency != card_currency and currency in EUR_REFERENCE:
        answer.update(amount=str(_round(price * rate(card_currency, currency, day), currency)),
                      currency=currency)
    return answer


def _round(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(MINOR.get(currency, Decimal("0.01")), ROUND_HALF_UP)
