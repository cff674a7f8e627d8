"""The definitions service: drafts, immutable versions, archive/restore, diff, audit."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEntry, Definition
from app.services import definitions
from builder.definitions import compute_checksum, starter_body
from runtime.exceptions import Conflict, DefinitionInvalid, ImmutableDefinition, NotFound
from tests.factories import make_user

KEY = "returns.process"


def flow(name: str = "Review") -> dict:
    body = starter_body("flow")
    body["nodes"].insert(
        1,
        {
            "id": "review",
            "type": "user_task",
            "name": name,
            "config": {"assignee": {"role": "staff"}},
        },
    )
    body["edges"] = [{"from": "start", "to": "review"}, {"from": "review", "to": "end"}]
    return body


def publish_v1(actor=None) -> Definition:
    definitions.save_draft("flow", KEY, "Returns", flow(), actor)
    row = definitions.publish("flow", KEY, actor)
    db.session.commit()
    return row


def audit_actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_saving_creates_draft_v1_and_an_identical_save_changes_nothing(app):
    builder = make_user("builder")
    row = definitions.save_draft("flow", KEY, "Returns", flow(), builder)
    db.session.commit()
    assert (row.version, row.status, row.checksum) == (1, "draft", None)
    assert row.created_by_id == row.updated_by_id == builder.id
    stamp = row.updated_at
    again = definitions.save_draft("flow", KEY, "Returns", flow(), builder)
    db.session.commit()
    assert again.id == row.id and again.updated_at == stamp
    assert audit_actions() == ["user.created", "definition.saved"]


def test_saving_again_updates_the_same_draft(app):
    first = definitions.save_draft("flow", KEY, "Returns", flow())
    second = definitions.save_draft("flow", KEY, "Returns v2", flow("Check"))
    db.session.commit()
    assert second.id == first.id and second.version == 1
    assert definitions.get("flow", KEY, "draft").title == "Returns v2"


def test_invalid_drafts_are_refused_with_every_pointer_and_nothing_is_stored(app):
    body = flow()
    body["nodes"][1]["type"] = "robot"
    body["edges"][0].pop("to")
    with pytest.raises(DefinitionInvalid) as caught:
        definitions.save_draft("flow", KEY, "", body)
    assert [e.pointer for e in caught.value.errors] == [
        "/body/edges/0/to",
        "/body/nodes/1/type",
        "/title",
    ]
    assert db.session.scalar(db.select(db.func.count()).select_from(Definition)) == 0


def test_unknown_kind_is_not_found(app):
    with pytest.raises(NotFound):
        definitions.save_draft("spreadsheet", KEY, "T", {})
    with pytest.raises(NotFound):
        definitions.list_definitions("spreadsheet")


def test_publish_freezes_v1_with_checksum_and_who_and_when(app):
    builder = make_user("builder")
    row = publish_v1(builder)
    assert (row.version, row.status) == (1, "published")
    assert row.checksum == compute_checksum("Returns", flow(), 1)
    assert row.published_by_id == builder.id and row.published_at is not None
    assert audit_actions()[-2:] == ["definition.saved", "definition.published"]


def test_an_edit_after_publishing_opens_draft_v2_and_v1_stays_as_it_was(app):
    v1 = publish_v1()
    checksum, body = v1.checksum, v1.body
    v2 = definitions.save_draft("flow", KEY, "Returns", flow("Check"))
    db.session.commit()
    assert (v2.version, v2.status) == (2, "draft") and v2.id != v1.id
    db.session.expire_all()
    stored = definitions.get("flow", KEY, 1)
    assert (stored.status, stored.checksum, stored.body) == ("published", checksum, body)
    published = definitions.publish("flow", KEY)
    db.session.commit()
    assert published.version == 2
    assert definitions.get("flow", KEY, "latest").version == 2
    assert [r.version for r in definitions.list_versions("flow", KEY)] == [2, 1]


def test_saving_what_the_newest_version_holds_opens_no_draft(app):
    v1 = publish_v1()
    assert definitions.save_draft("flow", KEY, "Returns", flow()).id == v1.id
    with pytest.raises(NotFound):
        definitions.get("flow", KEY, "draft")


def test_editing_a_published_row_through_the_orm_is_refused(app):
    v1 = publish_v1()
    v1.body = {**v1.body, "description": "sneaky"}
    with pytest.raises(ImmutableDefinition, match="body cannot change"):
        db.session.flush()
    db.session.rollback()
    v1 = definitions.get("flow", KEY, 1)
    v1.title = "Renamed"
    with pytest.raises(ImmutableDefinition):
        db.session.commit()
    db.session.rollback()
    v1 = definitions.get("flow", KEY, 1)
    db.session.delete(v1)
    with pytest.raises(ImmutableDefinition):
        db.session.flush()
    db.session.rollback()
    assert definitions.get("flow", KEY, 1).title == "Returns"


def test_a_tampered_published_row_cannot_ride_along_with_a_service_call(app):
    v1 = publish_v1()
    v1.title = "Tampered"
    with pytest.raises(ImmutableDefinition):
        definitions.save_draft("flow", KEY, "Returns", flow("Check"))
    db.session.rollback()
    assert definitions.get("flow", KEY, 1).title == "Returns"


def test_publishing_without_a_draft_or_an_identical_draft_is_a_conflict(app):
    with pytest.raises(NotFound):
        definitions.publish("flow", KEY)
    publish_v1()
    with pytest.raises(Conflict, match="no draft"):
        definitions.publish("flow", KEY)
    definitions.save_draft("flow", KEY, "Returns", flow("Check"))
    definitions.save_draft("flow", KEY, "Returns", flow())  # back to what v1 holds
    with pytest.raises(Conflict, match="identical to v1"):
        definitions.publish("flow", KEY)


def test_discarding_a_draft(app):
    publish_v1()
    definitions.save_draft("flow", KEY, "Returns", flow("Check"))
    definitions.discard_draft("flow", KEY)
    db.session.commit()
    assert [r.version for r in definitions.list_versions("flow", KEY)] == [1]
    with pytest.raises(Conflict):
        definitions.discard_draft("flow", KEY)


def test_archive_retires_every_published_version_and_restore_brings_them_back(app):
    publish_v1()
    definitions.save_draft("flow", KEY, "Returns", flow("Check"))
    definitions.publish("flow", KEY)
    archived = definitions.archive("flow", KEY)
    db.session.commit()
    assert [(r.version, r.status) for r in archived] == [(1, "archived"), (2, "archived")]
    with pytest.raises(NotFound):
        definitions.get("flow", KEY, "latest")
    assert definitions.list_definitions() == []
    [summary] = definitions.list_definitions(include_archived=True)
    assert (summary.status, summary.published_version) == ("archived", None)
    with pytest.raises(Conflict):
        definitions.archive("flow", KEY)
    restored = definitions.restore("flow", KEY)
    db.session.commit()
    assert [r.status for r in restored] == ["published", "published"]
    assert definitions.get("flow", KEY, "latest").version == 2
    with pytest.raises(Conflict):
        definitions.restore("flow", KEY)
    assert audit_actions()[-2:] == ["definition.archived", "definition.restored"]


def test_archived_rows_keep_their_content(app):
    v1 = publish_v1()
    checksum = v1.checksum
    definitions.archive("flow", KEY)
    db.session.commit()
    db.session.expire_all()
    stored = definitions.get("flow", KEY, 1)
    assert (stored.status, stored.checksum) == ("archived", checksum)
    stored.body = {}
    with pytest.raises(ImmutableDefinition):
        db.session.flush()
    db.session.rollback()


def test_list_definitions_summarises_each_key_with_who_changed_it(app):
    alice = make_user("builder", name="Alice Builder")
    publish_v1(alice)
    definitions.save_draft("flow", KEY, "Returns (next)", flow("Check"), alice)
    definitions.save_draft("form", "returns.request", "Request", starter_body("form"))
    db.session.commit()
    summaries = definitions.list_definitions()
    assert [
        (s.kind, s.key, s.status, s.published_version, s.draft_version, s.version_count)
        for s in summaries
    ] == [
        ("flow", KEY, "published", 1, 2, 2),
        ("form", "returns.request", "draft", None, 1, 1),
    ]
    assert summaries[0].title == "Returns (next)"
    assert summaries[0].updated_by == "Alice Builder"
    assert summaries[1].updated_by is None
    assert [s.key for s in definitions.list_definitions("form")] == ["returns.request"]


def test_get_by_reference(app):
    publish_v1()
    definitions.save_draft("flow", KEY, "Returns", flow("Check"))
    assert definitions.get("flow", KEY).version == 2
    assert definitions.get("flow", KEY, "draft").version == 2
    assert definitions.get("flow", KEY, "latest").version == 1
    assert definitions.get("flow", KEY, 1).status == "published"
    with pytest.raises(NotFound, match="v9"):
        definitions.get("flow", KEY, 9)
    with pytest.raises(NotFound):
        definitions.list_versions("flow", "no.such")


def test_diff_between_versions_uses_the_same_pointers_as_validation(app):
    publish_v1()
    definitions.save_draft("flow", KEY, "Returns 2", flow("Check"))
    changes = [c.as_dict() for c in definitions.diff("flow", KEY, 1, "draft")]
    assert changes == [
        {"op": "replace", "path": "/body/nodes/1/name", "old": "Review", "new": "Check"},
        {"op": "replace", "path": "/title", "old": "Returns", "new": "Returns 2"},
    ]
    assert definitions.diff("flow", KEY, 1, 1) == []
