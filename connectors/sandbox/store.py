"""Where simulator state lives: a small `Store` protocol and an in-memory store.

State is JSON documents addressed by `(kind, key)`, e.g. `("payment.refund", "re_3Pq…")`.
The app stores them in the database (`app/sandbox/store.py`) so every gunicorn and RQ
worker sees the same refunds; tests of the pure simulators use `MemoryStore`.

Two operations carry the simulators' guarantees:

* `insert_if_absent` is atomic: of two requests with one idempotency key, exactly one
  inserts, and the other reads what the first stored (CHECKLIST 1, 13).
* `update(kind, key, change)` is a read-modify-write under the row's lock, so two
  concurrent refunds cannot both see the same unrefunded amount.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any, Protocol

Doc = dict[str, Any]


class Store(Protocol):
    def get(self, kind: str, key: str) -> Doc | None: ...

    def put(self, kind: str, key: str, doc: Doc) -> None: ...

    def insert_if_absent(self, kind: str, key: str, doc: Doc) -> bool:
        """Store `doc` unless `(kind, key)` exists; True when this call stored it."""
        ...

    def update(self, kind: str, key: str, change: Callable[[Doc | None], Doc | None]) -> Doc | None:
        """Replace the document with `change(current)` atomically (None: leave it as is)."""
        ...

    def delete(self, kind: str, key: str) -> None: ...

    def list(self, kind: str) -> list[Doc]: ...

    def delete_kind(self, kind: str) -> None: ...


class MemoryStore:
    """A process-local store; one lock makes every operation atomic."""

    def __init__(self) -> None:
        self._docs: dict[tuple[str, str], Doc] = {}
        self._lock = threading.RLock()

    def get(self, kind: str, key: str) -> Doc | None:
        with self._lock:
            doc = self._docs.get((kind, key))
            return copy.deepcopy(doc) if doc is not None else None

    def put(self, kind: str, key: str, doc: Doc) -> None:
        with self._lock:
            self._docs[(kind, key)] = copy.deepcopy(doc)

    def insert_if_absent(self, kind: str, key: str, doc: Doc) -> bool:
        with self._lock:
            if (kind, key) in self._docs:
                return False
            self._docs[(kind, key)] = copy.deepcopy(doc)
            return True

    def update(self, kind: str, key: str, change: Callable[[Doc | None], Doc | None]) -> Doc | None:
        with self._lock:
            new = change(self.get(kind, key))
            if new is not None:
                self._docs[(kind, key)] = copy.deepcopy(new)
            return copy.deepcopy(new) if new is not None else self.get(kind, key)

    def delete(self, kind: str, key: str) -> None:
        with self._lock:
            self._docs.pop((kind, key), None)

    def list(self, kind: str) -> list[Doc]:
        with self._lock:
            return [copy.deepcopy(d) for (k, _), d in sorted(self._docs.items()) if k == kind]

    def delete_kind(self, kind: str) -> None:
        with self._lock:
            for key in [k for k in self._docs if k[0] == kind]:
                del self._docs[key]
