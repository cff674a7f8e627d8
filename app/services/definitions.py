"""The definitions service: drafts, numbered immutable versions, diffs, archive and restore.

A key's draft is the row that will become its next version (latest + 1). Saving checks
the document against its kind's meta-schema and reports every error at once; publishing
freezes the draft with a checksum. Archiving retires every published version of a key:
no new instance starts from it, running instances keep their version. Functions here
flush but never commit: the caller (view, CLI) owns the transaction, so an import of
twenty definitions is all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from app.extensions import db
from app.models import Definition, DefinitionStatus, User, utcnow
from app.services import audit
from builder import diff as structural
from builder.definitions import (
    CURRENT_SCHEMA_VERSION,
    KINDS,
    DefinitionDocument,
    compute_checksum,
    parse_document,
)
from runtime.exceptions import Conflict, NotFound

VersionRef = int | Literal["latest", "draft"] | None
DRAFT, PUBLISHED, ARCHIVED = (
    DefinitionStatus.DRAFT,
    DefinitionStatus.PUBLISHED,
    DefinitionStatus.ARCHIVED,
)
FROZEN = (PUBLISHED, ARCHIVED)


@dataclass(frozen=True)
class DefinitionSummary:
    """One key as a list shows it: its newest title and where its versions stand."""

    kind: str
    key: str
    title: str
    status: str  # published if any version is live, else archived, else draft
    published_version: int | None
    draft_version: int | None
    version_count: int
    updated_at: datetime
    updated_by: str | None


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"there is no definition kind {kind!r}")
    return kind


def document_of(row: Definition) -> DefinitionDocument:
    return DefinitionDocument(row.kind, row.key, row.title, row.body, row.schema_version)


def save_draft(
    kind: str,
    key: str,
    title: Any,
    body: Any,
    actor: User | None = None,
    schema_version: Any = CURRENT_SCHEMA_VERSION,
) -> Definition:
    """Create or update the key's draft; returns the row that now holds this content.

    Saving what is already stored changes nothing: the same draft comes back, or, when
    no draft exists and the newest version already holds it, that frozen version.
    """
    check_kind(kind)
    doc = parse_document(kind, key, title, body, schema_version)
    checksum = doc.checksum
    draft = _draft(kind, key, lock=True)
    if draft is not None:
        if _checksum_of(draft) == checksum:
            return draft
        draft.title, draft.body, draft.schema_version = doc.title, doc.body, doc.schema_version
        draft.updated_by_id = _id(actor)
        draft.updated_at = utcnow()
    else:
        newest = get_newest_version(kind, key)
        if newest is not None and newest.checksum == checksum:
            return newest
        draft = Definition(
            kind=kind,
            key=key,
            version=(newest.version if newest else 0) + 1,
            status=DRAFT,
            title=doc.title,
            body=doc.body,
            schema_version=doc.schema_version,
            created_by_id=_id(actor),
            updated_by_id=_id(actor),
        )
        db.session.add(draft)
    _flush(f"{kind} {key} was changed by someone else at the same time; reload and try again")
    _audit("saved", kind, key, actor, version=draft.version, checksum=checksum)
    return draft


def publish(kind: str, key: str, actor: User | None = None) -> Definition:
    """Freeze the draft as an immutable numbered version."""
    check_kind(kind)
    draft = _draft(kind, key, lock=True)
    if draft is None:
        _require_key(kind, key)
        raise Conflict(f"{kind} {key} has no draft to publish")
    # Checked again: the meta-schema may have grown stricter since the draft was saved.
    doc = parse_document(kind, key, draft.title, draft.body, draft.schema_version)
    checksum = doc.checksum
    newest = get_newest_version(kind, key)
    if newest is not None and newest.checksum == checksum:
        raise Conflict(
            f"the draft of {kind} {key} is identical to v{newest.version} ({newest.status}); "
            "change it or discard it"
        )
    now = utcnow()
    draft.status = PUBLISHED
    draft.checksum = checksum
    draft.published_at = now
    draft.published_by_id = draft.updated_by_id = _id(actor)
    draft.updated_at = now
    _flush(f"{kind} {key} was published by someone else at the same time")
    _audit("published", kind, key, actor, version=draft.version, checksum=checksum)
    return draft


def discard_draft(kind: str, key: str, actor: User | None = None) -> None:
    check_kind(kind)
    draft = _draft(kind, key, lock=True)
    if draft is None:
        _require_key(kind, key)
        raise Conflict(f"{kind} {key} has no draft to discard")
    version = draft.version
    db.session.delete(draft)
    db.session.flush()
    _audit("draft_discarded", kind, key, actor, version=version)


def archive(kind: str, key: str, actor: User | None = None) -> list[Definition]:
    """Retire every published version: new instances cannot start, running ones go on."""
    return _move_all(kind, key, PUBLISHED, ARCHIVED, actor, "archived")


def restore(kind: str, key: str, actor: User | None = None) -> list[Definition]:
    """Undo `archive`: every archived version of the key is published again."""
    return _move_all(kind, key, ARCHIVED, PUBLISHED, actor, "restored")


def get(kind: str, key: str, version: VersionRef = None) -> Definition:
    """One row: `None` the newest of any status, `"latest"` the newest published
    (what new instances start from), `"draft"` the draft, or a version number."""
    check_kind(kind)
    query = db.select(Definition).where(Definition.kind == kind, Definition.key == key)
    if version == "latest":
        query = query.where(Definition.status == PUBLISHED)
    elif version == "draft":
        query = query.where(Definition.status == DRAFT)
    elif version is not None:
        query = query.where(Definition.version == version)
    row = db.session.scalar(query.order_by(Definition.version.desc()).limit(1))
    if row is None:
        which = {None: "", "latest": " (published)", "draft": " (draft)"}.get(
            version, f" v{version}"
        )
        raise NotFound(f"there is no {kind} {key}{which}")
    return row


def get_newest_version(kind: str, key: str) -> Definition | None:
    """The newest frozen version (published or archived), or None: what a save compares to."""
    return db.session.scalar(
        db.select(Definition)
        .where(Definition.kind == kind, Definition.key == key, Definition.status.in_(FROZEN))
        .order_by(Definition.version.desc())
        .limit(1)
    )


def list_versions(kind: str, key: str) -> list[Definition]:
    """Every row of the key, newest first; NotFound when the key does not exist."""
    check_kind(kind)
    rows = db.session.scalars(
        db.select(Definition)
        .where(Definition.kind == kind, Definition.key == key)
        .order_by(Definition.version.desc())
    ).all()
    if not rows:
        raise NotFound(f"there is no {kind} {key}")
    return list(rows)


def list_definitions(
    kind: str | None = None, include_archived: bool = False
) -> list[DefinitionSummary]:
    """One summary per key, ordered by kind then key; bodies are not loaded."""
    if kind is not None:
        check_kind(kind)
    summaries = _summaries(kind)
    if not include_archived:
        summaries = [s for s in summaries if s.status != ARCHIVED]
    return summaries


def get_summary(kind: str, key: str) -> DefinitionSummary:
    found = _summaries(check_kind(kind), key)
    if not found:
        raise NotFound(f"there is no {kind} {key}")
    return found[0]


def diff(
    kind: str, key: str, from_version: VersionRef, to_version: VersionRef
) -> list[structural.Change]:
    """What changes from one version to another, with pointers like validation errors'."""
    old, new = get(kind, key, from_version), get(kind, key, to_version)
    return structural.diff(_comparable(old), _comparable(new))


# --- helpers --------------------------------------------------------------------------


def _summaries(kind: str | None, key: str | None = None) -> list[DefinitionSummary]:
    query = (
        db.select(Definition, User.name)
        .options(defer(Definition.body))
        .outerjoin(User, User.id == Definition.updated_by_id)
        .order_by(Definition.kind, Definition.key, Definition.version)
    )
    if kind is not None:
        query = query.where(Definition.kind == kind)
    if key is not None:
        query = query.where(Definition.key == key)
    grouped: dict[tuple[str, str], list[tuple[Definition, str | None]]] = {}
    for row, name in db.session.execute(query):
        grouped.setdefault((row.kind, row.key), []).append((row, name))
    return [_summarise(rows) for rows in grouped.values()]


def _summarise(rows: list[tuple[Definition, str | None]]) -> DefinitionSummary:
    newest = rows[-1][0]
    statuses = {r.status for r, _ in rows}
    published = [r.version for r, _ in rows if r.status == PUBLISHED]
    drafts = [r.version for r, _ in rows if r.status == DRAFT]
    changed, changed_by = max(rows, key=lambda pair: pair[0].updated_at)
    return DefinitionSummary(
        kind=newest.kind,
        key=newest.key,
        title=newest.title,
        status=str(next((s for s in (PUBLISHED, ARCHIVED) if s in statuses), DRAFT)),
        published_version=max(published, default=None),
        draft_version=max(drafts, default=None),
        version_count=len(rows),
        updated_at=changed.updated_at,
        updated_by=changed_by,
    )


def _comparable(row: Definition) -> dict[str, Any]:
    return {"title": row.title, "schema_version": row.schema_version, "body": row.body}


def _checksum_of(row: Definition) -> str:
    return row.checksum or compute_checksum(row.title, row.body, row.schema_version)


def _id(actor: User | None) -> int | None:
    return getattr(actor, "id", None)


def _draft(kind: str, key: str, lock: bool = False) -> Definition | None:
    query = db.select(Definition).where(
        Definition.kind == kind, Definition.key == key, Definition.status == DRAFT
    )
    if lock:  # PostgreSQL: concurrent saves of one draft queue up instead of losing an edit
        query = query.with_for_update()
    return db.session.scalar(query)


def _require_key(kind: str, key: str) -> None:
    exists = db.session.scalar(
        db.select(Definition.id).where(Definition.kind == kind, Definition.key == key).limit(1)
    )
    if exists is None:
        raise NotFound(f"there is no {kind} {key}")


def _flush(conflict_message: str) -> None:
    """A unique (kind, key, version) violation means a concurrent writer won the race."""
    try:
        db.session.flush()
    except IntegrityError as err:
        db.session.rollback()
        raise Conflict(conflict_message) from err


def _move_all(kind: str, key: str, old: str, new: str, actor: Any, action: str) -> list[Definition]:
    check_kind(kind)
    rows = db.session.scalars(
        db.select(Definition)
        .where(Definition.kind == kind, Definition.key == key, Definition.status == old)
        .order_by(Definition.version)
        .with_for_update()
    ).all()
    if not rows:
        _require_key(kind, key)
        raise Conflict(f"{kind} {key} has no {old} version")
    for row in rows:
        row.status = new
        row.updated_by_id = _id(actor)
    db.session.flush()
    _audit(action, kind, key, actor, versions=[r.version for r in rows])
    return list(rows)


def _audit(action: str, kind: str, key: str, actor: User | None, **details: Any) -> None:
    audit.record(f"definition.{action}", "definition", f"{kind}:{key}", actor=actor, **details)
