"""Builder pages: definitions, their versions, diffs, a JSON editor, and the publish buttons.

The drag-and-drop editor arrives with the builder issue; until then a builder edits a
draft's JSON in a plain form, which the server checks against the meta-schema like any
other save, showing every error with its pointer. Works without JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.extensions import db
from app.models import Definition, User
from app.security import requires
from app.services import audit, bundle_zip, definitions
from app.services.bundles import BundleInvalid, BundleProblem
from builder.definitions import KEY_PATTERN, KINDS, starter_body
from runtime.exceptions import Conflict, DefinitionInvalid, ErrorDetail, NotFound

bp = Blueprint("builder", __name__, url_prefix="/builder")


@bp.get("/")
@requires("builder")
def index() -> Any:
    kind = request.args.get("kind") or None
    if kind not in (None, *KINDS):
        abort(404)
    archived = request.args.get("archived") == "1"
    rows = definitions.list_definitions(kind, include_archived=archived)
    return render_template(
        "builder/index.html", definitions=rows, kinds=KINDS, kind=kind, archived=archived
    )


@bp.get("/new")
@requires("builder")
def new() -> Any:
    """Start a definition: a kind and a key lead to the editor with a valid starter body."""
    kind, key = request.args.get("kind", ""), request.args.get("key", "").strip()
    if kind not in KINDS or not KEY_PATTERN.match(key):
        flash("Choose a kind and a key such as returns.request (lower-case, dots).", "error")
        return redirect(url_for("builder.index"))
    return redirect(url_for("builder.edit", kind=kind, key=key))


@bp.get("/<kind>/<key>")
@requires("builder")
def definition(kind: str, key: str) -> Any:
    versions = definitions.list_versions(kind, key)
    return render_template(
        "builder/definition.html",
        summary=definitions.get_summary(kind, key),
        versions=versions,
        names=_names(versions),
    )


@bp.get("/<kind>/<key>/versions/<int:version>")
@requires("builder")
def version(kind: str, key: str, version: int) -> Any:
    row = definitions.get(kind, key, version)
    return render_template(
        "builder/version.html", row=row, names=_names([row]), body_text=_pretty(row.body)
    )


@bp.get("/<kind>/<key>/edit")
@requires("builder")
def edit(kind: str, key: str) -> Any:
    definitions.check_kind(kind)
    try:
        row: Definition | None = definitions.get(kind, key)
    except NotFound:
        row = None
    title = row.title if row else key
    body = row.body if row else starter_body(kind)
    return _render_editor(kind, key, row, title, _pretty(body), [])


@bp.post("/<kind>/<key>/edit")
@requires("builder")
def save(kind: str, key: str) -> Any:
    definitions.check_kind(kind)
    title, text = request.form.get("title", ""), request.form.get("body", "")
    try:
        body = json.loads(text)
    except ValueError as err:
        error = ErrorDetail("/body", f"is not valid JSON: {err}")
        return _render_editor(kind, key, _current(kind, key), title, text, [error], 422)
    try:
        row = definitions.save_draft(kind, key, title, body, actor=current_user)
    except DefinitionInvalid as err:
        db.session.rollback()
        return _render_editor(kind, key, _current(kind, key), title, text, err.errors, 422)
    db.session.commit()
    if row.is_frozen:
        flash(f"Nothing changed: v{row.version} already holds this.", "info")
    else:
        flash(f"Draft v{row.version} saved.", "success")
    return redirect(url_for("builder.definition", kind=kind, key=key))


@bp.get("/<kind>/<key>/diff")
@requires("builder")
def diff(kind: str, key: str) -> Any:
    versions = definitions.list_versions(kind, key)
    numbers = [v.version for v in versions]
    to = request.args.get("to", type=int) or numbers[0]
    default_from = max((n for n in numbers if n < to), default=to)
    start = request.args.get("from", type=int) or default_from
    changes = definitions.diff(kind, key, start, to)
    rows = [
        (c, "" if c.op == "add" else _compact(c.old), "" if c.op == "remove" else _compact(c.new))
        for c in changes
    ]
    return render_template(
        "builder/diff.html", kind=kind, key=key, versions=versions, start=start, to=to, rows=rows
    )


@bp.post("/<kind>/<key>/publish")
@requires("builder")
def publish(kind: str, key: str) -> Any:
    return _act(kind, key, definitions.publish, "Published {kind} {key} v{version}.")


@bp.post("/<kind>/<key>/archive")
@requires("builder")
def archive(kind: str, key: str) -> Any:
    return _act(kind, key, definitions.archive, "Archived {kind} {key}: no new instances start.")


@bp.post("/<kind>/<key>/restore")
@requires("builder")
def restore(kind: str, key: str) -> Any:
    return _act(kind, key, definitions.restore, "Restored {kind} {key}.")


@bp.post("/<kind>/<key>/discard")
@requires("builder")
def discard(kind: str, key: str) -> Any:
    return _act(kind, key, definitions.discard_draft, "Discarded the draft of {kind} {key}.")


@bp.post("/<kind>/<key>/duplicate")
@requires("builder")
def duplicate(kind: str, key: str) -> Any:
    """Copy the newest body (draft, or else the newest version) into a draft under a new key."""
    source = definitions.get(kind, key)
    new_key = request.form.get("new_key", "").strip()
    title = request.form.get("title", "").strip() or source.title
    back = redirect(url_for("builder.definition", kind=kind, key=key))
    if not KEY_PATTERN.match(new_key):
        flash(
            f"{new_key!r} is not a key: use lower-case words joined by dots, "
            "such as returns.request.",
            "error",
        )
        return back
    if _current(kind, new_key) is not None:
        flash(
            f"A {kind.replace('_', ' ')} with the key {new_key} already exists; "
            "choose another key.",
            "error",
        )
        return back
    try:
        row = definitions.save_draft(
            kind, new_key, title, source.body, current_user, source.schema_version
        )
    except (Conflict, DefinitionInvalid) as err:
        db.session.rollback()
        problems = [f"{e.pointer} {e.reason}" for e in getattr(err, "errors", [])[:5]]
        flash(" ".join([f"Could not duplicate: {err}", *problems]), "error")
        return back
    audit.record(
        "definition.duplicated",
        "definition",
        f"{kind}:{new_key}",
        actor=current_user,
        source=f"{kind}:{key}:v{source.version}",
    )
    db.session.commit()
    flash(f"Draft v{row.version} of {new_key} copied from {key} v{source.version}.", "success")
    return redirect(url_for("builder.definition", kind=kind, key=new_key))


@bp.post("/export")
@requires("builder")
def export() -> Any:
    """Download the ticked definitions as a zip: the folder bundle `formloom export` writes."""
    keys = sorted({k for k in request.form.getlist("key") if KEY_PATTERN.match(k)})
    if not keys:
        flash("Tick at least one definition to export.", "error")
        return redirect(url_for("builder.index"))
    try:
        data = bundle_zip.export_zip(keys)
    except NotFound as err:
        flash(f"Nothing exported: {err}. Only published versions are exported.", "error")
        return redirect(url_for("builder.index"))
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": 'attachment; filename="formloom-bundle.zip"'},
    )


@bp.route("/import", methods=["GET", "POST"])
@requires("builder")
def import_zip() -> Any:
    """Upload a bundle zip: checked like `formloom import`, all of it or nothing."""
    if request.method == "GET":
        return _import_page()
    upload = request.files.get("bundle")
    data = upload.read(bundle_zip.MAX_ZIP_BYTES + 1) if upload else b""
    if not data:
        return _import_page(problems=[BundleProblem("", "choose a .zip file", bundle_zip.UPLOAD)])
    try:
        result = bundle_zip.import_zip(
            data, actor=current_user, replace_drafts=request.form.get("replace_drafts") == "1"
        )
    except (BundleInvalid, DefinitionInvalid, Conflict) as err:
        db.session.rollback()
        problems = getattr(err, "errors", None) or [BundleProblem("", str(err), bundle_zip.UPLOAD)]
        return _import_page(problems=problems)
    db.session.commit()
    return _import_page(result)


# --- helpers --------------------------------------------------------------------------


def _render_editor(
    kind: str,
    key: str,
    row: Definition | None,
    title: str,
    text: str,
    errors: list[ErrorDetail],
    status: int = 200,
) -> Any:
    page = render_template(
        "builder/edit.html", kind=kind, key=key, row=row, title=title, text=text, errors=errors
    )
    return page, status


def _import_page(result: Any = None, problems: list[ErrorDetail] | None = None) -> Any:
    page = render_template(
        "builder/import.html",
        max_bytes=bundle_zip.MAX_ZIP_BYTES,
        result=result,
        problems=problems or [],
    )
    return page, 422 if problems else 200


def _act(kind: str, key: str, call: Callable[..., Any], done: str) -> Any:
    """Run one service call for a POST button, commit, and say what happened."""
    try:
        result = call(kind, key, actor=current_user)
    except (Conflict, DefinitionInvalid) as err:
        db.session.rollback()
        problems = [f"{e.pointer} {e.reason}" for e in getattr(err, "errors", [])[:5]]
        flash(" ".join([str(err), *problems]), "error")
    else:
        db.session.commit()
        version = getattr(result, "version", "")
        flash(done.format(kind=kind, key=key, version=version), "success")
    if _current(kind, key) is None:  # the discarded draft was all there was
        return redirect(url_for("builder.index"))
    return redirect(url_for("builder.definition", kind=kind, key=key))


def _current(kind: str, key: str) -> Definition | None:
    try:
        return definitions.get(kind, key)
    except NotFound:
        return None


def _names(rows: Iterable[Definition]) -> dict[int, str]:
    ids = {i for r in rows for i in (r.created_by_id, r.updated_by_id, r.published_by_id) if i}
    if not ids:
        return {}
    found = db.session.execute(db.select(User.id, User.name).where(User.id.in_(ids)))
    return dict(found.all())


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _compact(value: Any, limit: int = 2000) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
