"""Endpoints of the form designer and the decision-table designer.

They follow the flow designer's contract (app/api/builder.py): open a definition with a
`revision`, save the draft only if nobody changed it since (409 naming who), publish
only what compiles. Two more answer questions the browser cannot answer itself without
re-implementing the runtime: how does this form body render (the real form runtime,
so the preview is what customers will see), and which rows of this table match these
inputs (the real `runtime.rules.tables`). Nothing is stored by either.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for

from app.api import bp, drafts, json_body
from app.api.builder import TAGS, WRITERS
from app.api.drafts import DESIGN_PROPERTIES, PUBLISH_REQUEST, SAVE_REQUEST, SAVED_SCHEMA
from app.api.openapi import operation
from app.forms.render import render_form
from app.security import requires
from builder.definitions import KEY_PATTERN, check_document, unknown_fields
from runtime.exceptions import DefinitionInvalid, ErrorDetail, NotFound
from runtime.forms import compile_form
from runtime.rules.errors import RuleError
from runtime.rules.tables import compile_table

#: URL segment -> definition kind and the noun used in messages.
KINDS = {"forms": ("form", "form"), "tables": ("decision_table", "decision table")}
LOCALES = ("en", "zh-CN")

DESIGN_SCHEMA = {
    "type": "object",
    "properties": {
        **DESIGN_PROPERTIES,
        "portal_url": {"type": ["string", "null"], "description": "forms: fill as customer"},
    },
}
PREVIEW_REQUEST = {
    "type": "object",
    "required": ["body"],
    "additionalProperties": False,
    "properties": {"body": {"type": "object"}, "locale": {"enum": list(LOCALES)}},
}
PREVIEW_RESPONSE = {
    "type": "object",
    "properties": {"html": {"type": "string", "description": "the fields, server-rendered"}},
}
TEST_REQUEST = {
    "type": "object",
    "required": ["body", "inputs"],
    "additionalProperties": False,
    "properties": {"body": {"type": "object"}, "inputs": {"type": "object"}},
}
TEST_RESPONSE = {
    "type": "object",
    "properties": {
        "matched": {"type": "array", "items": {"type": "string"}},
        "outputs": {},
        "used_default": {"type": "boolean"},
        "problem": {"type": ["string", "null"], "description": "no match / conflict"},
    },
}


def _kind(segment: str, key: str) -> tuple[str, str]:
    if segment not in KINDS or not KEY_PATTERN.match(key):
        raise NotFound(f"{segment}/{key} is not something the designers open")
    return KINDS[segment]


def _compile_errors(kind: str, body: Any) -> list[ErrorDetail]:
    """What publishing refuses, with pointers into the body (not into the document)."""
    if not isinstance(body, dict):
        return [ErrorDetail("", "must be an object")]
    found = check_document(kind, "check.key", "check", body)
    errors = [ErrorDetail(e.pointer.removeprefix("/body"), e.reason) for e in found]
    if kind == "decision_table" and not errors:
        try:
            compile_table(body)
        except DefinitionInvalid as exc:
            errors = list(exc.errors)
    return errors


def _portal_url(form_key: str) -> str | None:
    """The portal page that starts a case with this form, when a published flow offers it."""
    from app.portal.offers import list_offers

    for offer in list_offers():
        if offer.form_key == form_key:
            return url_for("portal.start", flow_key=offer.flow_key)
    return None


def _open(segment: str, key: str) -> Any:
    kind, _ = _kind(segment, key)
    return drafts.open_answer(kind, key, portal_url=_portal_url(key) if kind == "form" else None)


def _save(segment: str, key: str) -> Any:
    kind, noun = _kind(segment, key)
    # The meta-schema cannot see table cells that do not compile; forms are compiled by
    # the definitions service itself.
    check = _body_errors(kind) if kind == "decision_table" else None
    return drafts.save_draft(kind, noun, key, check)


def _publish(segment: str, key: str) -> Any:
    kind, noun = _kind(segment, key)
    return drafts.publish_draft(kind, noun, key, _body_errors(kind))


def _body_errors(kind: str) -> drafts.Check:
    return lambda body: _compile_errors(kind, body)


OPEN_DOC = "The {noun} as its designer opens it: the draft, else the newest version, else a starter"
SAVE_DOC = "Save the {noun}'s draft unless someone changed it since `revision` (409 naming who)"
PUBLISH_DOC = "Publish the {noun}'s draft if it compiles (422 with pointers otherwise)"


@bp.get("/builder/forms/<key>")
@requires(*WRITERS)
@operation(
    OPEN_DOC.format(noun="form") + "; `portal_url` when a portal flow starts with it",
    tags=TAGS,
    response=DESIGN_SCHEMA,
    errors=(404,),
)
def design_form(key: str) -> Any:
    return _open("forms", key)


@bp.put("/builder/forms/<key>/draft")
@requires(*WRITERS)
@operation(
    SAVE_DOC.format(noun="form"),
    tags=TAGS,
    request=SAVE_REQUEST,
    response=SAVED_SCHEMA,
    errors=(404, 409, 422),
)
def save_form_draft(key: str) -> Any:
    return _save("forms", key)


@bp.post("/builder/forms/<key>/publish")
@requires(*WRITERS)
@operation(
    PUBLISH_DOC.format(noun="form"),
    tags=TAGS,
    request=PUBLISH_REQUEST,
    response=SAVED_SCHEMA,
    errors=(404, 409, 422),
)
def publish_form(key: str) -> Any:
    return _publish("forms", key)


@bp.get("/builder/tables/<key>")
@requires(*WRITERS)
@operation(OPEN_DOC.format(noun="decision table"), tags=TAGS, response=DESIGN_SCHEMA, errors=(404,))
def design_table(key: str) -> Any:
    return _open("tables", key)


@bp.put("/builder/tables/<key>/draft")
@requires(*WRITERS)
@operation(
    SAVE_DOC.format(noun="decision table") + "; cells that do not compile are a 422",
    tags=TAGS,
    request=SAVE_REQUEST,
    response=SAVED_SCHEMA,
    errors=(404, 409, 422),
)
def save_table_draft(key: str) -> Any:
    return _save("tables", key)


@bp.post("/builder/tables/<key>/publish")
@requires(*WRITERS)
@operation(
    PUBLISH_DOC.format(noun="decision table"),
    tags=TAGS,
    request=PUBLISH_REQUEST,
    response=SAVED_SCHEMA,
    errors=(404, 409, 422),
)
def publish_table(key: str) -> Any:
    return _publish("tables", key)


@bp.post("/builder/forms/preview")
@requires(*WRITERS)
@operation(
    "Render an unsaved form body with the real form runtime in a locale (nothing stored); "
    "422 lists compile errors with pointers into the body",
    tags=TAGS,
    request=PREVIEW_REQUEST,
    response=PREVIEW_RESPONSE,
    errors=(422,),
)
def preview_form() -> Any:
    data = json_body()
    problems = unknown_fields(data, ("body", "locale"))
    locale = data.get("locale", "en")
    if locale not in LOCALES:
        problems.append(ErrorDetail("/locale", f"must be one of {', '.join(LOCALES)}"))
    if problems:
        raise DefinitionInvalid(problems)
    errors = _compile_errors("form", data.get("body"))
    if errors:
        raise DefinitionInvalid(errors)
    form = compile_form(data["body"], "preview", 0, "")
    return jsonify(html=str(render_form(form, locale=locale, id_prefix="pv")))


@bp.post("/builder/tables/test")
@requires(*WRITERS)
@operation(
    "Evaluate an unsaved decision table for test inputs with runtime.rules.tables: the rows "
    "that match and the outputs (nothing stored); 422 with pointers when it does not compile",
    tags=TAGS,
    request=TEST_REQUEST,
    response=TEST_RESPONSE,
    errors=(422,),
)
def test_table() -> Any:
    data = json_body()
    problems = unknown_fields(data, ("body", "inputs"))
    if not isinstance(data.get("inputs"), dict):
        problems.append(ErrorDetail("/inputs", "must be an object of variable values"))
    if problems:
        raise DefinitionInvalid(problems)
    errors = _compile_errors("decision_table", data.get("body"))
    if errors:
        raise DefinitionInvalid(errors)
    table = compile_table(data["body"])
    try:
        decision = table.evaluate(data["inputs"])
    except RuleError as exc:
        ids = list(getattr(exc, "rule_ids", ()) or ())
        return jsonify(matched=ids, outputs=None, used_default=False, problem=str(exc))
    return jsonify(
        matched=list(decision.matched_rule_ids),
        outputs=decision.outputs,
        used_default=decision.used_default,
        problem=None,
    )
