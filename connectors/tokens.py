"""A cache for OAuth2 access tokens, so each call does not fetch a new one.

A token is used until `REFRESH_MARGIN_SECONDS` before it expires (a call that starts
just before expiry must not arrive just after). Keys are made by `cache_key` from the
connector, the token URL, the client and a hash of the client secret, so rotating the
secret starts a new entry, and no key contains a secret. The default cache lives in
the process; a shared one (Redis) only implements get/put/delete, and since it holds
access tokens it must be as protected as the credentials themselves.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Protocol

REFRESH_MARGIN_SECONDS = 60.0
DEFAULT_LIFETIME_SECONDS = 300.0
"""Used when a token answer has no `expires_in`: short, so a wrong guess costs little."""


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float

    def __repr__(self) -> str:
        return f"Token(expires_at={self.expires_at})"

    def is_fresh(self, now: float) -> bool:
        return now < self.expires_at - REFRESH_MARGIN_SECONDS


class TokenCache(Protocol):
    def get(self, key: str) -> Token | None: ...

    def put(self, key: str, token: Token) -> None: ...

    def delete(self, key: str) -> None: ...


class MemoryTokenCache:
    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Token | None:
        with self._lock:
            return self._tokens.get(key)

    def put(self, key: str, token: Token) -> None:
        with self._lock:
            self._tokens[key] = token

    def delete(self, key: str) -> None:
        with self._lock:
            self._tokens.pop(key, None)


def cache_key(connector: str, token_url: str, client_id: str, scopes, secret: str) -> str:
    digest = hashlib.sha256(secret.encode()).hexdigest()[:16]
    return "|".join((connector, token_url, client_id, " ".join(scopes), digest))
