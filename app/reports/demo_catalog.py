"""What demo returns are made of: markets, products, reasons, grades, suppliers.

Shapes follow the sandbox ERP's orders (`connectors/sandbox/seed.py`) and the routing
table of the returns template, so a demo case's variables look like those of a real
`returns.rma` case and fold through the same projection rules (category from the HS
code, warehouse and route from the routing table's regions).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

#: country: (share of returns, currency, local price per EUR, warehouse, transit days)
MARKETS = {
    "DE": (.21, "EUR", "1", "EU-BER", 3), "GB": (.15, "GBP", "0.86", "UK-MAN", 4),
    "FR": (.12, "EUR", "1", "EU-BER", 4), "US": (.13, "USD", "1.09", "US-SEA", 6),
    "NL": (.07, "EUR", "1", "EU-BER", 3), "IT": (.07, "EUR", "1", "EU-BER", 5),
    "ES": (.06, "EUR", "1", "EU-BER", 5), "PL": (.05, "PLN", "4.35", "EU-BER", 4),
    "AU": (.05, "AUD", "1.65", "AU-SYD", 9), "CA": (.04, "CAD", "1.47", "US-SEA", 7),
    "CN": (.05, "CNY", "7.7", "CN-SHA", 3),
}
TEAMS = {"EU-BER": "warehouse_eu", "UK-MAN": "warehouse_uk", "US-SEA": "warehouse_us",
         "AU-SYD": "warehouse_au", "CN-SHA": "warehouse_cn"}
#: category: (share, SKU prefix, HS code, median price in EUR, product name,
#:            reasons with weights, suppliers)
CATEGORIES = {
    "apparel": (.38, "TS", "6109.10", 45, "Cotton T-shirt",
                {"size": .46, "changed_mind": .2, "not_as_described": .15, "defective": .06,
                 "damaged": .05, "arrived_late": .05, "wrong_item": .03},
                ("Guangzhou Apparel Works", "Ningbo Knitwear Co.", "Dhaka Garments Ltd")),
    "footwear": (.20, "SN", "6404.11", 85, "Running shoes",
                 {"size": .5, "changed_mind": .15, "defective": .12, "not_as_described": .1,
                  "damaged": .05, "arrived_late": .05, "wrong_item": .03},
                 ("Putian Footwear", "Jinjiang Shoes Co.")),
    "electronics": (.14, "HP", "8518.30", 180, "Wireless headphones",
                    {"defective": .36, "not_as_described": .2, "changed_mind": .18,
                     "damaged": .14, "arrived_late": .08, "wrong_item": .04},
                    ("Shenzhen Audio Tech", "Dongguan Circuit Ltd")),
    "home": (.12, "LM", "9405.21", 70, "LED desk lamp",
             {"damaged": .34, "not_as_described": .22, "changed_mind": .2, "defective": .14,
              "arrived_late": .1},
             ("Foshan Home Goods", "Chaozhou Ceramics")),
    "beauty": (.09, "SK", "3304.99", 30, "Face serum",
               {"changed_mind": .4, "not_as_described": .25, "damaged": .2, "defective": .15},
               ("Guangzhou Cosmetics Lab",)),
    "accessories": (.06, "ST", "9113.90", 12, "Silicone watch strap",
                    {"changed_mind": .35, "not_as_described": .25, "size": .2, "damaged": .1,
                     "defective": .1},
                    ("Yiwu Accessories Co.",)),
    "toys": (.07, "TY", "9503.00", 40, "Building set",
             {"defective": .3, "damaged": .3, "changed_mind": .25, "arrived_late": .15},
             ("Shantou Toy Factory", "Yiwu Toys Co.")),
}
BAD_REASONS = ("defective", "damaged", "wrong_item")
#: grade: disposition (inspection contract, RETURNS.md step 7)
DISPOSITIONS = {"A": "restock", "B": "second_hand", "C": "refurbish", "D": "recycle",
                "missing": "investigate", "wrong_item": "investigate"}
GRADE_WEIGHTS = {"good": (.62, .25, .08, .03, .01, .01), "bad": (.12, .2, .4, .24, .02, .02)}
#: per-parcel cost in EUR: (label base, label per transit day, handling)
COSTS = (Decimal("4.20"), Decimal("0.85"), Decimal("3.10"))
LABEL_FEES = {"GB": Decimal("3.99"), "AU": Decimal("9.95")}


def p(weights) -> np.ndarray:
    array = np.asarray(list(weights), dtype=float)
    return array / array.sum()


def cumulative(weights: dict[str, float]) -> tuple[list[str], np.ndarray]:
    return list(weights), np.cumsum(p(weights.values()))


REASONS = {name: cumulative(c[5]) for name, c in CATEGORIES.items()}
