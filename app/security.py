"""Who may use which route: every view declares it, and anything undeclared is refused.

`create_app` calls `check_every_route_declares_access` after all blueprints are
registered, so a route added without `@requires(...)` or `@public` stops the app from
starting rather than quietly being open (fail closed, CHECKLIST 18). At request time
`enforce_access` runs before any view: it resolves API tokens, checks roles, then
checks CSRF on every state-changing request that is not token-authenticated.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.routing import IntegerConverter

from app.extensions import csrf, db, login_manager

F = TypeVar("F", bound=Callable[..., Any])

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STAFF_SIDE = ("admin", "builder", "manager", "staff")
#: Session key holding the sign-in time (epoch seconds); see `end_expired_session`.
SIGNED_IN_AT = "signed_in_at"


@dataclass(frozen=True)
class Access:
    """What a view asks of its caller. `roles=()` with `public=False` means any signed-in user."""

    public: bool = False
    roles: tuple[str, ...] = ()
    own_auth: bool = False  # the view authenticates the caller itself (see `own_auth`)


def requires(*roles: str) -> Callable[[F], F]:
    """Only signed-in users holding one of `roles` (admins hold all staff-side roles)."""

    def mark(view: F) -> F:
        view._formloom_access = Access(roles=tuple(roles))  # type: ignore[attr-defined]
        return view

    return mark


def signed_in(view: F) -> F:
    view._formloom_access = Access()  # type: ignore[attr-defined]
    return view


def public(view: F) -> F:
    view._formloom_access = Access(public=True)  # type: ignore[attr-defined]
    return view


def own_auth(view: F) -> F:
    """Public, and the view checks its caller with its own scheme (sandbox API keys).

    The gate then neither reads `Authorization` as a Formloom API token (the caller's
    key belongs to the simulated system) nor asks for a CSRF token (no browser session
    is involved: nothing is read from cookies). The view must refuse unauthenticated calls.
    """
    view._formloom_access = Access(public=True, own_auth=True)  # type: ignore[attr-defined]
    return view


def access_of(view: Callable[..., Any] | None) -> Access | None:
    return getattr(view, "_formloom_access", None)


def _is_static(endpoint: str) -> bool:
    """Flask's own static-file endpoints: public assets, nothing else is served there."""
    return endpoint == "static" or endpoint.endswith(".static")


def check_every_route_declares_access(app: Flask) -> None:
    missing = sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if not _is_static(endpoint) and access_of(view) is None
    )
    if missing:
        raise RuntimeError(f"routes without an access declaration: {', '.join(missing)}")


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_token() -> str:
    return "flm_" + secrets.token_urlsafe(32)


def _user_from_bearer_token() -> Any | None:
    from app.models import ApiToken, utcnow

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = db.session.scalar(
        db.select(ApiToken).where(ApiToken.token_hash == hash_token(token.strip()))
    )
    now = utcnow()
    if row is None or row.revoked_at or (row.expires_at and row.expires_at <= now):
        return None
    if not row.user.is_active:
        return None
    row.last_used_at = now
    db.session.commit()
    return row.user


def end_expired_session() -> None:
    """Sign out a browser session older than `SESSION_HOURS` since sign-in.

    The cookie's own expiry slides with every request (an idle limit); this makes the
    limit absolute as well, so a stolen or forgotten session cannot be kept alive.
    """
    signed_in_at = session.get(SIGNED_IN_AT)
    if signed_in_at is None:
        return
    max_age = float(current_app.config["SESSION_HOURS"]) * 3600
    if not isinstance(signed_in_at, int | float) or time.time() - signed_in_at > max_age:
        logout_user()
        session.clear()


def enforce_access() -> Any:
    """The one gate every request passes: who is calling, may they, and is it forged."""
    g.token_auth = False
    end_expired_session()
    own = access_of(current_app.view_functions.get(request.endpoint or ""))
    if own is not None and own.own_auth:
        return None
    if request.headers.get("Authorization"):
        user = _user_from_bearer_token()
        if user is None:
            return _unauthenticated(invalid_token=True)
        login_user(user, remember=False, fresh=False)
        g.token_auth = True
    view = current_app.view_functions.get(request.endpoint or "")
    rule = access_of(view) if view is not None else None
    if view is not None and _is_static(request.endpoint or ""):
        rule = Access(public=True)
    if view is None:
        # Unknown URL: do not reveal what exists behind a protected prefix.
        if not current_user.is_authenticated and not _public_path():
            return _unauthenticated()
    elif rule is None:  # unreachable after the start-up check, kept as a last guard
        abort(403)
    elif not rule.public:
        if not current_user.is_authenticated:
            return _unauthenticated()
        if rule.roles and not current_user.has_role(*rule.roles):
            abort(403)
    if request.method not in SAFE_METHODS and not g.token_auth:
        csrf.protect()
    return None


PUBLIC_PREFIXES = ("/static/", "/healthz", "/readyz", "/login", "/setup", "/portal")


def _public_path() -> bool:
    return request.path == "/" or request.path.startswith(PUBLIC_PREFIXES)


def _unauthenticated(invalid_token: bool = False) -> Any:
    if is_api_request() or invalid_token:
        abort(401)
    return redirect(url_for("auth.login", next=safe_next_path(request.full_path)))


def safe_next_path(target: str | None) -> str | None:
    """Only same-site relative paths may be a post-login destination (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target.rstrip("?") or "/"


@login_manager.user_loader
def _load_user(session_id: str) -> Any | None:
    from app.models import User

    user_id, _, epoch = session_id.partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_epoch != int(epoch):
        return None
    return user


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` in routes, bounded to PostgreSQL's `integer` (the narrowest id column).

    A larger number in a URL can name no row; unbounded, it reached the database and
    failed there (a 500, found by the schemathesis run: SQLite overflows past 2^63,
    PostgreSQL compares an `integer` column with nothing past 2^31). Now it is a 404.
    Rows with 64-bit ids (tasks, …) are routable up to 2^31 - 1, two billion rows.
    """

    def __init__(self, url_map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, DB_INT_MAX if max is None else max, signed)


DB_INT_MAX = 2**31 - 1


class TokenAwareSessionInterface(SecureCookieSessionInterface):
    """Never issue a session cookie for a bearer-token request: a token stays a token."""

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if g.get("token_auth"):
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIntConverter  # before any blueprint's rules
    app.session_interface = TokenAwareSessionInterface()
    from app.forms.multipart import FormloomRequest

    app.request_class = FormloomRequest  # form bodies without files: a faster parser
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.before_request(enforce_access)
    from app import input_guard

    input_guard.init_app(app)

    @app.errorhandler(CSRFError)
    def _csrf_refused(err: CSRFError) -> Any:
        from app.errors import error_response

        return error_response(400, "csrf_failed", err.description)
