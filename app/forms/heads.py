"""Which version of a definition is the newest published one, asked once per short window.

Every customer submit and form page asked the database for the newest published
version of its form (and the portal for its flow's offer): one round trip per request
for an answer that changes when someone publishes, which is rare. The answer is now
kept per app for `DEFINITION_HEAD_SECONDS` (default 2 s):

* in this process, a commit that inserted, changed or deleted any `Definition` row
  forgets every kept answer at once (publish, archive, re-publish), so the next request
  asks again;
* another gunicorn worker process has no way to hear of that commit without a query,
  so it keeps serving the version it knows for at most the window: a submit arriving
  within 2 s of a publish may still be validated against the previous published
  version, exactly as if it had been sent 2 s earlier. An archived form likewise stops
  accepting submissions in other processes within the window.

`DEFINITION_HEAD_SECONDS = 0` asks the database on every request, as before.

Kept per app (`app.extensions`), not per process: a test process makes a new app per
database and must never see another database's versions.
"""

from __future__ import annotations

import threading
import time
from typing import NamedTuple

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from app.extensions import db
from app.models import Definition, DefinitionStatus

EXTENSION = "formloom.definition_heads"
DEFAULT_SECONDS = 2.0
_CHANGED = "formloom.definitions_changed"
_lock = threading.Lock()


class Head(NamedTuple):
    version: int
    checksum: str | None


def newest_published(kind: str, key: str) -> Head | None:
    """(version, checksum) of the newest published version of `kind`/`key`, or None."""
    heads = current_app.extensions.setdefault(EXTENSION, {})
    now = time.monotonic()
    kept = heads.get((kind, key))
    if kept is not None and now < kept[0]:
        return kept[1]
    row = db.session.execute(
        db.select(Definition.version, Definition.checksum)
        .where(Definition.kind == kind, Definition.key == key,
               Definition.status == DefinitionStatus.PUBLISHED)
        .order_by(Definition.version.desc())
        .limit(1)
    ).first()
    head = Head(row.version, row.checksum) if row is not None else None
    seconds = float(current_app.config.get("DEFINITION_HEAD_SECONDS", DEFAULT_SECONDS))
    if head is not None and seconds > 0:  # "not there yet" is never kept
        with _lock:
            heads[(kind, key)] = (now + seconds, head)
    return head


def forget_all() -> None:
    """Forget every kept answer of the current app (the next request asks the database)."""
    if has_app_context():
        with _lock:
            current_app.extensions.get(EXTENSION, {}).clear()


@event.listens_for(Definition, "after_insert")
@event.listens_for(Definition, "after_update")
@event.listens_for(Definition, "after_delete")
def _note_change(mapper, connection, target: Definition) -> None:
    session = object_session(target)
    if session is not None:
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        forget_all()


@event.listens_for(Session, "after_rollback")
def _keep_after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
