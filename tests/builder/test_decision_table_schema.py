"""The decision-table meta-schema and the rules compiler accept the same documents.

Saving checks the meta-schema; running compiles with runtime.rules. A table that one
accepts and the other refuses could be published and then never run (or the reverse).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from builder.definitions import check_document
from runtime.exceptions import DefinitionInvalid
from runtime.rules import compile_table

ROOT = Path(__file__).resolve().parents[2]
POLICY = json.loads((ROOT / "tests/runtime/data/returns_policy.json").read_text())
POLICY.pop("schema_version", None)  # an envelope field, not part of a body
SAMPLE = json.loads(
    (ROOT / "tests/data/bundles/sample/decision_tables/returns.policy.json").read_text()
)["body"]


def _accepted_by_both(doc: dict) -> tuple[bool, bool]:
    saved = not check_document("decision_table", "t.table", "T", doc)
    try:
        compile_table(doc)
        compiled = True
    except DefinitionInvalid:
        compiled = False
    return saved, compiled


@pytest.mark.parametrize("doc", [POLICY, SAMPLE], ids=["returns-policy", "sample-bundle"])
def test_real_tables_are_accepted_by_both(doc):
    assert _accepted_by_both(doc) == (True, True)


def _variant(change) -> dict:
    doc = copy.deepcopy(SAMPLE)
    change(doc)
    return doc


VARIANTS = {
    "rule without id": lambda d: d["rules"][0].pop("id"),
    "rule with annotation": lambda d: d["rules"][0].update(annotation="why"),
    "unknown rule key": lambda d: d["rules"][0].update(description="x"),
    "output values": lambda d: d["outputs"][0].update(values=[True, False]),
    "empty output values": lambda d: d["outputs"][0].update(values=[]),
    "unknown output key": lambda d: d["outputs"][0].update(default=True),
    "list output type": lambda d: d["outputs"].append({"id": "tags", "type": "list"}),
    "unknown output type": lambda d: d["outputs"].append({"id": "tags", "type": "money"}),
    "bad hit policy": lambda d: d.update(hit_policy="any"),
    "input without var": lambda d: d["inputs"][0].pop("var"),
    "unknown top-level key": lambda d: d.update(collect="sum"),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variants_get_the_same_verdict_from_both(name):
    saved, compiled = _accepted_by_both(_variant(VARIANTS[name]))
    assert saved == compiled, f"meta-schema says {saved}, compiler says {compiled}"
