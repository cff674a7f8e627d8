"""The designers' shared contract: open a definition with a `revision`, save its draft
only if nobody changed it since (409 naming who), publish only what passes the
designer's own check.

The flow, form, decision-table and dashboard designers differ only in what they add to
the opening answer and in what they check before saving or publishing; everything
else about drafts and conflicts lives here once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import jsonify, request
from flask_login import current_user

from app.api import json_body
from app.api.definitions import DEFINITION_SCHEMA, definition_json
from app.extensions import db
from app.models import Definition, User
from app.services import definitions
from builder.definitions import starter_body, unknown_fields
from runtime.exceptions import Conflict, DefinitionInvalid, ErrorDetail

#: The revision of a key that has no definition yet.
NEW = "new"

#: A designer's check of a body: errors with pointers into the body ("" = the body).
Check = Callable[[Any], list[ErrorDetail]]

DESIGN_PROPERTIES = {
    "key": {"type": "string"},
    "title": {"type": "string"},
    "version": {"type": ["integer", "null"]},
    "status": {"enum": ["new", "draft", "published", "archived"]},
    "body": {"type": "object"},
    "revision": {"type": "string", "description": "send it back when saving"},
}
SAVE_REQUEST = {
    "type": "object",
    "required": ["title", "body", "revision"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 300},
        "body": {"type": "object", "description": "checked against the kind's meta-schema"},
        "revision": {"type": "string", "description": "from the design answer or the last save"},
    },
}
PUBLISH_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"revision": {"type": "string"}},
}
SAVED_SCHEMA = {
    "type": "object",
    "properties": {**DEFINITION_SCHEMA["properties"], "revision": {"type": "string"}},
}


def revision_of(row: Definition) -> str:
    """Changes whenever the key's newest row is saved, published, discarded or replaced."""
    stamp = row.updated_at.isoformat() if row.updated_at else ""
    return f"{row.version}:{row.status}:{stamp}"


def newest(kind: str, key: str, lock: bool = False) -> Definition | None:
    query = (
        db.select(Definition)
        .where(Definition.kind == kind, Definition.key == key)
        .order_by(Definition.version.desc())
    )
    if lock:  # every row of the key: the check and the save see the same state
        rows = db.session.scalars(query.with_for_update()).all()
        return rows[0] if rows else None
    return db.session.scalars(query.limit(1)).first()


def changed_by_someone_else(row: Definition | None, noun: str) -> str:
    if row is None:
        return f"this {noun}'s draft was discarded since you opened it; reload to start again"
    who = db.session.get(User, row.updated_by_id) if row.updated_by_id else None
    name = who.name if who is not None else "someone else"
    when = row.updated_at.strftime("%Y-%m-%d %H:%M UTC") if row.updated_at else "just now"
    what = "saved" if row.status == "draft" else str(row.status)
    return (
        f"{name} {what} v{row.version} of this {noun} at {when}, after you opened it. "
        "Reload to see their version (copy your changes from the JSON tab first)."
    )


def open_answer(kind: str, key: str, **extra: Any) -> Any:
    """The draft, else the newest version, else a starter body titled after the key."""
    row = newest(kind, key)
    if row is None:
        title = key.rsplit(".", 1)[-1].replace("_", " ").capitalize()
        return jsonify(key=key, title=title, version=None, status=NEW, body=starter_body(kind),
                       revision=NEW, **extra)
    return jsonify(key=key, title=row.title, version=row.version, status=str(row.status),
                   body=row.body, revision=revision_of(row), **extra)


def save_draft(kind: str, noun: str, key: str, check: Check | None = None) -> Any:
    """PUT …/draft: 409 when `revision` is stale, 422 when `check` finds errors."""
    data = json_body()
    problems = unknown_fields(data, ("title", "body", "revision"))
    if not isinstance(data.get("revision"), str):
        problems.append(ErrorDetail("/revision", "is required: the revision the edit started from"))
    if problems:
        raise DefinitionInvalid(problems)
    _refuse_stale(kind, noun, key, data["revision"])
    if check is not None:
        _refuse_errors(check(data.get("body")))
    row = definitions.save_draft(kind, key, data.get("title"), data.get("body"), current_user)
    db.session.commit()
    return jsonify({**definition_json(row), "revision": revision_of(row)})


def publish_draft(kind: str, noun: str, key: str, check: Check) -> Any:
    """POST …/publish: the stored draft, if `check` finds no error (422 with pointers);
    with `revision`, only if nobody changed the key since (409)."""
    data = json_body() if request.get_data(cache=True) else {}
    problems = unknown_fields(data, ("revision",))
    if problems:
        raise DefinitionInvalid(problems)
    if "revision" in data:
        _refuse_stale(kind, noun, key, data["revision"])
    else:
        newest(kind, key, lock=True)
    draft = definitions.get(kind, key, "draft")
    _refuse_errors(check(draft.body))
    row = definitions.publish(kind, key, actor=current_user)
    db.session.commit()
    return jsonify({**definition_json(row), "revision": revision_of(row)})


def _refuse_stale(kind: str, noun: str, key: str, revision: Any) -> None:
    current = newest(kind, key, lock=True)
    if (revision_of(current) if current else NEW) != revision:
        raise Conflict(changed_by_someone_else(current, noun))


def _refuse_errors(errors: list[ErrorDetail]) -> None:
    if errors:
        raise DefinitionInvalid([ErrorDetail(f"/body{e.pointer}", e.reason) for e in errors])
