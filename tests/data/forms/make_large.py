"""A generated form with 300 fields and 100 rules, for the browser and benchmark measurements."""

from __future__ import annotations

from typing import Any


def large_form(fields: int = 300, rules: int = 100) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    widgets: dict[str, Any] = {}
    for i in range(fields):
        name = f"f{i:03d}"
        kind = i % 3
        if kind == 0:
            properties[name] = {"type": "string", "maxLength": 200}
        elif kind == 1:
            properties[name] = {"type": "number", "minimum": 0, "maximum": 1000}
        else:
            properties[name] = {"type": "string", "enum": ["a", "b", "c"]}
    rule_docs = []
    for r in range(rules):
        source = f"f{(r * 3 + 1) % fields:03d}"  # a number field
        choice = f"f{(r * 3 + 2) % fields:03d}"  # a select field
        target = f"f{(r * 3 + 150) % fields:03d}"
        effect = ("show", "hide", "require")[r % 3]
        rule_docs.append(
            {
                "id": f"r{r}",
                "when": {
                    "any": [
                        {"var": source, "op": ">", "value": r},
                        {"var": choice, "op": "in", "value": ["b", "c"]},
                    ]
                },
                "effect": effect,
                "fields": [target],
            }
        )
    names = list(properties)
    sections = [
        {"id": f"s{s}", "title": f"Section {s + 1}", "fields": names[s * 30 : (s + 1) * 30]}
        for s in range((fields + 29) // 30)
    ]
    return {
        "schema": {"type": "object", "properties": properties, "required": names[:10]},
        "ui": {"sections": sections, "widgets": widgets},
        "i18n": {"en": {f"{n}.label": f"Field {n}" for n in names}},
        "rules": rule_docs,
    }


def large_payload(fields: int = 300, seed: int = 0) -> dict[str, str]:
    values = {}
    for i in range(fields):
        name = f"f{i:03d}"
        kind = i % 3
        values[name] = (
            f"text {i} {seed}"
            if kind == 0
            else str((i + seed) % 900)
            if kind == 1
            else "abc"[(i + seed) % 3]
        )
    return values
