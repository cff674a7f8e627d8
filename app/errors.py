"""Map every error to a clear answer: JSON under /api/, a page elsewhere, never a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from runtime.exceptions import (
    Conflict,
    DefinitionError,
    DefinitionInvalid,
    FormloomError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)

log = logging.getLogger(__name__)

_STATUS_BY_ERROR: list[tuple[type[FormloomError], int]] = [
    (NotFound, 404),
    (PermissionDenied, 403),
    (Conflict, 409),
    (DefinitionInvalid, 422),
    (DefinitionError, 422),
    (ValidationFailed, 422),
    (FormloomError, 400),
]

_MESSAGES = {
    400: "The request could not be understood.",
    401: "Sign in to continue.",
    403: "You do not have permission to do this.",
    404: "Nothing was found at this address.",
    405: "This address does not accept that method.",
    409: "This changed while you were working on it; reload and try again.",
    413: "The upload is too large.",
    422: "The input is not valid.",
    429: "Too many requests; wait a moment and try again.",
    500: "Something went wrong on our side. It has been logged.",
}


def error_response(status: int, code: str, message: str | None, details: Any = None) -> Any:
    message = message or _MESSAGES.get(status, "Error")
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        body: dict[str, Any] = {"error": {"code": code, "message": message}}
        if details is not None:
            body["error"]["details"] = details
        response = jsonify(body)
        response.status_code = status
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="formloom"'
        return response
    return (
        render_template("error.html", status=status, message=message, details=details),
        status,
    )


def _details_of(err: FormloomError) -> Any:
    errors = getattr(err, "errors", None)
    if errors is not None:
        return [e.as_dict() for e in errors]
    if isinstance(err, DefinitionError):
        return [{"pointer": err.pointer, "reason": err.reason}]
    return None


def init_app(app: Flask) -> None:
    @app.errorhandler(FormloomError)
    def _domain_error(err: FormloomError) -> Any:
        status = next(code for cls, code in _STATUS_BY_ERROR if isinstance(err, cls))
        return error_response(status, err.code, str(err), _details_of(err))

    @app.errorhandler(StaleDataError)
    def _stale(err: StaleDataError) -> Any:
        from app.extensions import db

        db.session.rollback()
        return error_response(409, "conflict", None)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Any:
        status = err.code or 500
        code = (err.name or "error").lower().replace(" ", "_")
        message = err.description if status not in _MESSAGES or status == 400 else None
        return error_response(status, code, message or _MESSAGES.get(status))

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        from app.extensions import db

        db.session.rollback()
        return error_response(500, "internal_error", None)
