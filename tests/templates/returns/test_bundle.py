"""The returns bundle: imports cleanly and idempotently, round-trips through export, lints clean."""

from __future__ import annotations

import json

from app.extensions import db
from app.models import Definition
from app.services.bundles import export_bundle, import_bundle
from tests.templates.returns.conftest import BUNDLE


def _manifest() -> dict:
    return json.loads((BUNDLE / "manifest.json").read_text(encoding="utf-8"))


def test_import_twice_changes_nothing_and_export_gives_the_same_definitions(app, tmp_path):
    from app.sandbox.install import install_connectors

    install_connectors()
    first = import_bundle(BUNDLE)
    db.session.commit()
    assert all(item.created for item in first.items)
    again = import_bundle(BUNDLE)
    db.session.commit()
    assert not any(item.created for item in again.items)
    keys = [entry["key"] for entry in _manifest()["definitions"]]
    export_bundle(keys, tmp_path / "out")
    db.session.commit()
    for entry in _manifest()["definitions"]:
        mine = json.loads((BUNDLE / entry["file"]).read_text(encoding="utf-8"))
        exported = json.loads((tmp_path / "out" / entry["file"]).read_text(encoding="utf-8"))
        assert exported["body"] == mine["body"], entry["key"]
        assert exported["title"] == mine["title"]
    reimported = import_bundle(tmp_path / "out")
    db.session.commit()
    assert not any(item.created for item in reimported.items)
    versions = db.session.scalars(db.select(Definition.version).where(
        Definition.key == "returns.rma")).all()
    assert versions == [1]


def test_the_flow_lints_without_errors_against_the_bundle_and_the_presets():
    from app.flows.builtin_calls import APP_ACTIONS  # platform actions, as lint_context adds
    from builder.lint import ERROR, LintContext, lint_flow_body
    from connectors.presets import available, load_preset
    from runtime import functions

    manifest = _manifest()["definitions"]
    presets = {name: load_preset(name) for name in available()}
    context = LintContext(
        forms=frozenset(e["key"] for e in manifest if e["kind"] == "form"),
        tables=frozenset(e["key"] for e in manifest if e["kind"] == "decision_table"),
        flows=frozenset(e["key"] for e in manifest if e["kind"] == "flow"),
        connectors={**{key: frozenset(doc["actions"]) for key, doc in presets.items()},
                    functions.BUILTIN_CONNECTOR: functions.names() | set(APP_ACTIONS)},
        roles=frozenset({"cs_agent", "cs_lead", "warehouse_eu", "warehouse_uk",
                         "warehouse_us", "warehouse_au", "warehouse_cn", "finance",
                         "purchasing", "managers"}),
    )
    for entry in manifest:
        if entry["kind"] != "flow":
            continue
        body = json.loads((BUNDLE / entry["file"]).read_text(encoding="utf-8"))["body"]
        errors = [i for i in lint_flow_body(body, context) if i.severity == ERROR]
        assert errors == [], entry["key"]


def test_every_policy_row_is_a_table_rule_and_both_languages_are_complete():
    form = json.loads((BUNDLE / "forms/returns.request.json").read_text(encoding="utf-8"))
    texts = form["body"]["i18n"]
    assert set(texts["en"]) == set(texts["zh-CN"])
    for field, prop in form["body"]["schema"]["properties"].items():
        assert f"{field}.label" in texts["zh-CN"], field
        for value in prop.get("enum", []):
            assert f"{field}.option.{value}" in texts["zh-CN"], (field, value)
    table = json.loads((BUNDLE / "decision_tables/returns.policy.json").read_text("utf-8"))
    ids = {rule["id"] for rule in table["body"]["rules"]}
    assert {"exempt_hygiene_opened", "exempt_custom_made", "exempt_final_sale",
            "warranty_eu_uk", "warranty_elsewhere", "window_eu_uk", "window_elsewhere",
            "watchlist", "frequent_returner", "high_return_rate", "inspect_reason",
            "high_value_eur"} <= ids
