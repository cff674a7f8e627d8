"""Applying a connector's auth to a request, and OAuth2 client-credentials tokens.

Secrets arrive as a mapping `credential name -> value` (decrypted by the app just for
this call) and leave only inside the request; each one is registered with the call's
`Redactor` first, so no log line or message can show it. A missing credential is a
`ConnectorMisconfigured` that names the credential, never a value.

OAuth2 tokens are fetched from the token URL through the same transport (so the same
SSRF guard, timeouts, retries and logs apply; the breaker key is `<connector>:token`),
cached in the transport's `TokenCache` until shortly before they expire, and fetched
again once when the API answers 401.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from urllib.parse import quote_plus, urlencode

from connectors import spec as s
from connectors.exceptions import BadResponse, ConnectorMisconfigured
from connectors.redact import Redactor
from connectors.ssrf import Allowlist
from connectors.tokens import DEFAULT_LIFETIME_SECONDS, Token, TokenCache, cache_key
from connectors.transport import Call, Transport
from connectors.wire import Request

_HEADER_SAFE = re.compile(r"^[\x20-\x7e\x80-\xff]*$")


def credential(secrets: Mapping[str, str], name: str, connector: str) -> str:
    value = secrets.get(name)
    if not isinstance(value, str) or not value:
        raise ConnectorMisconfigured(f"{connector}: the credential {name!r} is not set")
    if not _HEADER_SAFE.match(value):
        raise ConnectorMisconfigured(
            f"{connector}: the credential {name!r} contains line breaks or control characters"
        )
    return value


def register_secrets(auth: s.AuthSpec, secrets: Mapping[str, str], redactor: Redactor) -> None:
    for value in secrets.values():
        if isinstance(value, str):
            redactor.add_secret(value)
    if isinstance(auth, s.BasicAuth) and isinstance(secrets.get(auth.credential), str):
        redactor.add_basic(auth.username, secrets[auth.credential])


def auth_parts(
    spec: s.ConnectorSpec, secrets: Mapping[str, str], token: str | None = None
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The headers and query parameters that authenticate a call (not for OAuth2's fetch)."""
    auth = spec.auth
    if isinstance(auth, s.ApiKeyAuth):
        value = auth.prefix + credential(secrets, auth.credential, spec.key)
        return (
            ([(auth.name, value)], []) if auth.location == "header" else ([], [(auth.name, value)])
        )
    if isinstance(auth, s.BearerAuth):
        return [("Authorization", f"Bearer {credential(secrets, auth.credential, spec.key)}")], []
    if isinstance(auth, s.BasicAuth):
        pair = f"{auth.username}:{credential(secrets, auth.credential, spec.key)}"
        encoded = base64.b64encode(pair.encode()).decode("ascii")
        return [("Authorization", f"Basic {encoded}")], []
    if isinstance(auth, s.OAuth2ClientCredentials) and token:
        return [("Authorization", f"Bearer {token}")], []
    return [], []


def oauth_token(
    spec: s.ConnectorSpec,
    secrets: Mapping[str, str],
    *,
    transport: Transport,
    allowlist: Allowlist,
    cache: TokenCache,
    redactor: Redactor,
    refresh: bool = False,
) -> tuple[str, int]:
    """An access token (cached unless `refresh`) and the HTTP attempts spent on it."""
    auth = spec.auth
    assert isinstance(auth, s.OAuth2ClientCredentials)
    secret = credential(secrets, auth.credential, spec.key)
    key = cache_key(spec.key, auth.token_url, auth.client_id, auth.scopes, secret)
    cached = cache.get(key)
    if cached is not None and not refresh and cached.is_fresh(transport.clock()):
        redactor.add_secret(cached.value)
        return cached.value, 0
    form = [("grant_type", "client_credentials")]
    if auth.scopes:
        form.append(("scope", " ".join(auth.scopes)))
    headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "application/json"),
    ]
    if auth.client_auth == "basic":  # RFC 6749 2.3.1: form-encode, then Basic
        pair = f"{quote_plus(auth.client_id)}:{quote_plus(secret)}"
        headers.append(("Authorization", "Basic " + base64.b64encode(pair.encode()).decode()))
        redactor.add_secret(headers[-1][1].split(" ", 1)[1])
    else:
        form += [("client_id", auth.client_id), ("client_secret", secret)]
    call = Call(
        spec.key,
        "oauth2_token",
        allowlist,
        spec.retry,
        spec.timeouts,
        spec.breaker,
        redactor,
        breaker_key=f"{spec.key}:token",
    )
    request = Request("POST", auth.token_url, tuple(headers), urlencode(form).encode())
    exchange = transport.send(request, call)
    status = exchange.response.status
    if 400 <= status < 500:
        raise ConnectorMisconfigured(
            f"{spec.key}: the token endpoint refused the client credentials ({status})",
            attempts=exchange.attempts,
        )
    if not 200 <= status < 300:
        raise BadResponse(
            status, f"{spec.key}: the token endpoint answered {status}", attempts=exchange.attempts
        )
    try:
        answer = json.loads(exchange.response.body)
    except ValueError:
        answer = None
    value = answer.get("access_token") if isinstance(answer, dict) else None
    kind = answer.get("token_type", "bearer") if isinstance(answer, dict) else None
    if (
        not isinstance(value, str)
        or not value
        or not _HEADER_SAFE.match(value)
        or (not isinstance(kind, str) or kind.lower() != "bearer")
    ):
        raise BadResponse(
            status,
            f"{spec.key}: the token endpoint gave no usable bearer token",
            attempts=exchange.attempts,
        )
    redactor.add_secret(value)
    lifetime = answer.get("expires_in")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
        lifetime = DEFAULT_LIFETIME_SECONDS
    cache.put(key, Token(value, transport.clock() + float(lifetime)))
    return value, exchange.attempts


def forget_token(spec: s.ConnectorSpec, secrets: Mapping[str, str], cache: TokenCache) -> None:
    auth = spec.auth
    if isinstance(auth, s.OAuth2ClientCredentials):
        secret = credential(secrets, auth.credential, spec.key)
        cache.delete(cache_key(spec.key, auth.token_url, auth.client_id, auth.scopes, secret))
