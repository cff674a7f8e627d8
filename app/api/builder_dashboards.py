"""Endpoints of the dashboard designer.

Open, save and publish follow the other designers (app/api/drafts.py); publishing also
runs `app.reports.designer.check_board`, so datasets, fields, buckets and conditions a
board names must exist before managers see it. Two more endpoints answer what only the
report runtime knows: which problems an unsaved board has (`check`), and what one of
its widgets shows over the real data (`preview`, drawn by the same code as
/dashboards). Neither stores anything.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp, drafts, json_body
from app.api.builder import TAGS, WRITERS
from app.api.drafts import DESIGN_PROPERTIES, PUBLISH_REQUEST, SAVE_REQUEST, SAVED_SCHEMA
from app.api.openapi import operation
from app.reports import designer
from app.reports.jobs import request_update
from app.security import requires
from builder.definitions import KEY_PATTERN, unknown_fields
from runtime.exceptions import DefinitionInvalid, ErrorDetail, NotFound
from runtime.reports.spec import AGGREGATES, BUCKETS, CHARTS

KIND, NOUN = "dashboard", "dashboard"
ERRORS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "pointer": {"type": "string", "description": "JSON pointer into the board body"},
            "reason": {"type": "string"},
        },
    },
}
FIELD_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "kind": {"enum": ["string", "number", "datetime", "bool"]},
        "label": {"type": "string"},
    },
}
CONTEXT_SCHEMA = {
    "type": "object",
    "properties": {
        "datasets": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "title": {"type": "string"},
                    "time_field": {"type": ["string", "null"]},
                    "json_prefix": {"type": ["string", "null"],
                                    "description": "`<prefix>.<path>` reads the JSON column"},
                    "fields": {"type": "array", "items": FIELD_SCHEMA},
                },
            },
        },
        "roles": {"type": "array", "items": {"type": "string"}},
        "charts": {"type": "array", "items": {"type": "string"}},
        "aggregates": {"type": "array", "items": {"type": "string"}},
        "buckets": {"type": "array", "items": {"type": "string"}},
    },
}
DESIGN_SCHEMA = {"type": "object", "properties": {**DESIGN_PROPERTIES, "context": CONTEXT_SCHEMA}}
CHECK_REQUEST = {
    "type": "object",
    "required": ["body"],
    "additionalProperties": False,
    "properties": {"body": {"type": "object"}},
}
CHECK_RESPONSE = {"type": "object", "properties": {"errors": ERRORS_SCHEMA}}
PREVIEW_REQUEST = {
    "type": "object",
    "required": ["body", "widget"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "maxLength": 300},
        "body": {"type": "object"},
        "widget": {"type": "string", "description": "the id of the widget to draw"},
    },
}
PREVIEW_RESPONSE = {
    "type": "object",
    "properties": {
        "widget": {"type": "string"},
        "chart": {"type": "string"},
        "html": {"type": "string", "description": "KPI, table or notes, server-rendered"},
        "figure": {"type": ["object", "null"], "description": "Plotly figure JSON"},
        "rows": {"type": "integer"},
        "skipped_filters": {"type": "array", "items": {"type": "string"}},
    },
}


def _key(key: str) -> str:
    if not KEY_PATTERN.match(key):
        raise NotFound(f"{key!r} is not a definition key")
    return key


@bp.get("/builder/dashboards/<key>")
@requires(*WRITERS)
@operation(
    "A dashboard as its designer opens it: the draft, else the newest version, else a "
    "starter; plus the datasets (with their fields), roles, charts and aggregates it may use",
    tags=TAGS,
    response=DESIGN_SCHEMA,
    errors=(404,),
)
def design_dashboard(key: str) -> Any:
    request_update()  # the previews read the projections: bring them up to date
    context = {"datasets": designer.catalog(), "roles": designer.known_roles(),
               "charts": list(CHARTS), "aggregates": list(AGGREGATES), "buckets": list(BUCKETS)}
    return drafts.open_answer(KIND, _key(key), context=context)


@bp.put("/builder/dashboards/<key>/draft")
@requires(*WRITERS)
@operation(
    "Save the dashboard's draft unless someone changed it since `revision` (409 naming "
    "who); only the meta-schema is checked, so unfinished widgets can be saved",
    tags=TAGS,
    request=SAVE_REQUEST,
    response=SAVED_SCHEMA,
    errors=(404, 409, 422),
)
def save_dashboard_draft(key: str) -> Any:
    return drafts.save_draft(KIND, NOUN, _key(key))


@bp.post("/builder/dashboards/<key>/publish")
@requires(*WRITERS)
@operation(
    "Publish the dashboard's draft if every widget would run: datasets, fields, buckets, "
    "conditions, filters and roles exist (422 with pointers otherwise); 409 on a stale revision",
    tags=TAGS,
    request=PUBLISH_REQUEST,
    response=SAVED_SCHEMA,
    errors=(404, 409, 422),
)
def publish_dashboard(key: str) -> Any:
    return drafts.publish_draft(KIND, NOUN, _key(key), designer.check_board)


@bp.post("/builder/dashboards/check")
@requires(*WRITERS)
@operation(
    "Check an unsaved dashboard body as publishing would: every problem with a JSON "
    "pointer into the body (an empty list when it may be published)",
    tags=TAGS,
    request=CHECK_REQUEST,
    response=CHECK_RESPONSE,
    errors=(422,),
)
def check_dashboard() -> Any:
    data = json_body()
    problems = unknown_fields(data, ("body",))
    if not isinstance(data.get("body"), dict):
        problems.append(ErrorDetail("/body", "must be a dashboard body (an object)"))
    if problems:
        raise DefinitionInvalid(problems)
    return jsonify(errors=[e.as_dict() for e in designer.check_board(data["body"])])


@bp.post("/builder/dashboards/preview")
@requires(*WRITERS)
@operation(
    "Run one widget of an unsaved dashboard over the real data with the board's default "
    "filters, drawn by the same code as /dashboards (nothing stored); 422 with pointers "
    "into the body when that widget would not run",
    tags=TAGS,
    request=PREVIEW_REQUEST,
    response=PREVIEW_RESPONSE,
    errors=(422,),
)
def preview_dashboard_widget() -> Any:
    data = json_body()
    problems = unknown_fields(data, ("title", "body", "widget"))
    if not isinstance(data.get("body"), dict):
        problems.append(ErrorDetail("/body", "must be a dashboard body (an object)"))
    if not isinstance(data.get("widget"), str):
        problems.append(ErrorDetail("/widget", "must be the id of one of the board's widgets"))
    title = data.get("title", "Preview")
    if not isinstance(title, str):
        problems.append(ErrorDetail("/title", "must be a string"))
    if problems:
        raise DefinitionInvalid(problems)
    return jsonify(designer.preview_widget(title[:300], data["body"], data["widget"]))
