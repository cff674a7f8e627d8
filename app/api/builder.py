"""Endpoints the browser builder uses beyond plain definitions: open a flow in the
designer (with what it may refer to), lint a body, and publish only a lint-clean draft.

Saving still goes through `PUT /definitions/flow/<key>/draft` (meta-schema checked, one
draft per key); publishing from the designer goes through here so that the linter's
errors (unreachable steps, outcomes leading nowhere, unknown forms or connectors)
block it on the server too, not only in the browser.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user

from app.api import bp, json_body
from app.api.definitions import DEFINITION_SCHEMA, definition_json
from app.api.openapi import operation
from app.extensions import db
from app.models import Definition, User
from app.security import requires
from app.services import definitions
from app.services.lint_context import context_json, get_lint_context
from builder.definitions import KEY_PATTERN, starter_body, unknown_fields
from builder.lint import ERROR, has_errors, lint_flow_body
from runtime.exceptions import Conflict, DefinitionInvalid, ErrorDetail, NotFound

WRITERS = ("builder",)
TAGS = ("builder",)

ISSUE_SCHEMA = {
    "type": "object",
    "properties": {
        "severity": {"enum": ["error", "warning"]},
        "pointer": {"type": "string", "description": "JSON pointer into the flow body"},
        "message": {"type": "string"},
        "node": {"type": ["string", "null"], "description": "id of the node it belongs to"},
        "edge": {"type": ["integer", "null"], "description": "index of the edge it belongs to"},
        "edge_id": {"type": ["string", "null"]},
    },
}
LINT_REQUEST = {
    "type": "object",
    "required": ["body"],
    "additionalProperties": False,
    "properties": {"kind": {"enum": ["flow"]}, "body": {"type": "object"}},
}
LINT_RESPONSE = {
    "type": "object",
    "properties": {
        "issues": {"type": "array", "items": ISSUE_SCHEMA},
        "errors": {"type": "integer"},
        "warnings": {"type": "integer"},
    },
}
CONTEXT_SCHEMA = {
    "type": "object",
    "properties": {
        "forms": {"type": "array", "items": {"type": "string"}},
        "tables": {"type": "array", "items": {"type": "string"}},
        "flows": {"type": "array", "items": {"type": "string"}},
        "connectors": {"type": "object", "additionalProperties": {"type": "array"}},
        "roles": {"type": "array", "items": {"type": "string"}},
    },
}
SAVE_REQUEST = {
    "type": "object",
    "required": ["title", "body", "revision"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 300},
        "body": {"type": "object", "description": "checked against the flow meta-schema"},
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
DESIGN_SCHEMA = {
    "type": "object",
    "properties": {
        "key": {"type": "string"},
        "title": {"type": "string"},
        "version": {"type": ["integer", "null"]},
        "status": {"enum": ["new", "draft", "published", "archived"]},
        "body": {"type": "object"},
        "context": CONTEXT_SCHEMA,
        "revision": {"type": "string", "description": "send it back when saving"},
    },
}


@bp.get("/builder/flows/<key>")
@requires(*WRITERS)
@operation(
    "A flow as the designer opens it: the draft, else the newest version, else a starter; "
    "plus the forms, tables, flows, connector actions and roles it may refer to",
    tags=TAGS,
    response=DESIGN_SCHEMA,
    errors=(404,),
)
def design_flow(key: str) -> Any:
    if not KEY_PATTERN.match(key):
        raise NotFound(f"{key!r} is not a definition key")
    context = context_json(get_lint_context())
    row = _newest(key)
    if row is None:
        title = key.rsplit(".", 1)[-1].replace("_", " ").capitalize()
        body = starter_body("flow")
        return jsonify(
            key=key, title=title, version=None, status="new", body=body, context=context,
            revision=NEW,
        )
    return jsonify(
        key=key,
        title=row.title,
        version=row.version,
        status=str(row.status),
        body=row.body,
        context=context,
        revision=revision_of(row),
    )


@bp.put("/builder/flows/<key>/draft")
@requires(*WRITERS)
@operation(
    "Save the flow's draft unless someone else changed the flow since `revision` was read "
    "(409 then, naming who): two builders never silently overwrite each other",
    tags=TAGS,
    request=SAVE_REQUEST,
    response=SAVED_SCHEMA,
    errors=(404, 409, 422),
)
def save_flow_draft(key: str) -> Any:
    data = json_body()
    problems = unknown_fields(data, ("title", "body", "revision"))
    if not isinstance(data.get("revision"), str):
        problems.append(ErrorDetail("/revision", "is required: the revision the edit started from"))
    if problems:
        raise DefinitionInvalid(problems)
    current = _newest(key, lock=True)
    if (revision_of(current) if current else NEW) != data["revision"]:
        raise Conflict(_changed_by_someone_else(current))
    row = definitions.save_draft("flow", key, data.get("title"), data.get("body"), current_user)
    db.session.commit()
    return jsonify({**definition_json(row), "revision": revision_of(row)})


NEW = "new"


def revision_of(row: Definition) -> str:
    """Changes whenever the key's newest row is saved, published, discarded or replaced."""
    stamp = row.updated_at.isoformat() if row.updated_at else ""
    return f"{row.version}:{row.status}:{stamp}"


def _newest(key: str, lock: bool = False, kind: str = "flow") -> Definition | None:
    query = (
        db.select(Definition)
        .where(Definition.kind == kind, Definition.key == key)
        .order_by(Definition.version.desc())
    )
    if lock:  # every row of the key: the check and the save see the same state
        rows = db.session.scalars(query.with_for_update()).all()
        return rows[0] if rows else None
    return db.session.scalars(query.limit(1)).first()


def _changed_by_someone_else(row: Definition | None, noun: str = "flow") -> str:
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


@bp.post("/builder/lint")
@requires(*WRITERS)
@operation(
    "Lint a flow body: errors (block publishing) and warnings, each with a JSON pointer "
    "and the node id or edge index it belongs to",
    tags=TAGS,
    request=LINT_REQUEST,
    response=LINT_RESPONSE,
    errors=(422,),
)
def lint() -> Any:
    data = json_body()
    problems = unknown_fields(data, ("kind", "body"))
    if data.get("kind", "flow") != "flow":
        problems.append(ErrorDetail("/kind", "only flows are linted for now"))
    if not isinstance(data.get("body"), dict):
        problems.append(ErrorDetail("/body", "must be a flow body (an object)"))
    if problems:
        raise DefinitionInvalid(problems)
    issues = lint_flow_body(data["body"], get_lint_context())
    errors = sum(1 for issue in issues if issue.severity == ERROR)
    return jsonify(
        issues=[issue.as_dict() for issue in issues],
        errors=errors,
        warnings=len(issues) - errors,
    )


@bp.post("/builder/flows/<key>/publish")
@requires(*WRITERS)
@operation(
    "Publish the flow's draft if the linter finds no error (422 lists them otherwise); "
    "with `revision`, only if nobody changed the draft since (409)",
    tags=TAGS,
    request=PUBLISH_REQUEST,
    response=SAVED_SCHEMA,
    errors=(404, 409, 422),
)
def publish_flow(key: str) -> Any:
    data = json_body() if request.get_data(cache=True) else {}
    problems = unknown_fields(data, ("revision",))
    if problems:
        raise DefinitionInvalid(problems)
    current = _newest(key, lock=True)
    if "revision" in data and (revision_of(current) if current else NEW) != data["revision"]:
        raise Conflict(_changed_by_someone_else(current))
    draft = definitions.get("flow", key, "draft")
    issues = lint_flow_body(draft.body, get_lint_context())
    if has_errors(issues):
        raise DefinitionInvalid(
            [ErrorDetail(f"/body{i.pointer}", i.message) for i in issues if i.severity == ERROR]
        )
    row = definitions.publish("flow", key, actor=current_user)
    db.session.commit()
    return jsonify({**definition_json(row), "revision": revision_of(row)})


from app.api import builder_designers  # noqa: E402,F401  (form and table designer routes)
