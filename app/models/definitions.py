"""Versioned definitions: the single source of truth for everything a builder designs.

A key's draft is the row that will become its next version; publishing freezes that row
(checksum, published_at) and any later edit opens a new draft at version + 1. Running
instances point at (key, version), so a frozen row must never change: the service
refuses it and `_refuse_changes_to_frozen_rows` below refuses it again at flush time.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import JSONDoc, UTCDateTime, utcnow
from runtime.exceptions import Conflict, ImmutableDefinition


class DefinitionKind(enum.StrEnum):
    FORM = "form"
    FLOW = "flow"
    DECISION_TABLE = "decision_table"
    DASHBOARD = "dashboard"
    CONNECTOR = "connector"


class DefinitionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


_ALLOWED_MOVES = {
    (DefinitionStatus.DRAFT, DefinitionStatus.PUBLISHED),
    (DefinitionStatus.PUBLISHED, DefinitionStatus.ARCHIVED),
    (DefinitionStatus.ARCHIVED, DefinitionStatus.PUBLISHED),
}


def check_status_move(old: str, new: str) -> None:
    """The one place that says which status changes are legal."""
    if old != new and (DefinitionStatus(old), DefinitionStatus(new)) not in _ALLOWED_MOVES:
        raise Conflict(f"a {old} definition cannot become {new}")


class Definition(db.Model):
    __tablename__ = "definitions"
    __table_args__ = (
        UniqueConstraint("kind", "key", "version"),
        Index("ix_definitions_kind_key_status", "kind", "key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=DefinitionStatus.DRAFT)
    title: Mapped[str] = mapped_column(String(300))
    schema_version: Mapped[int] = mapped_column(default=1)
    body: Mapped[dict] = mapped_column(JSONDoc)
    checksum: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    @property
    def is_frozen(self) -> bool:
        return self.status != DefinitionStatus.DRAFT


_FROZEN_COLUMNS = ("kind", "key", "version", "title", "body", "checksum", "schema_version")


@event.listens_for(Definition, "before_update")
def _refuse_changes_to_frozen_rows(mapper, connection, target: Definition) -> None:
    state = inspect(target)
    old_status = state.attrs.status.history.deleted
    was = old_status[0] if old_status else target.status
    check_status_move(was, target.status)
    if was == DefinitionStatus.DRAFT:
        return
    changed = [c for c in _FROZEN_COLUMNS if state.attrs[c].history.has_changes()]
    if changed:
        raise ImmutableDefinition(
            f"{target.kind} {target.key} v{target.version} is {was}; "
            f"its {', '.join(changed)} cannot change"
        )


@event.listens_for(Definition, "before_delete")
def _refuse_deleting_frozen_rows(mapper, connection, target: Definition) -> None:
    if target.is_frozen:
        raise ImmutableDefinition(f"{target.kind} {target.key} v{target.version} cannot be deleted")
