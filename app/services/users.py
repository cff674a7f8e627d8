"""Creating users and teams, checking passwords, and the one-time first administrator."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import Membership, SystemFlag, SystemRole, Team, User, UserRole, utcnow
from app.services import audit
from app.services.passwords import password_problems
from runtime.exceptions import Conflict, ErrorDetail, NotFound, ValidationFailed

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Compared against when the e-mail is unknown, so a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("formloom-timing-equaliser")


def create_user(
    email: str,
    name: str,
    password: str | None,
    roles: Iterable[str] = (SystemRole.STAFF,),
    teams: Iterable[str] = (),
    actor: User | None = None,
) -> User:
    email = (email or "").strip().lower()
    roles = sorted(set(roles))
    errors = []
    if not EMAIL_RE.match(email):
        errors.append(ErrorDetail("/email", "is not an e-mail address"))
    elif db.session.scalar(db.select(User.id).where(User.email == email)):
        errors.append(ErrorDetail("/email", "is already used by another account"))
    if not (name or "").strip():
        errors.append(ErrorDetail("/name", "is required"))
    if password is not None:
        errors += [ErrorDetail("/password", p) for p in password_problems(password, email, name)]
    valid_roles = {r.value for r in SystemRole}
    errors += [ErrorDetail("/roles", f"unknown role {r!r}") for r in roles if r not in valid_roles]
    team_rows = []
    for key in teams:
        team = db.session.scalar(db.select(Team).where(Team.key == key))
        if team is None:
            errors.append(ErrorDetail("/teams", f"unknown team {key!r}"))
        team_rows.append(team)
    if errors:
        raise ValidationFailed(errors, "the user could not be created")
    user = User(
        email=email,
        name=name.strip(),
        password_hash=generate_password_hash(password) if password else None,
    )
    user.roles = [UserRole(role=r) for r in roles]
    user.memberships = [Membership(team=t) for t in team_rows]
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", "user", user.id, actor=actor, email=email, roles=roles)
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(db.select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def needs_first_admin() -> bool:
    return db.session.get(SystemFlag, "first_admin") is None and not _any_admin()


def _any_admin() -> bool:
    return db.session.scalar(
        db.select(UserRole.id).where(UserRole.role == SystemRole.ADMIN).limit(1)
    ) is not None


def create_first_admin(email: str, name: str, password: str) -> User:
    """Create the installation's first admin; concurrent callers get exactly one.

    The `first_admin` system flag's primary key is the arbiter: both callers may pass the
    emptiness check, but only one INSERT of the flag commits.
    """
    if not needs_first_admin():
        raise Conflict("an administrator already exists")
    try:
        db.session.add(SystemFlag(name="first_admin", value=email))
        db.session.flush()
        user = create_user(email, name, password, roles=[SystemRole.ADMIN])
        db.session.commit()
    except IntegrityError as err:
        db.session.rollback()
        raise Conflict("an administrator already exists") from err
    return user


def ensure_team(key: str, name: str | None = None, manager: str | None = None) -> Team:
    team = db.session.scalar(db.select(Team).where(Team.key == key))
    if team is None:
        team = Team(key=key, name=name or key.replace("_", " ").title())
        db.session.add(team)
    if manager:
        lead = db.session.scalar(db.select(Team).where(Team.key == manager))
        if lead is None:
            raise NotFound(f"team {manager!r} does not exist")
        team.manager_team_id = lead.id
    db.session.flush()
    return team


def set_password(user: User, password: str) -> None:
    problems = password_problems(password, user.email, user.name)
    if problems:
        raise ValidationFailed([ErrorDetail("/password", p) for p in problems])
    user.password_hash = generate_password_hash(password)
    user.session_epoch += 1  # every other session of this user ends
