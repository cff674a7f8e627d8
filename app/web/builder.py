"""Builder pages (definitions list); the React editor arrives with the builder issue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from app.security import requires

bp = Blueprint("builder", __name__, url_prefix="/builder")


@bp.get("/")
@requires("builder")
def index() -> Any:
    return render_template("builder/index.html", definitions=[])
