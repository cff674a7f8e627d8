"""Signing in with a password, throttled per account and per address.

Only *failed* attempts count. An account with `FAILURES_PER_ACCOUNT` failures within the
window is refused (even with the right password) until the window has moved on; so is an
address with `FAILURES_PER_IP` failures, whichever account it tries. The account limit
stops guessing one password from many addresses, the address limit stops one machine
trying a few passwords against every account. Unknown e-mail addresses are counted
like real ones, so the throttle tells nobody which accounts exist.

The limits use the shared rate limiter (`app.ratelimit`): counters live in the database
or Redis, work across gunicorn workers, and hold hashes, not e-mail or IP addresses.

Every failure is written to the audit log (with the calling address), and so is the
first refusal per account, address and window while throttled (not every one: a
hammering client must not be able to fill the log), so an administrator sees an attack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.extensions import db
from app.models import User
from app.ratelimit import Limit, hit, peek
from app.services import audit, users

FAILURES_PER_ACCOUNT = Limit("signin.failed.account", hits=5, per_seconds=15 * 60)
FAILURES_PER_IP = Limit("signin.failed.ip", hits=30, per_seconds=15 * 60)
#: One audit row per account, address and window for refusals while throttled.
THROTTLE_AUDITS = Limit("signin.throttled.audit", hits=1, per_seconds=15 * 60, sliding=False)


@dataclass(frozen=True)
class SignInResult:
    """A signed-in user, or why not: `throttled_for` seconds to wait, else a wrong password."""

    user: User | None
    throttled_for: int = 0

    @property
    def throttle_message(self) -> str:
        minutes = max(1, math.ceil(self.throttled_for / 60))
        unit = "minute" if minutes == 1 else "minutes"
        return (f"Too many failed sign-in attempts. For your security, signing in is paused; "
                f"try again in {minutes} {unit}, or reset your password.")


def _account_key(email: str) -> str:
    return (email or "").strip().lower()[:254]


def sign_in(email: str, password: str, remote_addr: str | None) -> SignInResult:
    """Check the password unless the account or address is throttled; audit failures.

    Commits: the audit rows and, on success, the user's last sign-in time.
    """
    account = _account_key(email)
    address = remote_addr or "-"
    for limit, subject in ((FAILURES_PER_ACCOUNT, account), (FAILURES_PER_IP, address)):
        decision = peek(limit, subject)
        if not decision.allowed:
            if hit(THROTTLE_AUDITS, f"{account} {address}").allowed:
                audit.record("auth.sign_in_throttled", "user", _user_id(account) or "-",
                             email=account, limit=limit.name, retry_after=decision.retry_after)
                db.session.commit()
            return SignInResult(None, throttled_for=decision.retry_after)
    user = users.authenticate(account, password)
    if user is not None:
        db.session.commit()
        return SignInResult(user)
    db.session.rollback()
    hit(FAILURES_PER_ACCOUNT, account)
    hit(FAILURES_PER_IP, address)
    audit.record("auth.sign_in_failed", "user", _user_id(account) or "-", email=account)
    db.session.commit()
    return SignInResult(None)


def _user_id(email: str) -> int | None:
    return db.session.scalar(db.select(User.id).where(User.email == email))
