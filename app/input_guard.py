"""Refuse text input that no database column can hold, before any view reads it.

PostgreSQL text cannot contain the NUL character; a NUL in a query parameter, a form
field or a JSON string reached the driver and failed there as a 500 (found by the
schemathesis run). No real user types a NUL, so the whole request is refused with a
clear 400 instead. File parts of uploads are binary and are not inspected.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request

MESSAGE = "the request contains a NUL character (\\u0000), which text fields cannot hold"


def _has_nul(values: Any) -> bool:
    return any("\x00" in key or any("\x00" in v for v in vals) for key, vals in values.lists())


def refuse_nul_characters() -> None:
    if "\x00" in request.path or _has_nul(request.args):
        abort(400, description=MESSAGE)
    if request.is_json:
        body = request.get_data(cache=True)
        if b"\x00" in body or b"\\u0000" in body.lower():
            abort(400, description=MESSAGE)
        return
    if request.mimetype == "application/x-www-form-urlencoded":
        request.get_data(cache=True)  # keep the raw body for views that verify a signature
    elif request.mimetype != "multipart/form-data":
        return
    if _has_nul(request.form):
        abort(400, description=MESSAGE)


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
