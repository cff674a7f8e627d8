"""The case header: who the customer is, what they return, how much, from where.

Flows name their variables freely; these readers look for the names the returns
template and most forms use (`customer.name`, `customer_name`, `email`, `country`,
`items`, `*amount*`) and simply show nothing for what a case does not have. Pure
functions over the instance's variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CUSTOMER_KEYS = ("customer", "customer_name", "name", "customer_email", "email")
ITEM_KEYS = ("items", "line_items", "lines", "products")
COUNTRY_KEYS = ("country", "customer.country", "address.country", "order.country")


@dataclass(frozen=True)
class CaseHeader:
    customer: str | None = None
    email: str | None = None
    country: str | None = None
    items: list[str] = field(default_factory=list)
    amounts: list[tuple[str, str]] = field(default_factory=list)


def read_path(variables: Mapping[str, Any], path: str) -> Any:
    value: Any = variables
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def case_header(variables: Mapping[str, Any] | None) -> CaseHeader:
    variables = variables or {}
    customer = variables.get("customer")
    name = email = None
    if isinstance(customer, Mapping):
        name = _text(customer.get("name")) or _text(customer.get("full_name"))
        email = _text(customer.get("email"))
    elif isinstance(customer, str):
        name = customer
    name = name or _text(variables.get("customer_name")) or _text(variables.get("name"))
    email = email or _text(variables.get("customer_email")) or _text(variables.get("email"))
    return CaseHeader(customer=name, email=email, country=country_of(variables),
                      items=_items(variables), amounts=_amounts(variables))


def country_of(variables: Mapping[str, Any] | None) -> str | None:
    for path in COUNTRY_KEYS:
        value = read_path(variables or {}, path)
        if isinstance(value, str) and value.strip():
            return value.strip().upper()
    return None


def customer_label(variables: Mapping[str, Any] | None) -> str | None:
    header = case_header(variables)
    return header.customer or header.email


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _items(variables: Mapping[str, Any]) -> list[str]:
    for key in ITEM_KEYS:
        items = variables.get(key)
        if isinstance(items, list):
            return [_item_label(item) for item in items[:50]]
    return []


def _item_label(item: Any) -> str:
    if not isinstance(item, Mapping):
        return str(item)
    name = item.get("name") or item.get("title") or item.get("sku") or "item"
    qty = item.get("qty", item.get("quantity"))
    sku = item.get("sku") if item.get("sku") and item.get("sku") != name else None
    parts = [f"{qty} x " if qty not in (None, "") else "", str(name)]
    if sku:
        parts.append(f" ({sku})")
    return "".join(parts)


def _amounts(variables: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = []
    for key, value in variables.items():
        lowered = key.lower()
        if not any(word in lowered for word in ("amount", "total", "refund", "price")):
            continue
        label = key.replace("_", " ").capitalize()
        if isinstance(value, Mapping) and "amount" in value:
            found.append((label, f"{value['amount']} {value.get('currency', '')}".strip()))
        elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
            currency = variables.get("currency")
            found.append((label, f"{value} {currency}".strip() if isinstance(currency, str)
                          else str(value)))
    return found
