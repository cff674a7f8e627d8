"""Signing in and out, the first-run setup page, and the home page that routes by role."""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from app.extensions import db
from app.ratelimit import RateLimited
from app.security import SIGNED_IN_AT, public, safe_next_path, signed_in
from app.services import password_reset, sign_in, users
from runtime.exceptions import Conflict, ValidationFailed

bp = Blueprint("auth", __name__)

#: Where each role lands after signing in, in order of preference.
HOME_BY_ROLE = [
    ("admin", "admin.users"),
    ("builder", "builder.index"),
    ("manager", "dashboards.index"),
    ("staff", "inbox.index"),
]


@bp.get("/")
@public
def home() -> Any:
    if not current_user.is_authenticated:
        if users.needs_first_admin():
            return redirect(url_for("auth.setup"))
        return redirect(url_for("auth.login"))
    for role, endpoint in HOME_BY_ROLE:
        if role in current_user.role_names:
            return redirect(url_for(endpoint))
    return render_template("auth/no_access.html")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    next_path = safe_next_path(request.values.get("next"))
    if request.method == "GET":
        return render_template("auth/login.html", next=next_path)
    email = request.form.get("email", "")
    result = sign_in.sign_in(email, request.form.get("password", ""), request.remote_addr)
    if result.user is None:
        if result.throttled_for:
            flash(result.throttle_message, "error")
            page = render_template("auth/login.html", next=next_path, email=email)
            return page, 429, {"Retry-After": str(result.throttled_for)}
        flash("E-mail or password is wrong.", "error")
        return render_template("auth/login.html", next=next_path, email=email), 401
    user = result.user
    session.clear()  # a fresh session id on sign-in (no fixation)
    session.permanent = True
    session[SIGNED_IN_AT] = time.time()
    login_user(user)
    return redirect(next_path or url_for("auth.home"))


@bp.post("/logout")
@signed_in
def logout() -> Any:
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup() -> Any:
    """Create the first administrator; gone (404) once one exists."""
    if not users.needs_first_admin():
        abort(404)
    if request.method == "GET":
        return render_template("auth/setup.html", errors={})
    form = request.form
    try:
        user = users.create_first_admin(
            form.get("email", ""), form.get("name", ""), form.get("password", "")
        )
    except ValidationFailed as err:
        db.session.rollback()
        errors = {e.pointer.strip("/"): e.reason for e in err.errors}
        return render_template("auth/setup.html", errors=errors, form=form), 422
    except Conflict:
        abort(404)
    session.clear()
    session.permanent = True
    session[SIGNED_IN_AT] = time.time()
    login_user(user)
    return redirect(url_for("auth.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password() -> Any:
    """Ask for a reset link; the answer never says whether the account exists."""
    if request.method == "GET":
        return render_template("auth/forgot.html")
    try:
        password_reset.request_reset(request.form.get("email", ""), request.remote_addr)
    except RateLimited as err:
        db.session.rollback()
        flash(f"Too many reset requests; try again in {max(1, err.retry_after_seconds // 60)} "
              "minutes.", "error")
        page = render_template("auth/forgot.html", email=request.form.get("email", ""))
        return page, 429, {"Retry-After": str(err.retry_after_seconds)}
    db.session.commit()
    return render_template("auth/forgot_sent.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> Any:
    """Choose a new password through a mailed link (signed, expiring, single use)."""
    try:
        user = password_reset.user_for_token(token)
    except password_reset.InvalidResetLink:
        return _no_store(render_template("auth/reset_invalid.html"), 404)
    if request.method == "GET":
        return _no_store(render_template("auth/reset.html", user=user, errors={}))
    password = request.form.get("password", "")
    if password != request.form.get("confirm", ""):
        errors = {"confirm": "does not match the new password"}
        return _no_store(render_template("auth/reset.html", user=user, errors=errors), 422)
    try:
        password_reset.reset_password(token, password)
    except ValidationFailed as err:
        db.session.rollback()
        errors = {e.pointer.strip("/"): e.reason for e in err.errors}
        return _no_store(render_template("auth/reset.html", user=user, errors=errors), 422)
    except password_reset.InvalidResetLink:
        db.session.rollback()
        return _no_store(render_template("auth/reset_invalid.html"), 404)
    db.session.commit()
    logout_user()
    session.clear()
    flash("Your password has been changed; sign in with the new one.", "success")
    return redirect(url_for("auth.login"))


def _no_store(body: str, status: int = 200) -> Any:
    """Pages carrying a reset token stay out of shared and back-button caches."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response
