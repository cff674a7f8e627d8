"""Signing in and out, the first-run setup page, and the home page that routes by role."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.extensions import db
from app.security import public, safe_next_path, signed_in
from app.services import users
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
    user = users.authenticate(request.form.get("email", ""), request.form.get("password", ""))
    if user is None:
        db.session.rollback()
        flash("E-mail or password is wrong.", "error")
        page = render_template("auth/login.html", next=next_path, email=request.form.get("email"))
        return page, 401
    db.session.commit()
    session.clear()  # a fresh session id on sign-in (no fixation)
    session.permanent = True
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
    login_user(user)
    return redirect(url_for("auth.home"))
