"""The password policy, applied wherever a password is set: create, first admin, reset.

Length alone lets through `password1234` and `qwertyuiop`, the first guesses of every
credential-stuffing list. So a password must also be hard to guess by zxcvbn's
estimate (a maintained estimator that knows the common-password lists, keyboard
patterns, sequences, repeats, dates and the account's own e-mail and name). Its
warning is shown to the person choosing the password, so they know what to change.

Passwords are bounded above too: hashing a megabyte-long password on every sign-in
attempt would be a cheap denial of service.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
#: zxcvbn score (0-4) a password needs: 3 is "safely unguessable" (about 10^8 guesses).
MIN_STRENGTH_SCORE = 3
#: zxcvbn's cost grows with length; the first characters decide whether it is guessable.
_ESTIMATE_PREFIX = 100


def password_problems(password: str, email: str = "", name: str = "") -> list[str]:
    """What is wrong with `password` for the account `email`/`name` (empty: acceptable)."""
    if not isinstance(password, str):
        return ["is required"]
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"must be at most {MAX_PASSWORD_LENGTH} characters"]
    if email and password.strip().lower() == email.strip().lower():
        problems.append("must not be the e-mail address")
    if problems:
        return problems
    hints = [part for part in (email, email.partition("@")[0], name) if part]
    estimate = zxcvbn(password[:_ESTIMATE_PREFIX], user_inputs=hints)
    if estimate["score"] < MIN_STRENGTH_SCORE:
        warning = (estimate["feedback"].get("warning") or "").rstrip(".")
        reason = "is too easy to guess"
        if warning:
            reason += f" ({warning[0].lower()}{warning[1:]})"
        problems.append(reason + "; add another uncommon word or two")
    return problems
