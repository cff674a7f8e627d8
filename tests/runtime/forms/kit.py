"""Shared fixtures for the pure form-runtime tests."""

from __future__ import annotations

import json
from pathlib import Path

from runtime.forms import DictInput, check_input, compile_form, messages_for

DATA = Path(__file__).parents[2] / "data" / "forms"


def every_field_body() -> dict:
    return json.loads((DATA / "every_field.json").read_text())


def every_field_spec():
    return compile_form(every_field_body(), "test.every", 1, "every-v1")


def valid_input(**overrides) -> dict:
    values = {
        "name": "Ann Lee",
        "email": "ann@example.com",
        "reason": "size",
        "country": "DE",
        "agree": "true",
        "address/street": "Hauptstr. 1",
        "address/city": "Berlin",
        "items/0/sku": "SKU-1",
        "items/0/qty": "2",
        "items/0/unit_price": "19.99",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def check(spec, values, locale="en", files=None, context=None):
    checked = check_input(spec, DictInput(values), files=files, context=context)
    return checked, messages_for(spec, checked.problems, locale)
