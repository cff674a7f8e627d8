"""`make_*` helpers that build rows through the real services."""

from __future__ import annotations

import itertools
import re

from app.extensions import db
from app.models import ApiToken, User
from app.security import hash_token, new_api_token
from app.services import users

DEFAULT_PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(*roles: str, teams: tuple[str, ...] = (), email: str | None = None,
              password: str = DEFAULT_PASSWORD, name: str | None = None) -> User:
    n = next(_counter)
    for team in teams:
        users.ensure_team(team)
    user = users.create_user(
        email or f"user{n}@example.test",
        name or f"Test User {n}",
        password,
        roles=roles or ("staff",),
        teams=teams,
    )
    db.session.commit()
    return user


def make_api_token(user: User, name: str = "test") -> str:
    token = new_api_token()
    db.session.add(
        ApiToken(user_id=user.id, name=name, token_hash=hash_token(token), prefix=token[:8])
    )
    db.session.commit()
    return token


_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """Read a CSRF token from a rendered form, as a browser would have it."""
    html = client.get(path).get_data(as_text=True)
    match = _CSRF_RE.search(html)
    assert match, f"no csrf token on {path}"
    return match.group(1)


def login(client, user: User, password: str = DEFAULT_PASSWORD) -> None:
    token = csrf_token(client)
    form = {"email": user.email, "password": password, "csrf_token": token}
    response = client.post("/login", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
