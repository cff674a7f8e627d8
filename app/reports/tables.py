"""Reporting tables: the built-in projections, the projector's cursor, sent reports.

Projection tables are built from their JSON definitions (`runtime/reports/projections`)
onto `db.metadata`, so the migrations (0006, 0007) and the models are compared by the same
test as every other table. Rows here are derived data: `formloom reports rebuild` can
always recreate them from `instance_events`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, JSONDoc, UTCDateTime, utcnow
from runtime.reports.projection import ProjectionSpec, build_table, load_projection

#: Projections that ship with the platform; each has a table created by a migration.
BUILT_IN_PROJECTIONS = ("returns",)

PROJECTIONS: dict[str, ProjectionSpec] = {
    name: load_projection(name) for name in BUILT_IN_PROJECTIONS
}
TABLES = {
    name: build_table(spec, db.metadata, UTCDateTime, BigId) for name, spec in PROJECTIONS.items()
}


class ReportCursor(db.Model):
    """How far a projection has read `instance_events` (by id), and ids still missing.

    On PostgreSQL an event id can become visible after a higher one (two transactions
    commit out of order). The projector therefore remembers ids it skipped over as
    `gaps` and looks for them again until they appear or are old enough to be ids of a
    rolled-back transaction; that is how it never misses an event.
    """

    __tablename__ = "report_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(db.BigInteger, default=0)
    #: `{"<id>": "<ISO time first noticed>"}` for ids below the cursor not seen yet.
    gaps: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReportDelivery(db.Model):
    """One scheduled report sent for one period: the unique key makes sending idempotent."""

    __tablename__ = "report_deliveries"
    __table_args__ = (UniqueConstraint("board_key", "schedule_id", "period"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    board_key: Mapped[str] = mapped_column(String(128))
    schedule_id: Mapped[str] = mapped_column(String(64))
    #: `2026-11-22` for daily, `2026-W47` for weekly.
    period: Mapped[str] = mapped_column(String(16))
    recipients: Mapped[list] = mapped_column(JSONDoc, default=list)
    message_id: Mapped[int | None] = mapped_column(db.BigInteger)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
