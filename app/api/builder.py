"""Endpoints of the flow designer: open a flow (with what it may refer to), lint a
body, save the draft with its revision, and publish only a lint-clean draft.

Publishing from the designer goes through here so that the linter's errors
(unreachable steps, outcomes leading nowhere, unknown forms or connectors) block it on
the server too, not only in the browser. The draft and conflict handling shared by
every designer lives in app/api/drafts.py.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp, drafts, json_body
from app.api.drafts import DESIGN_PROPERTIES, PUBLISH_REQUEST, SAVE_REQUEST, SAVED_SCHEMA
from app.api.openapi import operation
from app.security import requires
from app.services.lint_context import context_json, get_lint_context
from builder.definitions import KEY_PATTERN, starter_body, unknown_fields
from builder.lint import ERROR, lint_flow_body
from builder.lint_variables import known_variables
from runtime.exceptions import DefinitionInvalid, ErrorDetail, NotFound

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
VARIABLES_SCHEMA = {
    "type": "array",
    "description": "the variables the flow knows: start form fields, declared start variables, "
    "task, form, service, decision, subflow and wait outputs, case_number; list items as "
    "items[0].sku",
    "items": {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "e.g. review.data.reject_reason"},
            "source": {"type": "string", "description": "where it comes from, for people"},
        },
    },
}
LINT_RESPONSE = {
    "type": "object",
    "properties": {
        "issues": {"type": "array", "items": ISSUE_SCHEMA},
        "errors": {"type": "integer"},
        "warnings": {"type": "integer"},
        "variables": VARIABLES_SCHEMA,
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
        "variables": VARIABLES_SCHEMA,
    },
}
DESIGN_SCHEMA = {
    "type": "object",
    "properties": {**DESIGN_PROPERTIES, "context": CONTEXT_SCHEMA},
}


@bp.get("/builder/flows/<key>")
@requires(*WRITERS)
@operation(
    "A flow as the designer opens it: the draft, else the newest version, else a starter; "
    "plus the forms, tables, flows, connector actions and roles it may refer to and the "
    "variables it knows (for the side panel's pickers)",
    tags=TAGS,
    response=DESIGN_SCHEMA,
    errors=(404,),
)
def design_flow(key: str) -> Any:
    if not KEY_PATTERN.match(key):
        raise NotFound(f"{key!r} is not a definition key")
    context = get_lint_context()
    row = drafts.newest("flow", key)
    body = row.body if row is not None else starter_body("flow")
    known = {"variables": known_variables(body, context).as_list()}
    return drafts.open_answer("flow", key, context={**context_json(context), **known})


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
    return drafts.save_draft("flow", "flow", key)


@bp.post("/builder/lint")
@requires(*WRITERS)
@operation(
    "Lint a flow body: errors (block publishing) and warnings, each with a JSON pointer "
    "and the node id or edge index it belongs to; plus the variables the body knows",
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
    context = get_lint_context()
    issues = lint_flow_body(data["body"], context)
    errors = sum(1 for issue in issues if issue.severity == ERROR)
    return jsonify(
        issues=[issue.as_dict() for issue in issues],
        errors=errors,
        warnings=len(issues) - errors,
        variables=known_variables(data["body"], context).as_list(),
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
    return drafts.publish_draft("flow", "flow", key, _lint_errors)


def _lint_errors(body: Any) -> list[ErrorDetail]:
    issues = lint_flow_body(body, get_lint_context())
    return [ErrorDetail(i.pointer, i.message) for i in issues if i.severity == ERROR]


from app.api import builder_dashboards, builder_designers  # noqa: E402,F401  (more designers)
