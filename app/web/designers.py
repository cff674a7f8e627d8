"""The form designer and decision-table designer pages: shells around the built bundle.

Like the flow designer (app/web/designer.py, whose `bundle_assets` they reuse) they
carry no inline script: the bundle finds its root element and reads the key, the API
prefix and the CSRF token from data attributes. Without a build they explain how to
make one and link the JSON editor.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template

from app.security import requires
from app.web.designer import bundle_assets
from builder.definitions import KEY_PATTERN

bp = Blueprint("designers", __name__, url_prefix="/builder")


@bp.get("/forms/<key>/design")
@requires("builder")
def form(key: str) -> Any:
    if not KEY_PATTERN.match(key):
        abort(404)
    return render_template(
        "builder/kind_designer.html",
        key=key,
        kind="form",
        root="form-designer",
        noun="form designer",
        assets=bundle_assets(),
    )


@bp.get("/tables/<key>/design")
@requires("builder")
def table(key: str) -> Any:
    if not KEY_PATTERN.match(key):
        abort(404)
    return render_template(
        "builder/kind_designer.html",
        key=key,
        kind="decision_table",
        root="table-designer",
        noun="decision-table editor",
        assets=bundle_assets(),
    )
