"""Definition endpoints: list, read versions, save drafts, publish, archive, restore, diff.

Views stay thin: they check the request's shape, call one service function, commit and
answer. Reading is for builders and managers; every write is for builders only.
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request
from flask_login import current_user

from app.api import bp, json_body
from app.api.openapi import operation
from app.extensions import db
from app.models import Definition
from app.security import requires
from app.services import definitions
from builder.definitions import (
    CURRENT_SCHEMA_VERSION,
    KINDS,
    check_document,
    sort_errors,
    unknown_fields,
)
from runtime.exceptions import DefinitionInvalid, NotFound

READERS = ("builder", "manager")
WRITERS = ("builder",)
TAGS = ("definitions",)
DRAFT_FIELDS = ("title", "body", "schema_version")

_STAMP = {"type": ["string", "null"], "format": "date-time"}
_USER_ID = {"type": ["integer", "null"]}
VERSION_SCHEMA = {
    "type": "object",
    "properties": {
        "kind": {"enum": list(KINDS)},
        "key": {"type": "string"},
        "version": {"type": "integer"},
        "status": {"enum": ["draft", "published", "archived"]},
        "title": {"type": "string"},
        "schema_version": {"type": "integer"},
        "checksum": {"type": ["string", "null"]},
        "created_at": _STAMP,
        "created_by_id": _USER_ID,
        "updated_at": _STAMP,
        "updated_by_id": _USER_ID,
        "published_at": _STAMP,
        "published_by_id": _USER_ID,
    },
}
DEFINITION_SCHEMA = {
    "type": "object",
    "properties": {**VERSION_SCHEMA["properties"], "body": {"type": "object"}},
}
SUMMARY_SCHEMA = {
    "type": "object",
    "properties": {
        "kind": {"enum": list(KINDS)},
        "key": {"type": "string"},
        "title": {"type": "string"},
        "status": {"enum": ["draft", "published", "archived"]},
        "published_version": {"type": ["integer", "null"]},
        "draft_version": {"type": ["integer", "null"]},
        "version_count": {"type": "integer"},
        "updated_at": _STAMP,
        "updated_by": {"type": ["string", "null"]},
    },
}
LIST_SCHEMA = {
    "type": "object",
    "properties": {"definitions": {"type": "array", "items": SUMMARY_SCHEMA}},
}
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {
        **SUMMARY_SCHEMA["properties"],
        "versions": {"type": "array", "items": VERSION_SCHEMA},
    },
}
DRAFT_REQUEST = {
    "type": "object",
    "required": ["title", "body"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 300},
        "body": {"type": "object", "description": "checked against the kind's meta-schema"},
        "schema_version": {"type": "integer", "default": 1},
    },
}
DIFF_SCHEMA = {
    "type": "object",
    "properties": {
        "kind": {"type": "string"},
        "key": {"type": "string"},
        "from": {"type": "integer"},
        "to": {"type": "integer"},
        "changes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "op": {"enum": ["add", "remove", "replace", "reorder"]},
                    "path": {"type": "string"},
                    "old": {},
                    "new": {},
                },
            },
        },
    },
}
_VERSION_REF = {"type": "string", "description": "a version number, latest or draft"}


@bp.get("/definitions")
@requires(*READERS)
@operation(
    "List definitions, one entry per key",
    tags=TAGS,
    response=LIST_SCHEMA,
    query={"kind": {"enum": list(KINDS)}, "include_archived": {"type": "boolean"}},
    errors=(404,),
)
def list_definitions() -> Any:
    kind = request.args.get("kind") or None
    include_archived = request.args.get("include_archived", "").lower() in {"1", "true", "yes"}
    rows = definitions.list_definitions(kind, include_archived=include_archived)
    return jsonify(definitions=[_summary_json(s) for s in rows])


@bp.get("/definitions/<kind>/<key>")
@requires(*READERS)
@operation(
    "One definition: its summary and every version",
    tags=TAGS,
    response=DETAIL_SCHEMA,
    errors=(404,),
)
def get_definition(kind: str, key: str) -> Any:
    return jsonify(_detail_json(kind, key))


@bp.get("/definitions/<kind>/<key>/versions/<int:version>")
@requires(*READERS)
@operation("One version, with its body", tags=TAGS, response=DEFINITION_SCHEMA, errors=(404,))
def get_version(kind: str, key: str, version: int) -> Any:
    return jsonify(definition_json(definitions.get(kind, key, version)))


@bp.get("/definitions/<kind>/<key>/draft")
@requires(*READERS)
@operation("The current draft, with its body", tags=TAGS, response=DEFINITION_SCHEMA, errors=(404,))
def get_draft(kind: str, key: str) -> Any:
    return jsonify(definition_json(definitions.get(kind, key, "draft")))


@bp.put("/definitions/<kind>/<key>/draft")
@requires(*WRITERS)
@operation(
    "Save the draft (422 lists every error with its JSON pointer)",
    tags=TAGS,
    request=DRAFT_REQUEST,
    response=DEFINITION_SCHEMA,
    errors=(404, 409),
)
def save_draft(kind: str, key: str) -> Any:
    definitions.check_kind(kind)
    data = json_body()
    title, body = data.get("title"), data.get("body")
    schema_version = data.get("schema_version", CURRENT_SCHEMA_VERSION)
    unknown = unknown_fields(data, DRAFT_FIELDS)
    if unknown:  # reported together with everything else wrong, in one answer
        errors = unknown + check_document(kind, key, title, body, schema_version)
        raise DefinitionInvalid(sort_errors(errors))
    row = definitions.save_draft(
        kind, key, title, body, actor=current_user, schema_version=schema_version
    )
    db.session.commit()
    return jsonify(definition_json(row))


@bp.delete("/definitions/<kind>/<key>/draft")
@requires(*WRITERS)
@operation("Discard the draft", tags=TAGS, status=204, errors=(404, 409))
def discard_draft(kind: str, key: str) -> Any:
    _refuse_request_fields()
    definitions.discard_draft(kind, key, actor=current_user)
    db.session.commit()
    return "", 204


@bp.post("/definitions/<kind>/<key>/publish")
@requires(*WRITERS)
@operation(
    "Publish the draft as a new immutable version",
    tags=TAGS,
    response=DEFINITION_SCHEMA,
    errors=(404, 409, 422),
)
def publish(kind: str, key: str) -> Any:
    _refuse_request_fields()
    row = definitions.publish(kind, key, actor=current_user)
    db.session.commit()
    return jsonify(definition_json(row))


@bp.post("/definitions/<kind>/<key>/archive")
@requires(*WRITERS)
@operation(
    "Archive every published version: no new instances start from it",
    tags=TAGS,
    response=DETAIL_SCHEMA,
    errors=(404, 409),
)
def archive(kind: str, key: str) -> Any:
    _refuse_request_fields()
    definitions.archive(kind, key, actor=current_user)
    db.session.commit()
    return jsonify(_detail_json(kind, key))


@bp.post("/definitions/<kind>/<key>/restore")
@requires(*WRITERS)
@operation(
    "Publish the archived versions again", tags=TAGS, response=DETAIL_SCHEMA, errors=(404, 409)
)
def restore(kind: str, key: str) -> Any:
    _refuse_request_fields()
    definitions.restore(kind, key, actor=current_user)
    db.session.commit()
    return jsonify(_detail_json(kind, key))


@bp.get("/definitions/<kind>/<key>/diff")
@requires(*READERS)
@operation(
    "What changed between two versions",
    tags=TAGS,
    response=DIFF_SCHEMA,
    query={"from": _VERSION_REF, "to": _VERSION_REF},
    errors=(404,),
)
def diff(kind: str, key: str) -> Any:
    refs = {}
    for name in ("from", "to"):
        if not request.args.get(name):
            abort(400, description=f"the query parameter {name!r} is required")
        refs[name] = _version_ref(request.args[name])
    old = definitions.get(kind, key, refs["from"])
    new = definitions.get(kind, key, refs["to"])
    changes = definitions.diff(kind, key, old.version, new.version)
    return jsonify(
        kind=kind,
        key=key,
        **{"from": old.version, "to": new.version},
        changes=[c.as_dict() for c in changes],
    )


def _version_ref(text: str | None) -> definitions.VersionRef:
    """`"3"`, `"latest"`, `"draft"` or nothing, from a URL; NotFound for anything else."""
    if text is None or text == "":
        return None
    if text in ("latest", "draft"):
        return text  # type: ignore[return-value]
    if text.isdigit():
        return int(text)
    raise NotFound(f"there is no version {text!r}; use a number, latest or draft")


# --- shaping answers ------------------------------------------------------------------


def _stamp(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def version_json(row: Definition) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "key": row.key,
        "version": row.version,
        "status": row.status,
        "title": row.title,
        "schema_version": row.schema_version,
        "checksum": row.checksum,
        "created_at": _stamp(row.created_at),
        "created_by_id": row.created_by_id,
        "updated_at": _stamp(row.updated_at),
        "updated_by_id": row.updated_by_id,
        "published_at": _stamp(row.published_at),
        "published_by_id": row.published_by_id,
    }


def definition_json(row: Definition) -> dict[str, Any]:
    return {**version_json(row), "body": row.body}


def _summary_json(summary: definitions.DefinitionSummary) -> dict[str, Any]:
    return {
        "kind": summary.kind,
        "key": summary.key,
        "title": summary.title,
        "status": summary.status,
        "published_version": summary.published_version,
        "draft_version": summary.draft_version,
        "version_count": summary.version_count,
        "updated_at": _stamp(summary.updated_at),
        "updated_by": summary.updated_by,
    }


def _detail_json(kind: str, key: str) -> dict[str, Any]:
    versions = definitions.list_versions(kind, key)
    summary = definitions.get_summary(kind, key)
    return {**_summary_json(summary), "versions": [version_json(r) for r in versions]}


def _refuse_request_fields() -> None:
    """Actions take no input; a body with fields is refused rather than ignored."""
    if not request.get_data(cache=True):
        return
    data = json_body()
    if data:
        raise DefinitionInvalid(unknown_fields(data, ()))
