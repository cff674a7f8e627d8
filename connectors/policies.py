"""Compiling the connector-wide parts: auth, static headers, timeouts, retry, breaker.

Each function reads one part of a connector body, records every problem at its JSON
pointer and returns a spec value (a default where the part is wrong, so the rest can
still be checked). `compile_retry` also serves overrides from a flow node's `retry`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from connectors import spec as s
from runtime.exceptions import DefinitionInvalid, ErrorDetail

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
URL = re.compile(r"^https?://[^\s/?#@\\]+(/[^\s?#]*)?$")
RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "proxy-authorization",
        "proxy-connection",
        "authorization",
        "cookie",
        "idempotency-key",
    }
)


def compile_retry(raw: Any, base: s.RetryPolicy) -> s.RetryPolicy:
    """A retry override (a flow node's `retry`, common.json) over `base`.

    The flow schema allows more than one call may do in-process, so values are clamped
    to this schema's limits (10 attempts, 60 s initial, 300 s cap) and statuses other
    than 408, 425, 429 and 5xx are dropped from `retry_on`: those are never retried.
    """
    if not isinstance(raw, dict):
        raise DefinitionInvalid([ErrorDetail("", "a retry policy is an object")])
    raw = dict(raw)
    if isinstance(raw.get("retry_on"), list):
        raw["retry_on"] = [x for x in raw["retry_on"] if x in s.RETRYABLE_STATUSES]
    for name, limit in (("max_attempts", 10), ("initial_seconds", 60), ("max_seconds", 300)):
        value = raw.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > limit:
            raw[name] = limit
    errors: list[ErrorDetail] = []
    policy = compile_retry_part(raw, "", errors, base)
    if errors:
        raise DefinitionInvalid(errors)
    return policy


class Fields:
    """Reads one JSON object's fields, recording each problem at its pointer."""

    def __init__(self, value: Any, pointer: str, errors: list[ErrorDetail], allowed) -> None:
        self.errors = errors
        self.pointer = pointer
        self.ok = isinstance(value, dict)
        self.value = value if self.ok else {}
        if not self.ok:
            errors.append(ErrorDetail(pointer, "must be an object"))
        for name in self.value:
            if name not in allowed:
                errors.append(ErrorDetail(f"{pointer}/{esc(name)}", "unknown field"))

    def at(self, name: str) -> str:
        return f"{self.pointer}/{esc(name)}"

    def _get(self, name: str, required: bool) -> Any:
        if name not in self.value:
            if required and self.ok:
                self.errors.append(ErrorDetail(self.at(name), "is required"))
            return None
        return self.value[name]

    def check(self, name: str, ok: Callable[[Any], bool], reason: str, required=False) -> Any:
        value = self._get(name, required)
        if value is None and name not in self.value:
            return None
        if not ok(value):
            self.errors.append(ErrorDetail(self.at(name), reason))
            return None
        return value

    def choice(self, name: str, options, required=False) -> Any:
        return self.check(
            name,
            lambda v: isinstance(v, str) and v in options,
            "must be one of: " + ", ".join(options),
            required,
        )

    def text(
        self,
        name: str,
        max_length: int,
        pattern: re.Pattern | None = None,
        required=False,
        min_length: int = 0,
        reason: str = "",
    ) -> str | None:
        return self.check(
            name,
            lambda v: (
                isinstance(v, str)
                and min_length <= len(v) <= max_length
                and (pattern is None or bool(pattern.match(v)))
            ),
            reason or f"must be text of {min_length}-{max_length} characters",
            required,
        )

    def url(self, name: str, required=False) -> str | None:
        return self.text(
            name,
            2048,
            URL,
            required,
            reason="must be an http:// or https:// URL without credentials, query or fragment",
        )

    def number(self, name: str, maximum: float, integer=False, minimum: float = 0) -> Any:
        def ok(v: Any) -> bool:
            if isinstance(v, bool) or not isinstance(v, int | float):
                return False
            if integer and not isinstance(v, int):
                return False
            return (v >= minimum if integer else v > minimum) and v <= maximum

        kind = "a whole number" if integer else "a number"
        low = f"from {minimum}" if integer else f"above {minimum}"
        return self.check(name, ok, f"must be {kind} {low} up to {maximum}")


def compile_auth(raw: Any, pointer: str, errors: list[ErrorDetail]) -> s.AuthSpec:
    kinds = ("api_key", "bearer", "basic", "oauth2_client_credentials", "none")
    kind = raw.get("type") if isinstance(raw, dict) else None
    allowed = {
        "api_key": {"type", "in", "name", "prefix", "credential"},
        "bearer": {"type", "credential"},
        "basic": {"type", "username", "credential"},
        "oauth2_client_credentials": {
            "type",
            "token_url",
            "client_id",
            "scopes",
            "client_auth",
            "credential",
        },
    }.get(kind, {"type"})
    if raw is None:
        errors.append(ErrorDetail(pointer, "is required"))
        return s.NoAuth()
    c = Fields(raw, pointer, errors, allowed if kind in kinds else {"type"} | set(raw or {}))
    c.choice("type", kinds, required=True)
    if kind not in kinds or kind == "none":
        return s.NoAuth()
    credential = (
        c.text(
            "credential",
            64,
            IDENTIFIER,
            required=True,
            reason="must name a stored credential (letters, digits, _)",
        )
        or ""
    )
    if kind == "api_key":
        location = c.choice("in", ("header", "query"), required=True) or "header"
        name = (
            c.check(
                "name",
                lambda v: (
                    isinstance(v, str)
                    and bool(re.match(r"^[A-Za-z0-9_-]{1,64}$", v))
                    and v.lower() not in RESERVED_HEADERS - {"authorization"}
                ),
                "must be a header or parameter name (letters, digits, _ and -) the transport "
                "does not set itself",
                required=True,
            )
            or "X-Api-Key"
        )
        prefix = c.text("prefix", 32, re.compile(r"^[\x20-\x7e]*$")) or ""
        return s.ApiKeyAuth(credential, name, location, prefix)
    if kind == "bearer":
        return s.BearerAuth(credential)
    if kind == "basic":
        username = (
            c.text(
                "username",
                200,
                re.compile(r"^[^:\x00-\x1f\x7f]+$"),
                required=True,
                min_length=1,
                reason="must be 1-200 characters without ':'",
            )
            or ""
        )
        return s.BasicAuth(username, credential)
    token_url = c.url("token_url", required=True) or ""
    client_id = (
        c.text(
            "client_id",
            300,
            re.compile(r"^[\x20-\x7e]+$"),
            required=True,
            min_length=1,
            reason="must be 1-300 printable ASCII characters",
        )
        or ""
    )
    scope = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,200}$")
    scopes = (
        c.check(
            "scopes",
            lambda v: (
                isinstance(v, list)
                and len(set(map(str, v))) == len(v)
                and all(isinstance(x, str) and scope.match(x) for x in v)
            ),
            "must be a list of distinct scope names (no spaces, quotes or backslashes)",
        )
        or []
    )
    client_auth = c.choice("client_auth", ("basic", "body")) or "basic"
    return s.OAuth2ClientCredentials(token_url, client_id, credential, tuple(scopes), client_auth)


def compile_headers(raw, pointer, errors, auth) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict) or len(raw) > 50:
        errors.append(ErrorDetail(pointer, "must be an object of at most 50 headers"))
        return ()
    out = []
    for name, value in raw.items():
        at = f"{pointer}/{esc(name)}"
        if header_name_problem(name, auth, errors, at):
            continue
        if not isinstance(value, str) or len(value) > 1000 or re.search(r"[\r\n\x00]", value):
            errors.append(ErrorDetail(at, "must be one line of text, at most 1000 characters"))
            continue
        out.append((name, value))
    return tuple(out)


def header_name_problem(name: str, auth: s.AuthSpec, errors, at: str, also=()) -> bool:
    if not HEADER_NAME.match(name) or name.lower() in RESERVED_HEADERS:
        errors.append(
            ErrorDetail(
                at,
                "must be a header name (letters, digits, -) and not one "
                "the transport sets itself (Host, Content-Type, "
                "Authorization, Cookie, Idempotency-Key, ...)",
            )
        )
        return True
    taken = {h.lower() for h in (*auth.header_names, *also)}
    if name.lower() in taken:
        errors.append(ErrorDetail(at, "is already set by the auth or idempotency settings"))
        return True
    return False


def compile_timeouts(raw, pointer, errors, base: s.Timeouts) -> s.Timeouts:
    if raw is None:
        return base
    c = Fields(raw, pointer, errors, {"connect_seconds", "read_seconds"})
    connect = c.number("connect_seconds", 30)
    read = c.number("read_seconds", 120)
    return s.Timeouts(
        float(connect) if connect else base.connect, float(read) if read else base.read
    )


def compile_retry_part(raw, pointer, errors, base: s.RetryPolicy) -> s.RetryPolicy:
    if raw is None:
        return base
    c = Fields(
        raw,
        pointer,
        errors,
        {"max_attempts", "backoff", "initial_seconds", "max_seconds", "retry_on"},
    )
    attempts = c.number("max_attempts", 10, integer=True, minimum=1)
    backoff = c.choice("backoff", ("fixed", "exponential"))
    initial = c.number("initial_seconds", 60)
    cap = c.number("max_seconds", 300)
    retry_on = c.check(
        "retry_on",
        lambda v: (
            isinstance(v, list)
            and len(set(map(repr, v))) == len(v)
            and all(type(x) is int and x in s.RETRYABLE_STATUSES for x in v)
        ),
        "must list distinct statuses from 408, 425, 429 and 5xx: other 4xx are never retried",
    )
    return s.RetryPolicy(
        attempts if attempts is not None else base.max_attempts,
        backoff or base.backoff,
        float(initial) if initial is not None else base.initial_seconds,
        float(cap) if cap is not None else base.max_seconds,
        frozenset(retry_on) if retry_on is not None else base.retry_on,
    )


def compile_breaker(raw, pointer, errors) -> s.BreakerSettings:
    if raw is None:
        return s.BreakerSettings()
    c = Fields(raw, pointer, errors, {"failure_threshold", "reset_seconds"})
    threshold = c.number("failure_threshold", 100, integer=True, minimum=1)
    reset = c.number("reset_seconds", 3600)
    return s.BreakerSettings(
        threshold or s.DEFAULT_FAILURE_THRESHOLD,
        float(reset) if reset else s.DEFAULT_RESET_SECONDS,
    )


def sort_errors(errors: list[ErrorDetail]) -> list[ErrorDetail]:
    def key(e: ErrorDetail):
        return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in e.pointer.split("/"))

    return sorted(set(errors), key=lambda e: (key(e), e.reason))


def esc(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")
