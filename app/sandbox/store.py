"""`DatabaseStore`: the simulators' `Store` on the app's database.

Every operation commits at once: a simulated API has no transaction with its caller,
and a concurrent request must see an idempotency key the moment it is taken.
`insert_if_absent` relies on the unique `(kind, key)` constraint; `update` locks the
row (`SELECT … FOR UPDATE`) on PostgreSQL. SQLite has no row locks, so there the two
atomic operations are serialised by a process-wide lock: SQLite serves one process
(`formloom run`), which is exactly what the lock covers.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from contextlib import nullcontext

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.sandbox.models import SandboxRecord
from connectors.sandbox.store import Doc

_SQLITE_LOCK = threading.RLock()


class DatabaseStore:
    def _lock(self):
        return _SQLITE_LOCK if db.engine.dialect.name == "sqlite" else nullcontext()

    def _row(self, kind: str, key: str, *, lock: bool = False) -> SandboxRecord | None:
        query = db.select(SandboxRecord).where(SandboxRecord.kind == kind,
                                               SandboxRecord.key == key)
        if lock:
            query = query.with_for_update()
        return db.session.scalar(query.execution_options(populate_existing=True))

    def get(self, kind: str, key: str) -> Doc | None:
        row = self._row(kind, key)
        return copy.deepcopy(row.data) if row is not None else None

    def put(self, kind: str, key: str, doc: Doc) -> None:
        with self._lock():
            row = self._row(kind, key, lock=True)
            if row is None and not self._insert(kind, key, doc):  # lost a race: overwrite
                row = self._row(kind, key, lock=True)
            if row is not None:
                row.data = copy.deepcopy(doc)
            db.session.commit()

    def insert_if_absent(self, kind: str, key: str, doc: Doc) -> bool:
        with self._lock():
            if self._row(kind, key) is not None:
                db.session.commit()
                return False
            inserted = self._insert(kind, key, doc)
            db.session.commit()
            return inserted

    def update(self, kind: str, key: str, change: Callable[[Doc | None], Doc | None]) -> Doc | None:
        with self._lock():
            row = self._row(kind, key, lock=True)
            new = change(copy.deepcopy(row.data) if row is not None else None)
            if new is not None:
                if row is None:
                    self._insert(kind, key, new)
                else:
                    row.data = copy.deepcopy(new)
            db.session.commit()
            return self.get(kind, key)

    def delete(self, kind: str, key: str) -> None:
        with self._lock():
            db.session.execute(db.delete(SandboxRecord).where(SandboxRecord.kind == kind,
                                                              SandboxRecord.key == key))
            db.session.commit()

    def list(self, kind: str) -> list[Doc]:
        rows = db.session.scalars(db.select(SandboxRecord).where(SandboxRecord.kind == kind)
                                  .order_by(SandboxRecord.id))
        return [copy.deepcopy(r.data) for r in rows]

    def delete_kind(self, kind: str) -> None:
        db.session.execute(db.delete(SandboxRecord).where(SandboxRecord.kind == kind))
        db.session.commit()

    def delete_all(self) -> None:
        db.session.execute(db.delete(SandboxRecord))
        db.session.commit()

    def _insert(self, kind: str, key: str, doc: Doc) -> bool:
        """Insert in a savepoint; False when another request inserted the key first."""
        try:
            with db.session.begin_nested():
                db.session.add(SandboxRecord(kind=kind, key=key, data=copy.deepcopy(doc)))
        except IntegrityError:
            return False
        return True
