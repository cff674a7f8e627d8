"""Seeded ERP orders: realistic, several countries and currencies, dated relative to now.

The ERP simulator serves these, the payment simulator knows their payment intents and
the CRM simulator their customers; the returns template reuses them for its demo. Dates
are computed from "now" (`delivered_days_ago`), so a return-window scenario ("delivered
10 days ago: inside 30 days"; "delivered 45 days ago: outside") stays true whenever the
demo runs. Money is a decimal string in the order's currency, weights are kilograms as
decimal strings, never floats.

Try (order number / e-mail) - connectors/sandbox/README.md lists them all:
    SO-DE-10421 / anna.schmidt@example.de       EUR, delivered 6 days ago
    SO-UK-20377 / oliver.hughes@example.co.uk   GBP, delivered 12 days ago
    SO-US-30158 / emily.carter@example.com      USD, delivered 45 days ago (outside 30)
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

CURRENCY_EXPONENT = {"EUR": 2, "GBP": 2, "USD": 2, "AUD": 2, "CAD": 2, "CNY": 2, "JPY": 0}


def _line(sku, name, qty, price, hs, weight, origin):
    return {"sku": sku, "name": name, "quantity": qty, "unit_price": price, "hs_code": hs,
            "weight_kg": weight, "origin_country": origin}


_ORDERS: tuple[dict[str, Any], ...] = (
    {"number": "SO-DE-10421", "email": "anna.schmidt@example.de", "name": "Anna Schmidt",
     "country": "DE", "currency": "EUR", "tier": "gold", "delivered_days_ago": 6,
     "address": {"line1": "Torstraße 112", "city": "Berlin", "postal_code": "10119"},
     "lines": [_line("JK-2041-M", "Merino wool jacket, M", 1, "189.00", "6201.30", "0.950", "PT"),
               _line("SC-0107", "Cashmere scarf, grey", 2, "49.90", "6117.10", "0.180", "IT")],
     "returns": []},
    {"number": "SO-FR-10877", "email": "lucie.martin@example.fr", "name": "Lucie Martin",
     "country": "FR", "currency": "EUR", "tier": "standard", "delivered_days_ago": 20,
     "address": {"line1": "18 rue Oberkampf", "city": "Paris", "postal_code": "75011"},
     "lines": [_line("SN-5520-39", "Leather sneakers, 39", 1, "129.00", "6403.99", "0.820",
                     "VN")],
     "returns": [{"rma": "RMA-2026-00311", "reason": "size", "refunded": "59.00"}]},
    {"number": "SO-UK-20377", "email": "oliver.hughes@example.co.uk", "name": "Oliver Hughes",
     "country": "GB", "currency": "GBP", "tier": "standard", "delivered_days_ago": 12,
     "address": {"line1": "27 Deansgate", "city": "Manchester", "postal_code": "M3 4LY"},
     "lines": [_line("HP-9000-BK", "Noise-cancelling headphones", 1, "249.99", "8518.30",
                     "0.410", "CN"),
               _line("CB-USB-C2", "USB-C cable, 2 m", 3, "12.50", "8544.42", "0.060", "CN")],
     "returns": []},
    {"number": "SO-US-30158", "email": "emily.carter@example.com", "name": "Emily Carter",
     "country": "US", "currency": "USD", "tier": "vip", "delivered_days_ago": 45,
     "address": {"line1": "410 Pine St", "city": "Seattle", "postal_code": "98101",
                 "state": "WA"},
     "lines": [_line("CM-BRW-01", "Pour-over coffee maker", 1, "89.00", "8516.71", "1.300",
                     "DE"),
               _line("MG-CER-04", "Ceramic mugs, set of 4", 1, "42.00", "6912.00", "1.600",
                     "PT")],
     "returns": [{"rma": "RMA-2026-00102", "reason": "damaged", "refunded": "42.00"},
                 {"rma": "RMA-2026-00245", "reason": "changed_mind", "refunded": "0.00"}]},
    {"number": "SO-US-30412", "email": "marcus.lee@example.com", "name": "Marcus Lee",
     "country": "US", "currency": "USD", "tier": "standard", "delivered_days_ago": 3,
     "address": {"line1": "2200 Mission St", "city": "San Francisco", "postal_code": "94110",
                 "state": "CA"},
     "lines": [_line("BK-TRL-29", "Trail backpack, 29 l", 1, "139.95", "4202.92", "1.100",
                     "VN")],
     "returns": []},
    {"number": "SO-AU-40096", "email": "chloe.nguyen@example.com.au", "name": "Chloe Nguyen",
     "country": "AU", "currency": "AUD", "tier": "gold", "delivered_days_ago": 9,
     "address": {"line1": "88 George St", "city": "Sydney", "postal_code": "2000",
                 "state": "NSW"},
     "lines": [_line("SW-SMT-40", "Smartwatch, 40 mm", 1, "399.00", "8517.62", "0.120", "CN"),
               _line("ST-SIL-S", "Silicone strap, S", 2, "29.00", "9113.90", "0.020", "CN")],
     "returns": []},
    {"number": "SO-CN-50233", "email": "li.wei@example.cn", "name": "Li Wei",
     "country": "CN", "currency": "CNY", "tier": "standard", "delivered_days_ago": 15,
     "address": {"line1": "88 Century Avenue", "city": "Shanghai", "postal_code": "200120"},
     "lines": [_line("TS-ORG-L", "Organic cotton T-shirt, L", 3, "199.00", "6109.10",
                     "0.200", "BD"),
               _line("JN-SLM-32", "Slim jeans, 32", 1, "599.00", "6203.42", "0.700", "TR")],
     "returns": []},
    {"number": "SO-DE-10502", "email": "jonas.weber@example.de", "name": "Jonas Weber",
     "country": "DE", "currency": "EUR", "tier": "standard", "delivered_days_ago": None,
     "address": {"line1": "Marienplatz 8", "city": "München", "postal_code": "80331"},
     "lines": [_line("LM-DSK-01", "LED desk lamp", 1, "79.00", "9405.21", "1.400", "CN")],
     "returns": []},
    # Returns template scenarios (RETURNS.md R1, R7, R8, R9; seed_templates/cross_border_returns).
    {"number": "SO-DE-10630", "email": "max.mueller@example.de", "name": "Max Müller",
     "country": "DE", "currency": "EUR", "tier": "standard", "delivered_days_ago": 10,
     "address": {"line1": "Schönhauser Allee 36", "city": "Berlin", "postal_code": "10435"},
     "lines": [_line("TS-BAS-M", "Basic T-shirt, M", 1, "40.00", "6109.10", "0.200", "PT")],
     "shipping": {"method": "standard", "amount": "4.95", "standard_rate": "4.95"},
     "returns": []},
    {"number": "SO-FR-10955", "email": "camille.durand@example.fr", "name": "Camille Durand",
     "country": "FR", "currency": "EUR", "tier": "standard", "delivered_days_ago": 8,
     "address": {"line1": "5 place Bellecour", "city": "Lyon", "postal_code": "69002"},
     "lines": [{**_line("EA-SLV-01", "Sterling silver earrings", 1, "35.00", "7113.11",
                        "0.020", "TH"), "category": "hygiene_sealed"}],
     "returns": []},
    {"number": "SO-US-30777", "email": "jake.miller@example.com", "name": "Jake Miller",
     "country": "US", "currency": "USD", "tier": "standard", "delivered_days_ago": 35,
     "address": {"line1": "1200 Elm St", "city": "Dallas", "postal_code": "75270",
                 "state": "TX"},
     "lines": [_line("HD-CTN-L", "Cotton hoodie, L", 1, "59.00", "6110.20", "0.600", "PK")],
     "returns": []},
    {"number": "SO-DE-10711", "email": "sven.koch@example.de", "name": "Sven Koch",
     "country": "DE", "currency": "EUR", "tier": "gold", "delivered_days_ago": 12,
     "address": {"line1": "Hohe Straße 52", "city": "Köln", "postal_code": "50667"},
     "lines": [_line("SH-RUN-44", "Running shoes, 44", 1, "119.00", "6404.11", "0.750", "VN")],
     "returns_90d": 9,
     "returns": [{"rma": f"RMA-2026-00{n}", "reason": "size", "refunded": "59.00"}
                 for n in range(401, 410)]},
    {"number": "SO-FR-11020", "email": "ines.bernard@example.fr", "name": "Inès Bernard",
     "country": "FR", "currency": "EUR", "tier": "standard", "delivered_days_ago": 45,
     "address": {"line1": "12 cours Mirabeau", "city": "Aix-en-Provence",
                 "postal_code": "13100"},
     "lines": [_line("HP-ANC-200", "Wireless headphones", 1, "180.00", "8518.30", "0.300",
                     "CN")],
     "returns": []},
    # Refund scenarios (RETURNS.md R2-R4, R11-R13): shipping paid, line not returned, an
    # opened laptop (category electronics: restocking fee in the US), a CAD order.
    {"number": "SO-FR-11230", "email": "lea.petit@example.fr", "name": "Léa Petit",
     "country": "FR", "currency": "EUR", "tier": "standard", "delivered_days_ago": 12,
     "address": {"line1": "9 rue Sainte-Catherine", "city": "Bordeaux", "postal_code": "33000"},
     "lines": [_line("DR-LIN-38", "Linen summer dress, 38", 1, "60.00", "6204.49", "0.350",
                     "PT")],
     "shipping": {"method": "express", "amount": "9.90", "standard_rate": "4.95"},
     "returns": []},
    {"number": "SO-UK-20415", "email": "amelia.clarke@example.co.uk", "name": "Amelia Clarke",
     "country": "GB", "currency": "GBP", "tier": "standard", "delivered_days_ago": 20,
     "address": {"line1": "14 Park Row", "city": "Leeds", "postal_code": "LS1 5HD"},
     "lines": [_line("KN-MER-M", "Merino jumper, M", 1, "85.00", "6110.11", "0.400", "CN"),
               _line("SK-WOL-2", "Wool socks, 2 pairs", 1, "35.00", "6115.94", "0.150", "CN")],
     "returns": []},
    {"number": "SO-US-30890", "email": "daniel.brooks@example.com", "name": "Daniel Brooks",
     "country": "US", "currency": "USD", "tier": "standard", "delivered_days_ago": 8,
     "address": {"line1": "75 State St", "city": "Boston", "postal_code": "02109",
                 "state": "MA"},
     "lines": [{**_line("LT-AIR-14", "Ultrabook laptop, 14 in", 1, "600.00", "8471.30",
                        "1.300", "CN"), "category": "electronics"}],
     "returns": []},
    {"number": "SO-CA-60135", "email": "sophie.tremblay@example.ca", "name": "Sophie Tremblay",
     "country": "CA", "currency": "CAD", "tier": "standard", "delivered_days_ago": 9,
     "address": {"line1": "1200 rue Sainte-Catherine O", "city": "Montréal",
                 "postal_code": "H3B 1K9", "state": "QC"},
     "lines": [_line("RJ-PAC-M", "Packable rain jacket, M", 1, "135.00", "6201.40", "0.450",
                     "VN")],
     "returns": []},
    # Quality loop (RETURNS.md R17): more buyers of the headphones of SO-FR-11020.
    {"number": "SO-DE-10988", "email": "lukas.braun@example.de", "name": "Lukas Braun",
     "country": "DE", "currency": "EUR", "tier": "standard", "delivered_days_ago": 16,
     "address": {"line1": "Königstraße 21", "city": "Stuttgart", "postal_code": "70173"},
     "lines": [_line("HP-ANC-200", "Wireless headphones", 1, "180.00", "8518.30", "0.300",
                     "CN")],
     "returns": []},
    {"number": "SO-NL-70214", "email": "sanne.devries@example.nl", "name": "Sanne de Vries",
     "country": "NL", "currency": "EUR", "tier": "gold", "delivered_days_ago": 22,
     "address": {"line1": "Prinsengracht 263", "city": "Amsterdam", "postal_code": "1016 GV"},
     "lines": [_line("HP-ANC-200", "Wireless headphones", 1, "180.00", "8518.30", "0.300",
                     "CN")],
     "returns": []},
    # Returnless refunds (RETURNS.md R5): a A$60 shirt whose return label costs about A$35;
    # the same customer bought the shirt again, and a second returnless refund is reviewed.
    {"number": "SO-AU-40150", "email": "mia.taylor@example.com.au", "name": "Mia Taylor",
     "country": "AU", "currency": "AUD", "tier": "standard", "delivered_days_ago": 18,
     "address": {"line1": "41 Smith St", "city": "Darwin", "postal_code": "0800",
                 "state": "NT"},
     "lines": [_line("SH-LIN-M", "Linen shirt, M", 1, "60.00", "6205.20", "0.250", "IN")],
     "returns": []},
    {"number": "SO-AU-40188", "email": "mia.taylor@example.com.au", "name": "Mia Taylor",
     "country": "AU", "currency": "AUD", "tier": "standard", "delivered_days_ago": 4,
     "address": {"line1": "41 Smith St", "city": "Darwin", "postal_code": "0800",
                 "state": "NT"},
     "lines": [_line("SH-LIN-M", "Linen shirt, M", 1, "60.00", "6205.20", "0.250", "IN")],
     "returns": []},
)


def payment_intent_id(order_number: str) -> str:
    """Stable `pi_3…` id for an order, so payment and ERP simulators agree on it."""
    tail = hashlib.sha256(order_number.encode()).hexdigest()[:24]
    return f"pi_3Sbx{tail}"


def customer_id(email: str) -> str:
    return str(int(hashlib.sha256(email.encode()).hexdigest()[:10], 16) % 10**11)


def to_minor(amount: str, currency: str) -> int:
    """"189.00" EUR -> 18900; Decimal arithmetic, never float."""
    return int(Decimal(amount).scaleb(CURRENCY_EXPONENT.get(currency, 2)))


def seed_orders(now: datetime) -> list[dict[str, Any]]:
    """Every seeded order as the ERP answers it, with dates relative to `now`."""
    return [build_order(raw, now) for raw in _ORDERS]


def build_order(raw: dict[str, Any], now: datetime) -> dict[str, Any]:
    days = raw["delivered_days_ago"]
    delivered = (now - timedelta(days=days)).date() if days is not None else None
    ordered = (now - timedelta(days=(days or 0) + 4)).date()
    lines = [{**line, "line_total": str(Decimal(line["unit_price"]) * line["quantity"])}
             for line in raw["lines"]]
    shipping = raw.get("shipping")
    total = sum((Decimal(line["line_total"]) for line in lines),
                Decimal(shipping["amount"]) if shipping else Decimal("0"))
    return {
        "order_number": raw["number"],
        "state": "delivered" if delivered else "shipped",
        "order_date": ordered.isoformat(),
        "delivery_date": delivered.isoformat() if delivered else None,
        "currency": raw["currency"],
        "amount_total": str(total),
        "payment_reference": payment_intent_id(raw["number"]),
        "customer": {"id": customer_id(raw["email"]), "name": raw["name"],
                     "email": raw["email"], "tier": raw["tier"], "country": raw["country"],
                     "returns_90d": raw.get("returns_90d", 0),
                     "address": {**raw["address"], "country": raw["country"]}},
        "lines": lines,
        "shipping": dict(shipping) if shipping else None,
        "return_history": list(raw["returns"]),
    }


def find_order(number: str, email: str, now: datetime) -> dict[str, Any] | None:
    """The order when number and e-mail both match (e-mail case-insensitively)."""
    for raw in _ORDERS:
        if raw["number"] == number.strip().upper() and raw["email"] == email.strip().lower():
            return build_order(raw, now)
    return None


def payment_intents(now: datetime) -> dict[str, dict[str, Any]]:
    """The charge behind each order, in minor units: what refunds may not exceed."""
    out = {}
    for order in seed_orders(now):
        out[order["payment_reference"]] = {
            "id": order["payment_reference"],
            "amount": to_minor(order["amount_total"], order["currency"]),
            "currency": order["currency"].lower(),
            "status": "succeeded",
            "metadata": {"order_number": order["order_number"]},
        }
    return out


def contacts() -> list[dict[str, Any]]:
    return [{"id": customer_id(r["email"]), "email": r["email"], "name": r["name"],
             "country": r["country"], "tier": r["tier"]} for r in _ORDERS]


WAREHOUSES: dict[str, dict[str, str]] = {
    "EU-BER": {"name": "Returns Centre EU", "line1": "Lahnstraße 40", "city": "Berlin",
               "postal_code": "12055", "country": "DE"},
    "UK-MAN": {"name": "Returns Centre UK", "line1": "Unit 4, Trafford Park", "city": "Manchester",
               "postal_code": "M17 1SN", "country": "GB"},
    "US-SEA": {"name": "Returns Center US", "line1": "6100 4th Ave S", "city": "Seattle",
               "postal_code": "98108", "country": "US"},
    "AU-SYD": {"name": "Returns Centre AU", "line1": "12 Bourke Rd", "city": "Alexandria",
               "postal_code": "2015", "country": "AU"},
    "CN-SHA": {"name": "Returns Centre CN", "line1": "1000 Jinqiao Road", "city": "Shanghai",
               "postal_code": "201206", "country": "CN"},
}
"""Return warehouses by code: the carrier's label destinations and the WMS's sites."""
