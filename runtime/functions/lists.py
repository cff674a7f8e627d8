"""`list_union`: a list that gathers values over time without repeats (evidence of a claim).

A flow that collects things as they come - the case numbers a quality claim has seen,
sent again with each new qualifying return - needs "what I had, plus what is new, each
once, in the order first seen". Mappings cannot do that (they copy, never combine), so
it is a platform function. Items are JSON scalars (text, numbers, true/false); the
result is bounded, so a claim that keeps receiving cases cannot grow without limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.functions import FunctionInputError, register

MAX_ITEMS = 1_000
_SCALAR = {"type": ["string", "integer", "boolean"], "maxLength": 200}
_LIST = {"type": ["array", "null"], "maxItems": MAX_ITEMS, "items": _SCALAR}
SCHEMA = {
    "type": "object",
    "required": ["items"],
    "additionalProperties": False,
    "properties": {
        "items": _LIST,
        "add": _LIST,
        "max_items": {"type": "integer", "minimum": 1, "maximum": MAX_ITEMS},
        "separator": {"type": "string", "maxLength": 10},
    },
}


@register("list_union", "Items, then the added ones not already there, each once; "
          "with their count and the list as one text", SCHEMA)
def list_union(inputs: Mapping[str, Any]) -> dict[str, Any]:
    limit = inputs.get("max_items", MAX_ITEMS)
    merged: list[Any] = []
    seen: set[tuple[str, Any]] = set()
    for item in [*(inputs.get("items") or []), *(inputs.get("add") or [])]:
        key = (type(item).__name__, item)  # 1, "1" and true stay different items
        if key in seen:
            continue
        if len(merged) >= limit:
            raise FunctionInputError(f"list_union: more than {limit} items")
        seen.add(key)
        merged.append(item)
    separator = inputs.get("separator", ", ")
    return {"items": merged, "count": len(merged),
            "text": separator.join(str(item) for item in merged),
            "added": len(merged) - len(_unique(inputs.get("items") or []))}


def _unique(items: list[Any]) -> list[Any]:
    return list(dict.fromkeys((type(i).__name__, i) for i in items))
