"""The compiled yes/no check never accepts what jsonschema refuses, and accepts real data.

If it said yes to a document jsonschema refuses, a submit would skip a problem; so
every mutated document below is checked against jsonschema itself.
"""

from __future__ import annotations

import copy
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from werkzeug.datastructures import MultiDict

from runtime.forms import check_input, compile_form
from runtime.forms.fastcheck import compile_check
from runtime.forms.validate import fast_check

FORM = json.loads((Path(__file__).parents[2] / "data" / "forms" / "every_field.json").read_text())
WRONG = [None, True, 0, 7, -3, 2.5, 1e9, Decimal("-1"), "", "x", "x" * 300, "not an email",
         "2026-13-45", "size", "GBP", "gbp", [], ["gift", "gift"], ["nope"], {}, {"a": 1}]


def valid_documents():
    spec = compile_form(FORM, "t.every", 1, "t-every")
    rng = random.Random(4)
    docs = []
    for seed in range(40):
        raw = {"name": f"Customer {seed}", "email": f"c{seed}@example.com", "reason": "size",
               "country": "DE", "agree": "true", "address/street": "Main 1",
               "address/city": "Berlin", "refund/amount": f"{rng.randint(1, 99)}.50",
               "extras": "gift", "contact_by": "email", "delivered_on": "2026-11-01",
               "items/0/sku": f"S{seed}", "items/0/qty": str(rng.randint(1, 4)),
               "items/0/unit_price": "9.99"}
        checked = check_input(spec, MultiDict(raw))
        assert checked.ok, checked.problems
        docs.append(checked.data)
    return spec, docs


def paths(doc, prefix=()):
    for key, value in (doc.items() if isinstance(doc, dict) else enumerate(doc)):
        yield (*prefix, key)
        if isinstance(value, dict | list):
            yield from paths(value, (*prefix, key))


def test_valid_submissions_take_the_fast_path():
    spec, docs = valid_documents()
    check = fast_check(spec)
    assert check is not None
    assert all(check(doc) for doc in docs)


def test_it_never_accepts_what_jsonschema_refuses():
    spec, docs = valid_documents()
    check, validator = fast_check(spec), Draft202012Validator(
        spec.schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    rng = random.Random(7)
    refused = 0
    for _ in range(1500):
        doc = copy.deepcopy(rng.choice(docs))
        for _ in range(rng.randint(1, 3)):
            *parent, last = rng.choice(list(paths(doc)))
            holder = doc
            for step in parent:
                holder = holder[step]
            if rng.random() < 0.2 and isinstance(holder, dict):
                del holder[last]
            else:
                holder[last] = copy.deepcopy(rng.choice(WRONG))
        jsonschema_ok = not list(validator.iter_errors(doc))
        refused += not jsonschema_ok
        if check(doc):
            assert jsonschema_ok, doc
    assert refused > 500  # the mutations really break documents


@pytest.mark.parametrize("schema", [
    {"type": "object", "additionalProperties": False},
    {"$ref": "#/$defs/x"},
    {"type": "object", "properties": {"a": {"oneOf": [{"type": "string"}]}}},
    {"type": "array", "prefixItems": [{"type": "string"}], "items": False},
    {"enum": [1, True]},
    {"type": "strange"},
])
def test_schemas_it_does_not_know_always_use_jsonschema(schema):
    assert compile_check(schema) is None
