"""Bundles: import/export round trips, idempotent import, all-or-nothing on errors, CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.extensions import db
from app.models import AuditEntry, Definition
from app.services import bundles, definitions
from builder.definitions import starter_body
from runtime.exceptions import Conflict, NotFound

SAMPLE = Path(__file__).parents[1] / "data" / "bundles" / "sample"
SAMPLE_KEYS = [
    ("form", "returns.request"),
    ("flow", "returns.process"),
    ("decision_table", "returns.policy"),
    ("dashboard", "returns.overview"),
    ("connector", "erp.orders"),
]


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def rows() -> list[tuple[str, str, int, str]]:
    db.session.expire_all()
    query = db.select(Definition).order_by(Definition.kind, Definition.key, Definition.version)
    return [(r.kind, r.key, r.version, r.status) for r in db.session.scalars(query)]


def wipe_definitions() -> None:
    """Empty the table the way a fresh installation has it (frozen rows refuse ORM deletes)."""
    db.session.commit()
    db.session.execute(Definition.__table__.delete())
    db.session.commit()


def copy_sample(tmp_path: Path) -> Path:
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE, target)
    return target


def edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def test_import_publishes_each_definition_then_a_second_import_creates_nothing(app):
    first = bundles.import_bundle(SAMPLE)
    db.session.commit()
    assert first.name == "sample"
    assert [(i.kind, i.key, i.version, i.created) for i in first.items] == [
        (kind, key, 1, True) for kind, key in SAMPLE_KEYS
    ]
    stored = rows()
    assert len(stored) == 5 and all(status == "published" for *_, status in stored)
    second = bundles.import_bundle(SAMPLE)
    db.session.commit()
    assert (len(second.created), len(second.unchanged)) == (0, 5)
    assert rows() == stored
    audit = list(
        db.session.scalars(
            db.select(AuditEntry)
            .where(AuditEntry.action == "bundle.imported")
            .order_by(AuditEntry.id)
        )
    )
    assert [len(a.details["created"]) for a in audit] == [5, 0]


def test_checksums_of_imported_versions_are_those_of_the_files(app):
    bundles.import_bundle(SAMPLE)
    for kind, key in SAMPLE_KEYS:
        data = json.loads((SAMPLE / bundles.file_for(kind, key)).read_text(encoding="utf-8"))
        doc = definitions.parse_document(kind, key, data["title"], data["body"])
        assert definitions.get(kind, key, 1).checksum == doc.checksum


def test_export_import_export_is_byte_identical(app, tmp_path):
    bundles.import_bundle(SAMPLE)
    db.session.commit()
    first = tmp_path / "one" / "bundle"
    bundles.export_bundle([key for _, key in SAMPLE_KEYS], first)
    wipe_definitions()
    assert rows() == []
    bundles.import_bundle(first)
    db.session.commit()
    second = tmp_path / "two" / "bundle"
    bundles.export_bundle([], second, everything=True)
    assert files_of(first) == files_of(second)
    assert set(files_of(first)) == {
        "manifest.json",
        *(bundles.file_for(k, key) for k, key in SAMPLE_KEYS),
    }
    # The sample was written by the same exporter: its definition files come back unchanged.
    sample = files_of(SAMPLE)
    for name, content in files_of(first).items():
        if name != "manifest.json":
            assert content == sample[name], name


def test_exported_files_are_pretty_sorted_and_end_with_a_newline(app, tmp_path):
    bundles.import_bundle(SAMPLE)
    out = tmp_path / "out"
    bundles.export_bundle(["returns.policy"], out, name="policies", description="Return rules")
    text = (out / "decision_tables/returns.policy.json").read_text(encoding="utf-8")
    assert text.endswith("}\n") and text.startswith('{\n  "body": {')
    assert list(json.loads(text)) == ["body", "key", "kind", "schema_version", "title"]
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == {
        "name": "policies",
        "description": "Return rules",
        "schema_version": 1,
        "definitions": [
            {
                "kind": "decision_table",
                "key": "returns.policy",
                "file": "decision_tables/returns.policy.json",
            }
        ],
    }


def test_a_changed_file_becomes_a_new_version_and_the_rest_stay(app, tmp_path):
    bundles.import_bundle(SAMPLE)
    db.session.commit()
    changed = copy_sample(tmp_path)
    edit_json(changed / "forms/returns.request.json", lambda d: d.update(title="Returns v2"))
    result = bundles.import_bundle(changed)
    db.session.commit()
    assert [(i.key, i.version) for i in result.created] == [("returns.request", 2)]
    assert len(result.unchanged) == 4
    assert definitions.get("form", "returns.request", "latest").title == "Returns v2"
    assert definitions.get("form", "returns.request", 1).title == "Return request"


def test_an_invalid_bundle_imports_nothing_and_reports_every_problem(app, tmp_path):
    broken = copy_sample(tmp_path)
    edit_json(
        broken / "flows/returns.process.json",
        lambda d: d["body"]["nodes"][0].update(type="teleport"),
    )
    edit_json(broken / "connectors/erp.orders.json", lambda d: d.update(key="erp.other", extra=1))
    (broken / "dashboards/returns.overview.json").write_text("{ not json", encoding="utf-8")
    (broken / "decision_tables/returns.policy.json").unlink()
    with pytest.raises(bundles.BundleInvalid) as caught:
        bundles.import_bundle(broken)
    problems = [(p.file, p.pointer) for p in caught.value.errors]
    assert problems == [
        ("flows/returns.process.json", "/body/nodes/0/type"),
        ("decision_tables/returns.policy.json", ""),
        ("dashboards/returns.overview.json", ""),
        ("connectors/erp.orders.json", "/extra"),
        ("connectors/erp.orders.json", "/key"),
    ]
    assert caught.value.errors[0].as_dict()["file"] == "flows/returns.process.json"
    db.session.rollback()
    assert rows() == []


def test_manifest_problems_are_reported_with_pointers(app, tmp_path):
    broken = copy_sample(tmp_path)

    def change(m):
        m["schema_version"] = 2
        m["owner"] = "me"
        m["definitions"][0]["file"] = "../../etc/passwd.json"
        m["definitions"][1] = dict(m["definitions"][2])
        m["definitions"][3]["kind"] = "report"

    edit_json(broken / "manifest.json", change)
    with pytest.raises(bundles.BundleInvalid) as caught:
        bundles.read_bundle(broken)
    assert [(p.file, p.pointer) for p in caught.value.errors] == [
        ("manifest.json", "/owner"),
        ("manifest.json", "/schema_version"),
        ("manifest.json", "/definitions/0/file"),
        ("manifest.json", "/definitions/2"),
        ("manifest.json", "/definitions/2"),
        ("manifest.json", "/definitions/3/kind"),
    ]


def test_json_that_would_lose_data_is_refused(app, tmp_path):
    broken = copy_sample(tmp_path)
    path = broken / "forms/returns.request.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '"title": "Return request"', '"title": "Return request", "title": "Other"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(bundles.BundleInvalid, match="1 error") as caught:
        bundles.read_bundle(broken)
    assert "appears twice" in caught.value.errors[0].reason


def test_a_differing_pending_draft_is_not_overwritten_unless_asked(app):
    definitions.save_draft("form", "returns.request", "Work in progress", starter_body("form"))
    db.session.commit()
    with pytest.raises(bundles.BundleInvalid, match="1 error") as caught:
        bundles.import_bundle(SAMPLE)
    assert "unpublished draft (v1)" in caught.value.errors[0].reason
    db.session.rollback()
    assert rows() == [("form", "returns.request", 1, "draft")]
    result = bundles.import_bundle(SAMPLE, replace_drafts=True)
    db.session.commit()
    assert len(result.created) == 5
    assert definitions.get("form", "returns.request", 1).title == "Return request"


def test_export_needs_published_keys_and_takes_every_kind_of_a_key(app, tmp_path):
    bundles.import_bundle(SAMPLE)
    definitions.save_draft("flow", "erp.orders", "Same key, other kind", starter_body("flow"))
    definitions.publish("flow", "erp.orders")
    db.session.commit()
    result = bundles.export_bundle(["erp.orders"], tmp_path / "b")
    assert [(i.kind, i.file) for i in result.items] == [
        ("flow", "flows/erp.orders.json"),
        ("connector", "connectors/erp.orders.json"),
    ]
    with pytest.raises(NotFound, match=r"no\.such, other\.missing"):
        bundles.export_bundle(["no.such", "erp.orders", "other.missing"], tmp_path / "c")


def test_export_refuses_a_folder_that_is_not_a_bundle_and_prunes_stale_files(app, tmp_path):
    bundles.import_bundle(SAMPLE)
    db.session.commit()
    stranger = tmp_path / "home"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(Conflict):
        bundles.export_bundle(["returns.policy"], stranger)
    out = tmp_path / "bundle"
    bundles.export_bundle([], out, everything=True, description="kept")
    bundles.export_bundle(["returns.policy"], out)
    assert sorted(files_of(out)) == ["decision_tables/returns.policy.json", "manifest.json"]
    assert json.loads((out / "manifest.json").read_text())["description"] == "kept"


# --- the command line -----------------------------------------------------------------


def test_cli_import_twice_then_export(runner, tmp_path):
    first = runner.invoke(args=["import", str(SAMPLE)])
    assert first.exit_code == 0, first.output
    assert "Bundle 'sample': 5 created, 0 unchanged." in first.output
    second = runner.invoke(args=["import", str(SAMPLE)])
    assert second.exit_code == 0
    assert "0 created, 5 unchanged" in second.output
    out = tmp_path / "sample"
    exported = runner.invoke(args=["export", "returns.request", "returns.policy", str(out)])
    assert exported.exit_code == 0, exported.output
    assert "Exported 2 definition(s)" in exported.output
    assert sorted(files_of(out)) == [
        "decision_tables/returns.policy.json",
        "forms/returns.request.json",
        "manifest.json",
    ]


def test_cli_dry_run_writes_nothing(runner):
    result = runner.invoke(args=["import", "--dry-run", str(SAMPLE)])
    assert result.exit_code == 0 and "5 would create" in result.output
    assert rows() == []


def test_cli_reports_an_invalid_bundle_without_a_traceback(runner, tmp_path):
    broken = copy_sample(tmp_path)
    edit_json(broken / "flows/returns.process.json", lambda d: d["body"].pop("edges"))
    result = runner.invoke(args=["import", str(broken)])
    assert result.exit_code == 1
    assert "flows/returns.process.json /body/edges: is required" in result.output
    assert "Traceback" not in result.output
    assert rows() == []


def test_cli_export_errors(runner, tmp_path):
    missing = runner.invoke(args=["export", "no.such", str(tmp_path / "x")])
    assert (
        missing.exit_code == 1 and "no published definition has the key no.such" in missing.output
    )
    no_keys = runner.invoke(args=["export", str(tmp_path / "x")])
    assert no_keys.exit_code == 2 and "name at least one KEY" in no_keys.output
    assert runner.invoke(args=["import", str(tmp_path / "nowhere")]).exit_code == 2
