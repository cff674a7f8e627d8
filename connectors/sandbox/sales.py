"""Seeded sales of the ERP's products: units sold per SKU and day, dated relative to now.

A quality rule compares returns with sales ("defect returns above 5% of units sold in
the last 30 days"), so the ERP simulator must know how many of each SKU it sold and
when. Each product has its supplier (Odoo's `product.supplierinfo`) and the units sold
in each of the last three 30-day blocks; a block's units are spread over its days by a
weekday pattern (weekends sell more online) with a small jitter fixed by a hash, so the
figures look like real daily sales, repeat exactly on every run, and each block adds up
to its stated total: `HP-ANC-200` sold exactly 100 units in the last 30 days (RETURNS.md
R17: six defect returns of it are 6%).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any

BLOCK_DAYS = 30
HISTORY_DAYS = 3 * BLOCK_DAYS
_WEEKDAY_WEIGHT = (8, 8, 9, 9, 11, 14, 13)  # Monday .. Sunday

_SUPPLIERS = {
    "audiotek": {"name": "Shenzhen Audiotek Electronics Co., Ltd.",
                 "email": "quality@audiotek.example.cn", "country": "CN"},
    "lusitex": {"name": "Lusitex Confecções, Lda.", "email": "qualidade@lusitex.example.pt",
                "country": "PT"},
    "saigon": {"name": "Saigon Footwear JSC", "email": "qa@saigonfootwear.example.vn",
               "country": "VN"},
    "brightway": {"name": "Ningbo Brightway Lighting Co.", "email": "qc@brightway.example.cn",
                  "country": "CN"},
    "dhakaknit": {"name": "Dhaka Knit Garments Ltd.", "email": "quality@dhakaknit.example.bd",
                  "country": "BD"},
}

#: SKU -> (name, supplier, list price in EUR, units sold in days 0-29, 30-59, 60-89 ago)
_PRODUCTS: dict[str, tuple[str, str, str, tuple[int, int, int]]] = {
    "HP-ANC-200": ("Wireless headphones", "audiotek", "180.00", (100, 112, 94)),
    "HP-9000-BK": ("Noise-cancelling headphones", "audiotek", "289.00", (41, 38, 45)),
    "CB-USB-C2": ("USB-C cable, 2 m", "audiotek", "14.50", (612, 587, 640)),
    "SW-SMT-40": ("Smartwatch, 40 mm", "audiotek", "239.00", (57, 61, 49)),
    "ST-SIL-S": ("Silicone strap, S", "audiotek", "17.50", (133, 120, 141)),
    "JK-2041-M": ("Merino wool jacket, M", "lusitex", "189.00", (38, 52, 67)),
    "TS-BAS-M": ("Basic T-shirt, M", "lusitex", "40.00", (410, 388, 402)),
    "SN-5520-39": ("Leather sneakers, 39", "saigon", "129.00", (64, 71, 58)),
    "SH-RUN-44": ("Running shoes, 44", "saigon", "119.00", (88, 93, 79)),
    "LM-DSK-01": ("LED desk lamp", "brightway", "79.00", (73, 66, 81)),
    "TS-ORG-L": ("Organic cotton T-shirt, L", "dhakaknit", "29.00", (295, 310, 276)),
}


def product(sku: str) -> dict[str, Any] | None:
    found = _PRODUCTS.get(sku)
    if found is None:
        return None
    name, supplier, price, _blocks = found
    return {"sku": sku, "name": name, "list_price": price, "currency": "EUR",
            "supplier": {"code": supplier, **_SUPPLIERS[supplier]}}


def daily_sales(sku: str, today: date) -> dict[date, int]:
    """Units of `sku` sold on each of the last HISTORY_DAYS days (today included)."""
    found = _PRODUCTS.get(sku)
    if found is None:
        return {}
    out: dict[date, int] = {}
    for block, total in enumerate(found[3]):
        days = [today - timedelta(days=block * BLOCK_DAYS + i) for i in range(BLOCK_DAYS)]
        out.update(zip(days, _spread(sku, total, days), strict=True))
    return out


def units_sold(sku: str, date_from: date, date_to: date, now: datetime) -> dict[str, Any]:
    """Units sold and the number of sale days in [date_from, date_to], both included."""
    sold = [units for day, units in daily_sales(sku, now.date()).items()
            if date_from <= day <= date_to]
    return {"quantity_sold": sum(sold), "days_with_sales": sum(1 for u in sold if u)}


def _spread(sku: str, total: int, days: list[date]) -> list[int]:
    """`total` units over `days` by weekday weight and jitter; largest remainders, exact."""
    weights = []
    for day in days:
        jitter = hashlib.sha256(f"{sku}:{day.toordinal() % 997}".encode()).digest()[0] % 7
        weights.append(_WEEKDAY_WEIGHT[day.weekday()] * 10 + jitter * 3)
    whole = sum(weights)
    parts = [divmod(total * w, whole) for w in weights]  # integers: exact, no rounding
    units = [q for q, _r in parts]
    by_remainder = sorted(range(len(days)), key=lambda i: (-parts[i][1], i))
    for i in by_remainder[: total - sum(units)]:
        units[i] += 1
    return units
