"""The API's own endpoints: its description and who the caller is."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from flask_login import current_user

from app.api import bp
from app.api.openapi import build_document, operation
from app.security import public, signed_in

ME_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "name": {"type": "string"},
        "roles": {"type": "array", "items": {"type": "string"}},
        "teams": {"type": "array", "items": {"type": "string"}},
    },
}


@bp.get("/openapi.json")
@public
@operation("This document", tags=("meta",), response={"type": "object"})
def openapi() -> Any:
    return jsonify(build_document(current_app))


@bp.get("/me")
@signed_in
@operation("The signed-in caller", tags=("meta",), response=ME_SCHEMA)
def me() -> Any:
    return jsonify(
        id=current_user.id,
        email=current_user.email,
        name=current_user.name,
        roles=sorted(current_user.role_names),
        teams=sorted(current_user.team_keys),
    )
