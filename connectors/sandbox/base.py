"""What every simulator shares: keys, ids, error modes, routing and signed webhooks.

A simulator is a class with a `system` name, an auth scheme and a route table; it
answers a `SimRequest` with a `SimResponse` and keeps its state in a `Store`.
`Simulator.handle` checks the key, applies the error mode a test switched on, then
calls the route's handler:

    mode          effect                                             consumed by
    hang          wait `seconds` (<= 60), then answer normally       every call
    error_500     500 api_error                                       every call
    rate_limited  429 with Retry-After: `retry_after`                 every call
    not_found     404 resource_missing                                every call
    decline       402 refund declined (payment only)                  create_refund

A mode with `remaining: N` applies to the next N matching calls, then switches itself
off (so "fail twice, then succeed" exercises retries); without it, it stays on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from connectors.sandbox.http import (
    MAX_DELAY_SECONDS,
    BadRequest,
    SimRequest,
    SimResponse,
    error_response,
)
from connectors.sandbox.store import Doc, Store

MODES = ("hang", "error_500", "rate_limited", "not_found", "decline")
MODE_KIND = "sandbox.mode"
_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """`re_3PqX…`-style ids: a prefix and random base62 characters (unguessable)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def sandbox_key(root_secret: str, system: str) -> str:
    """The API key a simulator accepts, derived from the installation's secret.

    Derived rather than stored so every process of one installation agrees on it, and
    another installation's key does not work here.
    """
    digest = hmac.new(root_secret.encode(), f"sandbox-key:{system}".encode(), hashlib.sha256)
    tail = digest.hexdigest()[:40]
    return f"sk_test_51{tail}" if system == "payment" else f"sbx_{system}_{tail}"


def webhook_secret(root_secret: str) -> str:
    digest = hmac.new(root_secret.encode(), b"sandbox-webhook-secret", hashlib.sha256)
    return "whsec_" + digest.hexdigest()[:40]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The webhook contract: hex(HMAC-SHA256(secret, f"{timestamp}." + raw body))."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class OutgoingWebhook:
    """A signed delivery the adapter posts to Formloom's `/hooks/<connector>/<name>`."""

    url: str
    body: bytes
    headers: tuple[tuple[str, str], ...]
    event_id: str


@dataclass(frozen=True)
class SandboxSettings:
    """Per-installation values the simulators need; the app builds them from its config."""

    root_secret: str
    webhook_secret: str
    callback_base_url: str  # where /hooks/<connector>/<name> lives, e.g. http://127.0.0.1:5000
    connector_keys: dict[str, str] = field(default_factory=dict)  # system -> connector key
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def key_for(self, system: str) -> str:
        return sandbox_key(self.root_secret, system)

    def webhook(self, system: str, name: str, payload: dict[str, Any]) -> OutgoingWebhook:
        connector = self.connector_keys.get(system, system)
        body = json.dumps(payload, separators=(",", ":")).encode()
        timestamp = int(self.clock().timestamp())
        headers = (
            ("Content-Type", "application/json"),
            ("X-Timestamp", str(timestamp)),
            ("X-Signature", sign(self.webhook_secret, timestamp, body)),
        )
        url = f"{self.callback_base_url.rstrip('/')}/hooks/{connector}/{name}"
        return OutgoingWebhook(url, body, headers, payload["id"])


# --- error modes ----------------------------------------------------------------------


def set_mode(store: Store, system: str, mode: str | None, **options: Any) -> Doc | None:
    """Switch `system`'s error mode on (`mode`) or off (None); returns the stored mode."""
    if mode is None:
        store.put(MODE_KIND, system, {"mode": None})
        return None
    if mode not in MODES:
        raise BadRequest(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
    doc = {
        "mode": mode,
        "seconds": min(float(options.get("seconds") or 5), MAX_DELAY_SECONDS),
        "retry_after": int(options.get("retry_after") or 1),
        "remaining": int(options["remaining"]) if options.get("remaining") is not None else None,
    }
    if doc["seconds"] < 0 or doc["retry_after"] < 0:
        raise BadRequest("seconds and retry_after cannot be negative")
    if doc["remaining"] is not None and doc["remaining"] < 1:
        raise BadRequest("remaining must be at least 1 (leave it out for 'until switched off')")
    store.put(MODE_KIND, system, doc)
    return doc


def take_mode(store: Store, system: str, route: str) -> Doc | None:
    """The mode that applies to this call, counting it against `remaining`."""
    taken: list[Doc] = []

    def consume(doc: Doc | None) -> Doc | None:
        if not doc or not doc.get("mode"):
            return None
        if doc["mode"] == "decline" and route != "create_refund":
            return None
        taken.append(dict(doc))
        if doc.get("remaining") is None:
            return None
        left = doc["remaining"] - 1
        return {"mode": None} if left <= 0 else {**doc, "remaining": left}

    store.update(MODE_KIND, system, consume)
    return taken[0] if taken else None


# --- simulators -----------------------------------------------------------------------

Handler = Callable[..., SimResponse]


class Simulator:
    """Base class: key check, error modes, routing. Subclasses fill the class variables."""

    system: ClassVar[str]
    auth: ClassVar[str] = "bearer"  # bearer | basic | header:<name> | query:<name>
    routes: ClassVar[tuple[tuple[str, str, str], ...]] = ()  # (method, path regex, handler)
    controls: ClassVar[tuple[str, ...]] = ()  # test/demo actions: control_<name>(payload)

    def __init__(self, store: Store, settings: SandboxSettings) -> None:
        """One instance per request (it holds that request's `declined` flag)."""
        self.store = store
        self.declined = False
        self.settings = settings
        self._routes = [(m, re.compile(f"^{p}$"), name) for m, p, name in self.routes]

    def now(self) -> datetime:
        return self.settings.clock()

    def handle(self, request: SimRequest) -> SimResponse:
        if not self._authorised(request):
            return error_response(401, "Invalid API key provided.", "api_key_invalid")
        match = self._match(request)
        if match is None:
            return error_response(404, f"Unrecognized request URL ({request.method} "
                                       f"{request.path}).", "resource_missing")
        name, params = match
        mode = take_mode(self.store, self.system, name)
        delay = 0.0
        if mode is not None:
            kind = mode["mode"]
            if kind == "hang":
                delay = mode["seconds"]
            elif kind == "error_500":
                return error_response(500, "Simulated server error.", "sandbox_error_500")
            elif kind == "rate_limited":
                return error_response(429, "Too many requests; slow down.", "rate_limit",
                                      headers=(("Retry-After", str(mode["retry_after"])),))
            elif kind == "not_found":
                return error_response(404, "No such resource (simulated).", "resource_missing")
        self.declined = mode is not None and mode["mode"] == "decline"
        try:
            response = getattr(self, name)(request, **params)
        except BadRequest as exc:
            response = error_response(400, str(exc), "parameter_invalid")
        return SimResponse(response.status, response.body, response.headers, delay)

    def idempotent(self, request: SimRequest, params: Any,
                   run: Callable[[], SimResponse]) -> SimResponse:
        """Run a creating call at most once per `Idempotency-Key`, as Stripe does.

        The same key with the same parameters returns the stored answer (header
        `Idempotent-Replayed: true`); with other parameters, 400 `idempotency_error`;
        while the first call is still running, 409. Only answers the endpoint produced
        are saved - not 500/429 from an error mode, not unreadable requests.
        """
        key = (request.header("idempotency-key") or "").strip()
        if not key:
            return run()
        if len(key) > 255:
            raise BadRequest("Idempotency-Key is longer than 255 characters")
        kind = f"{self.system}.idempotency"
        fingerprint = hashlib.sha256(
            json.dumps([request.method, request.path, params], sort_keys=True).encode()
        ).hexdigest()
        if not self.store.insert_if_absent(kind, key, {"fingerprint": fingerprint}):
            saved = self.store.get(kind, key) or {}
            if saved.get("fingerprint") != fingerprint:
                return error_response(
                    400, "Keys for idempotent requests can only be used with the same "
                    "parameters they were first used with. Try using a key other than "
                    f"'{key}' if you meant to execute a different request.",
                    "idempotency_key_in_use", type="idempotency_error")
            if "status" not in saved:
                return error_response(409, "There is currently another in-progress request "
                                      "using this idempotency key.", "idempotency_key_in_use",
                                      type="idempotency_error")
            return SimResponse(saved["status"], saved["body"].encode(),
                               (("Content-Type", "application/json"),
                                ("Idempotent-Replayed", "true")))
        try:
            response = run()
        except Exception:
            self.store.delete(kind, key)  # nothing was done: the key may be used again
            raise
        self.store.put(kind, key, {"fingerprint": fingerprint, "status": response.status,
                                   "body": response.body.decode()})
        return response

    def control(self, name: str, payload: dict[str, Any]) -> tuple[dict[str, Any],
                                                                   OutgoingWebhook | None]:
        """Run a test/demo action: `(result, webhook to post or None)`."""
        if name not in self.controls:
            raise BadRequest(f"no control {name!r} for {self.system}")
        return getattr(self, f"control_{name}")(payload)

    def _match(self, request: SimRequest) -> tuple[str, dict[str, str]] | None:
        for method, pattern, name in self._routes:
            found = pattern.match(request.path)
            if found and method == request.method:
                return name, found.groupdict()
        return None

    def _authorised(self, request: SimRequest) -> bool:
        expected = self.settings.key_for(self.system)
        given = ""
        if self.auth == "bearer":
            scheme, _, token = (request.header("authorization") or "").partition(" ")
            given = token.strip() if scheme.lower() == "bearer" else ""
        elif self.auth == "basic":
            scheme, _, token = (request.header("authorization") or "").partition(" ")
            if scheme.lower() == "basic":
                try:
                    given = base64.b64decode(token.strip()).decode().partition(":")[2]
                except (ValueError, UnicodeDecodeError):
                    given = ""
        elif self.auth.startswith("header:"):
            given = request.header(self.auth.split(":", 1)[1]) or ""
        elif self.auth.startswith("query:"):
            given = request.arg(self.auth.split(":", 1)[1]) or ""
        return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
