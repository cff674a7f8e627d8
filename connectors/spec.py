"""Frozen connector specs: what `compile_connector` makes of a definition body.

Runtime code reads these, never the JSON (STYLE 4). Defaults live here, each with the
reason for its value, so the builder can show them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connectors.templates import Path, Template

DEFAULT_CONNECT_SECONDS = 5.0
"""A healthy server accepts a TCP/TLS connection in well under a second."""
DEFAULT_READ_SECONDS = 20.0
"""Well below the 300 s job timeout (app RQ_JOB_TIMEOUT) even with retries (CHECKLIST 9)."""
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_INITIAL_SECONDS = 0.5
DEFAULT_MAX_SECONDS = 30.0
"""Cap of one backoff wait and of an honoured `Retry-After`."""
DEFAULT_RETRY_ON = frozenset({408, 425, 429, *range(500, 600)})
RETRYABLE_STATUSES = DEFAULT_RETRY_ON
"""The only statuses a policy may retry: other 4xx mean the request itself is wrong."""
DEFAULT_FAILURE_THRESHOLD = 5
DEFAULT_RESET_SECONDS = 30.0
DEFAULT_IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300
"""Five minutes either way: room for clock skew and a sender's retry, short for replays."""
DEFAULT_WEBHOOK_CREDENTIAL = "webhook_secret"  # a credential name, not a secret
"""The credential holding the shared HMAC secret, unless a webhook names another."""


@dataclass(frozen=True)
class Timeouts:
    connect: float = DEFAULT_CONNECT_SECONDS
    read: float = DEFAULT_READ_SECONDS

    @property
    def total(self) -> float:
        return self.connect + self.read


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts per call, and the wait between them.

    `exponential` waits a random time in `[0, min(max, initial * 2**(n-1))]` before
    attempt n+1 ("full jitter": retries from many workers spread out instead of
    arriving together); `fixed` waits `initial` each time. A `Retry-After` answer
    overrides the computed wait, capped at `max_seconds`.
    """

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff: str = "exponential"
    initial_seconds: float = DEFAULT_INITIAL_SECONDS
    max_seconds: float = DEFAULT_MAX_SECONDS
    retry_on: frozenset[int] = DEFAULT_RETRY_ON

    def delay(
        self,
        attempt: int,
        retry_after: float | None = None,
        rand: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        if retry_after is not None:
            return max(0.0, min(retry_after, self.max_seconds))
        if self.backoff == "fixed":
            return min(self.initial_seconds, self.max_seconds)
        ceiling = min(self.max_seconds, self.initial_seconds * 2 ** (attempt - 1))
        return rand() * ceiling


@dataclass(frozen=True)
class BreakerSettings:
    """Open after `failure_threshold` failed attempts in a row; try again after `reset_seconds`."""

    failure_threshold: int = DEFAULT_FAILURE_THRESHOLD
    reset_seconds: float = DEFAULT_RESET_SECONDS


# --- auth -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NoAuth:
    type = "none"

    @property
    def credentials(self) -> tuple[str, ...]:
        return ()

    @property
    def header_names(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class ApiKeyAuth:
    type = "api_key"
    credential: str
    name: str
    location: str = "header"  # or "query"
    prefix: str = ""

    @property
    def credentials(self) -> tuple[str, ...]:
        return (self.credential,)

    @property
    def header_names(self) -> tuple[str, ...]:
        return (self.name,) if self.location == "header" else ()


@dataclass(frozen=True)
class BearerAuth:
    type = "bearer"
    credential: str

    @property
    def credentials(self) -> tuple[str, ...]:
        return (self.credential,)

    @property
    def header_names(self) -> tuple[str, ...]:
        return ("Authorization",)


@dataclass(frozen=True)
class BasicAuth:
    type = "basic"
    username: str
    credential: str

    @property
    def credentials(self) -> tuple[str, ...]:
        return (self.credential,)

    @property
    def header_names(self) -> tuple[str, ...]:
        return ("Authorization",)


@dataclass(frozen=True)
class OAuth2ClientCredentials:
    """The client secret is the credential; `client_auth` says how it is sent."""

    type = "oauth2_client_credentials"
    token_url: str
    client_id: str
    credential: str
    scopes: tuple[str, ...] = ()
    client_auth: str = "basic"  # HTTP Basic (RFC 6749 2.3.1) or "body"

    @property
    def credentials(self) -> tuple[str, ...]:
        return (self.credential,)

    @property
    def header_names(self) -> tuple[str, ...]:
        return ("Authorization",)


AuthSpec = NoAuth | ApiKeyAuth | BearerAuth | BasicAuth | OAuth2ClientCredentials


# --- actions --------------------------------------------------------------------------


@dataclass(frozen=True)
class PathTemplate:
    """`/orders/{number}`: literal parts and input paths, each value URL-encoded."""

    text: str
    parts: tuple[str | Template, ...]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    method: str
    path: PathTemplate
    pointer: str
    title: str = ""
    query: tuple[tuple[str, Template], ...] = ()
    headers: tuple[tuple[str, Template], ...] = ()
    body: Template | None = None
    encoding: str = "json"  # or "form"
    idempotency_header: str = DEFAULT_IDEMPOTENCY_HEADER
    outputs: tuple[tuple[str, Template], ...] | None = None
    errors: tuple[tuple[int, str], ...] = ()
    expected_status: frozenset[int] | None = None  # None: any 2xx
    retry: RetryPolicy = RetryPolicy()
    timeouts: Timeouts = Timeouts()
    input_schema: Any = field(default=None, compare=False, repr=False)
    validator: Any = field(default=None, compare=False, repr=False)

    def error_outcome(self, status: int) -> str | None:
        return dict(self.errors).get(status)

    def is_expected(self, status: int) -> bool:
        if self.expected_status is None:
            return 200 <= status < 300
        return status in self.expected_status


# --- inbound webhooks -----------------------------------------------------------------


@dataclass(frozen=True)
class SignatureSpec:
    """`hex(HMAC-SHA256(secret, f"{timestamp}.".encode() + raw_body))` in `header`."""

    header: str
    timestamp_header: str
    tolerance_seconds: int = DEFAULT_WEBHOOK_TOLERANCE_SECONDS
    credential: str = DEFAULT_WEBHOOK_CREDENTIAL


@dataclass(frozen=True)
class WebhookSpec:
    """An inbound webhook: how to check it and what flow message it becomes.

    `event_id`, `correlation` and each `data` value are JSON pointers into the body
    (compiled `Path`s): the event id deduplicates deliveries, the correlation finds the
    waiting instance, `data` is what that instance receives.
    """

    name: str
    message: str
    signature: SignatureSpec
    event_id: Path
    correlation: Path
    data: tuple[tuple[str, Path], ...] = ()
    title: str = ""


@dataclass(frozen=True)
class ConnectorSpec:
    key: str
    version: int
    type: str
    base_url: str
    auth: AuthSpec
    actions: tuple[ActionSpec, ...]
    headers: tuple[tuple[str, str], ...] = ()
    timeouts: Timeouts = Timeouts()
    retry: RetryPolicy = RetryPolicy()
    breaker: BreakerSettings = BreakerSettings()
    description: str = ""
    webhooks: tuple[WebhookSpec, ...] = ()

    def action(self, name: str) -> ActionSpec | None:
        return next((a for a in self.actions if a.name == name), None)

    def webhook(self, name: str) -> WebhookSpec | None:
        return next((w for w in self.webhooks if w.name == name), None)

    @property
    def action_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.actions)
