"""The REST API under /api/v1: token or session auth, JSON errors, generated OpenAPI."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 that says what is wrong with it."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        abort(400, description="the request body is nested too deeply")
    if not isinstance(data, dict):
        abort(400, description="the request body must be a JSON object")
    return data


from app.api import builder, builder_testrun, core, definitions, flows  # noqa: E402,F401  (routes register on bp)
