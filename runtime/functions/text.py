"""`format_text`: a short text from a template and named values, e.g. a CRM timeline note.

Why: connector inputs are mappings of variables and literals; a note such as "RMA-000012:
refund 44.95 EUR to the card" needs the values put into words, and flows do not compute
in expressions. `{{name}}` placeholders take the value of that name from `values`
(text, numbers, true/false; null gives an empty text). A placeholder with no value is an
input error that names it, so a typo in the template fails loudly instead of sending
half a sentence. Nothing is evaluated: names are plain identifiers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from runtime.functions import FunctionInputError, register

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}")
SCHEMA = {
    "type": "object",
    "required": ["template"],
    "additionalProperties": False,
    "properties": {
        "template": {"type": "string", "minLength": 1, "maxLength": 5000},
        "values": {"type": "object", "maxProperties": 100, "additionalProperties": {
            "type": ["string", "number", "boolean", "null"], "maxLength": 2000}},
    },
}


@register("format_text", "A text from a template with {{name}} placeholders and values", SCHEMA)
def format_text(inputs: Mapping[str, Any]) -> dict[str, Any]:
    values = inputs.get("values") or {}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise FunctionInputError(f"format_text: no value for {{{{{name}}}}}")
        found = values[name]
        if found is None:
            return ""
        if isinstance(found, bool):
            return "yes" if found else "no"
        return str(found)

    text = PLACEHOLDER.sub(value, inputs["template"])
    return {"text": text[:5000]}
