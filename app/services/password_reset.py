"""Password reset by e-mail: a signed, expiring, single-use link.

The link is `PUBLIC_BASE_URL/password/reset/<token>`: its host comes from configuration,
never from the request's `Host` or `Origin` (CHECKLIST 23), so a forged header cannot
make Formloom mail an attacker's domain with a valid token in it.

The token signs the user id and a fingerprint of the current password hash and session
epoch with `SECRET_KEY` (own salt). Nothing is stored: setting a password changes the
hash and the epoch, so a used link (and every older one) stops working at once; it also
expires after `PASSWORD_RESET_MINUTES`. Asking for a link answers the same whether the
account exists or not, and is rate-limited per address and per account.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.extensions import db
from app.mail import send_mail
from app.models import User
from app.ratelimit import Limit, check
from app.services import audit, users

SALT = "formloom.password-reset"
REQUESTS_PER_IP = Limit("password_reset.ip", hits=10, per_seconds=3600)
REQUESTS_PER_ACCOUNT = Limit("password_reset.account", hits=3, per_seconds=3600)


class InvalidResetLink(Exception):
    """The link is forged, expired, already used, or its account is gone or disabled."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    material = f"{user.password_hash or ''}:{user.session_epoch}".encode()
    return hashlib.sha256(material).hexdigest()[:24]


def make_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def reset_link(user: User) -> str:
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    return f"{base}/password/reset/{make_token(user)}"


def request_reset(email: str, remote_addr: str | None) -> None:
    """Mail a reset link if `email` names an active account; the caller commits.

    Raises:
        RateLimited: too many requests from this address or for this account.
    """
    email = (email or "").strip().lower()[:254]
    check(REQUESTS_PER_IP, remote_addr or "-")
    check(REQUESTS_PER_ACCOUNT, email)
    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None or not user.active:
        return
    minutes = int(current_app.config["PASSWORD_RESET_MINUTES"])
    text = (
        f"Hello {user.name},\n\n"
        f"someone (hopefully you) asked to reset the password of your Formloom account.\n"
        f"Choose a new password here within {minutes} minutes:\n\n"
        f"{reset_link(user)}\n\n"
        "If you did not ask for this, ignore this e-mail: your password stays as it is.\n"
    )
    send_mail(user.email, "Reset your Formloom password", text)
    audit.record("auth.password_reset_requested", "user", user.id, actor=user)


def user_for_token(token: str) -> User:
    """The account a reset token is for, if the token is still good."""
    max_age = int(current_app.config["PASSWORD_RESET_MINUTES"]) * 60
    try:
        data = _serializer().loads(token, max_age=max_age)
    except BadSignature as err:  # includes SignatureExpired
        raise InvalidResetLink from err
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise InvalidResetLink
    user = db.session.get(User, data["u"])
    if user is None or not user.active:
        raise InvalidResetLink
    if not hmac.compare_digest(str(data.get("f", "")), _fingerprint(user)):
        raise InvalidResetLink
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset link; the caller commits.

    Raises:
        InvalidResetLink: the link no longer works.
        ValidationFailed: the password breaks the policy (pointer `/password`).
    """
    user = user_for_token(token)
    users.set_password(user, password)
    audit.record("auth.password_reset", "user", user.id, actor=user)
    return user
