"""Human-readable case numbers (RMA-000123), one counter row per flow key.

The increment is a single `UPDATE … RETURNING`, atomic on PostgreSQL and SQLite alike:
a read-then-write would let two concurrent starts take the same number.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import CaseCounter


def next_case_number(flow_key: str, prefix: str = "", digits: int = 6) -> str:
    return f"{prefix}{_take(flow_key):0{digits}d}"


def _take(flow_key: str) -> int:
    bump = (
        update(CaseCounter)
        .where(CaseCounter.flow_key == flow_key)
        .values(next_value=CaseCounter.next_value + 1)
        .returning(CaseCounter.next_value)
    )
    taken = db.session.scalar(bump)
    if taken is not None:
        return taken - 1
    try:
        with db.session.begin_nested():
            db.session.add(CaseCounter(flow_key=flow_key, next_value=2))
        return 1
    except IntegrityError:  # another start created the row first; take the next one
        return db.session.scalar(bump) - 1
