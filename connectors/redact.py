"""Keeping secrets out of logs, messages and results (CHECKLIST 29).

Two rules, both applied everywhere a connector writes text someone else reads:

* headers that carry credentials by their *name* are shown as `[redacted]`:
  `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie`, the usual API-key
  names, and every header the connector's auth settings name;
* any *value* equal to a known secret - a stored credential, or an OAuth access token
  fetched during the call - is replaced wherever it appears in a text, also in its
  URL-encoded and Base64 (`user:secret`) forms.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "apikey",
        "x-auth-token",
        "x-access-token",
        "x-csrf-token",
    }
)
MIN_SECRET_LENGTH = 4
"""Shorter "secrets" would blank out ordinary words; nobody should use one anyway."""


class Redactor:
    def __init__(self, secrets: Iterable[str] = (), header_names: Iterable[str] = ()) -> None:
        self.header_names = SENSITIVE_HEADERS | {h.lower() for h in header_names}
        self._values: set[str] = set()
        for secret in secrets:
            self.add_secret(secret)

    def add_secret(self, secret: str | None) -> None:
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            return
        self._values |= {secret, quote(secret, safe=""), quote_plus(secret)}

    def add_basic(self, username: str, secret: str) -> None:
        self.add_secret(base64.b64encode(f"{username}:{secret}".encode()).decode("ascii"))

    def text(self, value: str) -> str:
        for secret in sorted(self._values, key=len, reverse=True):
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        return {
            name: REDACTED if name.lower() in self.header_names else self.text(value)
            for name, value in headers
        }

    def data(self, value: Any) -> Any:
        """A JSON value with every string that holds a secret redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return value
