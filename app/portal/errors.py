"""Error pages in the portal's own look and the visitor's language.

A customer sees the portal layout with one plain sentence — not the staff error page —
whether a case link was tampered with (404), they tried too often (429, with the
`Retry-After` header), or a case moved on while they answered (409). Errors are mapped
here only for portal views; everything else keeps the app-wide handlers.
"""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.portal import bp, i18n
from app.ratelimit import RateLimited
from runtime.exceptions import Conflict, NotFound


def _page(status: int, message: str) -> Any:
    return render_template("portal/error.html", status=status, message=message), status


def _locale() -> str:
    """The visitor's language, also when the error came before the portal's own hooks ran
    (a body over `MAX_CONTENT_LENGTH` is refused while the CSRF check reads the form)."""
    if "portal_locale" not in g:
        g.portal_locale = i18n.negotiate(request)
    return g.portal_locale


@bp.errorhandler(RateLimited)
def _rate_limited(err: RateLimited) -> Any:
    db.session.rollback()
    body, status = _page(
        429, i18n.translate("error.rate_limited", _locale(), seconds=err.retry_after_seconds)
    )
    return body, status, {"Retry-After": str(err.retry_after_seconds)}


@bp.errorhandler(NotFound)
def _not_found(err: NotFound) -> Any:
    db.session.rollback()
    return _page(404, i18n.translate("error.not_found", _locale()))


@bp.errorhandler(Conflict)
@bp.errorhandler(StaleDataError)
def _conflict(err: Exception) -> Any:
    db.session.rollback()
    return _page(409, i18n.translate("error.conflict", _locale()))


@bp.errorhandler(HTTPException)
def _http(err: HTTPException) -> Any:
    if isinstance(err, RateLimited):
        return _rate_limited(err)
    db.session.rollback()
    key = {404: "error.not_found", 413: "error.too_large"}.get(err.code or 400, "error.reload")
    return _page(err.code or 400, i18n.translate(key, _locale()))
