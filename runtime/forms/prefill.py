"""Prefill: the values a form starts with, from instance variables or a lookup result.

A prefill entry maps form fields to sources: `{"id": "order", "from": "variables",
"fields": {"order_number": "order.number"}}` reads `order.number` from the instance's
variables; `"from": "connector"` reads from the result of that connector lookup, which
the caller ran (connectors are called by the app, never from here) and passes in as
`lookups[prefill_id]`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.forms.spec import FormSpec
from runtime.rules.safety import MISSING, parse_var_path, path_problem, read_path


def initial_values(
    spec: FormSpec,
    variables: Mapping[str, Any] | None = None,
    lookups: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """`{field_path: value}` for every prefill source that resolves."""
    values: dict[str, Any] = {}
    for entry in spec.prefill:
        source = variables if entry.get("from") == "variables" else (lookups or {}).get(entry["id"])
        if not isinstance(source, Mapping):
            continue
        for target, path in (entry.get("fields") or {}).items():
            if not isinstance(path, str) or path_problem(path) or spec.field(target) is None:
                continue
            value = read_path(source, parse_var_path(path))
            if value is not MISSING:
                values[target] = value
    return values
