"""The one transport every outbound connector call goes through.

`Transport.send(request, call)` wraps a `Wire` (wire.py: the httpcore connection
pinned to a checked address; in tests a handler function) with everything a call to
an outside system needs:

* **SSRF guard** (ssrf.py): the URL is checked and resolved once per call, and the
  connection pinned to the checked address; every redirect target (at most
  `MAX_REDIRECTS`, never automatic) goes through the guard again, and credentials are
  not carried to another origin.
* **Timeouts**: connect and read, per attempt (default 5 s / 20 s), and a time
  `budget_seconds` for the whole call, retries included, kept far below the job
  timeout (CHECKLIST 9).
* **Retries** with exponential backoff and full jitter on connection errors,
  timeouts and the policy's statuses (5xx, 429, 408, 425), honouring `Retry-After`
  (seconds or HTTP-date, capped at `max_seconds`); never on other 4xx (CHECKLIST 8).
* **Idempotency**: the effect's key is sent as `Idempotency-Key` (or the action's
  header name) on every attempt, the same each time, so the provider deduplicates.
* **Circuit breaker** per connector (breaker.py).
* **Structured logs**: one line per attempt (and per redirect hop) on the
  `formloom.connectors` logger, with `connector, action, method, host, status,
  duration_ms, attempt, outcome` as record attributes and the request headers
  redacted (redact.py). URLs, query strings and bodies are never logged.

One `Transport` per process is the intended use (like an httpx `Client`): it holds the
breaker states and the OAuth token cache. Clock, sleep, random source, resolver and
wire are injectable, so tests run instantly and never leave 127.0.0.1.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from connectors.breaker import BreakerStore, CircuitBreaker, MemoryBreakerStore
from connectors.exceptions import (
    BadResponse,
    CircuitOpen,
    ConnectorError,
    ConnectorTimeout,
    ServerFailed,
)
from connectors.redact import Redactor
from connectors.spec import DEFAULT_IDEMPOTENCY_HEADER, BreakerSettings, RetryPolicy, Timeouts
from connectors.ssrf import NOTHING_ALLOWED, Allowlist, Resolver, Target, guard, system_resolver
from connectors.tokens import MemoryTokenCache, TokenCache
from connectors.wire import MockWire, PinnedWire, Request, Response, Wire, WireError, WireTimeout

DEFAULT_BUDGET_SECONDS = 120.0
"""Whole call, retries and waits included; the RQ job timeout is 300 s."""
MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
logger = logging.getLogger("formloom.connectors")


@dataclass(frozen=True)
class Call:
    """What the transport needs to know about one call besides the request."""

    connector: str
    action: str
    allowlist: Allowlist = NOTHING_ALLOWED
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeouts: Timeouts = field(default_factory=Timeouts)
    breaker: BreakerSettings = field(default_factory=BreakerSettings)
    redactor: Redactor = field(default_factory=Redactor)
    idempotency_key: str | None = None
    idempotency_header: str = DEFAULT_IDEMPOTENCY_HEADER
    breaker_key: str = ""  # defaults to the connector key

    @property
    def circuit(self) -> str:
        return self.breaker_key or self.connector


@dataclass(frozen=True)
class Exchange:
    response: Response
    attempts: int
    duration_ms: int


class _Failed(Exception):
    """One attempt failed in a way that may be retried (unless `retryable` is False)."""

    def __init__(self, status, message, *, timeout=False, retry_after=None, retryable=True):
        super().__init__(message)
        self.status = status
        self.message = message
        self.timeout = timeout
        self.retry_after = retry_after
        self.retryable = retryable


class Transport:
    def __init__(
        self,
        wire: Wire | None = None,
        *,
        resolver: Resolver = system_resolver,
        breakers: BreakerStore | None = None,
        token_cache: TokenCache | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        budget_seconds: float = DEFAULT_BUDGET_SECONDS,
        log: logging.Logger = logger,
    ) -> None:
        self.wire = wire or PinnedWire()
        self.resolver = resolver
        self.breaker = CircuitBreaker(breakers or MemoryBreakerStore(), clock)
        self.token_cache = token_cache or MemoryTokenCache()
        self.clock = clock
        self.sleep = sleep
        self.rand = rand
        self.budget_seconds = budget_seconds
        self.log = log

    @classmethod
    def from_handler(cls, handler: Callable[[Request, Target], Response], **kwargs) -> Transport:
        """A transport whose wire is a function: `handler(request, target) -> Response`."""
        return cls(MockWire(handler), **kwargs)

    def send(self, request: Request, call: Call) -> Exchange:
        """Send with guard, retries, breaker and logs; raise a `ConnectorError` on failure."""
        started, t0 = self.clock(), time.perf_counter()
        if call.idempotency_key:
            request = _with_header(request, call.idempotency_header, call.idempotency_key)
        target: Target | None = None
        last: _Failed | None = None
        attempts = 0
        for attempt in range(1, call.retry.max_attempts + 1):
            if last is not None:
                delay = call.retry.delay(attempt - 1, last.retry_after, self.rand)
                elapsed = self.clock() - started
                if elapsed + delay + call.timeouts.total > self.budget_seconds:
                    last.message += f"; stopped: the {self.budget_seconds:g} s budget is used up"
                    break
                self.sleep(delay)
            attempts = attempt
            try:
                if target is None:
                    target = self._guard(request.url, call)
            except _Failed as failure:
                last = failure
                continue
            wait = self.breaker.allow(call.circuit, call.breaker)
            if wait > 0:
                if last is None:
                    raise CircuitOpen(
                        f"{call.connector}: the circuit is open after repeated failures; "
                        f"next trial in {wait:.0f} s",
                        retry_after=wait,
                    )
                last.message += "; the circuit is now open"
                attempts = attempt - 1
                break
            try:
                response = self._exchange(request, target, call, attempt)
            except _Failed as failure:
                self.breaker.failed(call.circuit, call.breaker)
                last = failure
                if not failure.retryable:
                    break
                continue
            except ConnectorError as exc:  # refused redirect, too many: the system answered
                self.breaker.succeeded(call.circuit)
                exc.attempts = attempt
                raise
            self.breaker.succeeded(call.circuit)
            duration = int((time.perf_counter() - t0) * 1000)
            return Exchange(response, attempt, duration)
        assert last is not None
        message = call.redactor.text(
            f"{call.connector}.{call.action}: {last.message} "
            f"({attempts} of {call.retry.max_attempts} attempts)"
        )
        if last.timeout:
            raise ConnectorTimeout(message, attempts=attempts)
        raise ServerFailed(last.status, message, attempts=attempts)

    # --- one attempt ------------------------------------------------------------------

    def _guard(self, url: str, call: Call) -> Target:
        try:
            return guard(url, call.allowlist, self.resolver)
        except OSError:
            host = url.split("//", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
            raise _Failed(None, f"could not resolve {host}") from None

    def _exchange(self, request: Request, target: Target, call: Call, attempt: int) -> Response:
        """One attempt, following at most MAX_REDIRECTS redirects through the guard."""
        for hop in range(MAX_REDIRECTS + 1):
            response = self._send_once(request, target, call, attempt)
            location = response.header("location")
            if response.status not in REDIRECT_STATUSES or not location:
                break
            if hop == MAX_REDIRECTS:
                raise BadResponse(response.status, f"more than {MAX_REDIRECTS} redirects")
            next_url = urljoin(target.url, location.strip())
            next_target = self._guard(next_url, call)
            request = _redirected(request, response.status, next_url, target, next_target, call)
            target = next_target
        if response.status in call.retry.retry_on:
            raise _Failed(
                response.status,
                f"{response.status} from {target.host}",
                retry_after=self._retry_after(response),
            )
        return response

    def _send_once(self, request: Request, target: Target, call: Call, attempt: int) -> Response:
        t0 = time.perf_counter()
        try:
            response = self.wire.send(request, target, call.timeouts)
        except WireTimeout as exc:
            limit = call.timeouts.connect if exc.phase == "connect" else call.timeouts.read
            self._log(request, target, call, attempt, t0, None, f"{exc.phase}_timeout")
            raise _Failed(
                None, f"{exc.phase} timeout ({limit:g} s) at {target.host}", timeout=True
            ) from None
        except WireError as exc:
            message = call.redactor.text(str(exc))
            self._log(request, target, call, attempt, t0, None, "error", message)
            raise _Failed(None, f"{message} ({target.host})", retryable=exc.retryable) from None
        outcome = "retry" if response.status in call.retry.retry_on else "answered"
        self._log(request, target, call, attempt, t0, response.status, outcome)
        return response

    def _retry_after(self, response: Response) -> float | None:
        value = (response.header("retry-after") or "").strip()
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - self.clock())
        except (TypeError, ValueError, IndexError, OverflowError):
            return None

    def _log(self, request, target, call, attempt, t0, status, outcome, detail="") -> None:
        duration = int((time.perf_counter() - t0) * 1000)
        level = logging.INFO if outcome == "answered" else logging.WARNING
        self.log.log(
            level,
            "connector=%s action=%s method=%s host=%s status=%s duration_ms=%d attempt=%d "
            "outcome=%s%s",
            call.connector,
            call.action,
            request.method,
            target.host,
            status or "-",
            duration,
            attempt,
            outcome,
            f" detail={detail!r}" if detail else "",
            extra={
                "connector": call.connector,
                "action": call.action,
                "method": request.method,
                "host": target.host,
                "status": status,
                "duration_ms": duration,
                "attempt": attempt,
                "outcome": outcome,
                "request_headers": call.redactor.headers(request.headers),
            },
        )


def _with_header(request: Request, name: str, value: str) -> Request:
    headers = tuple((k, v) for k, v in request.headers if k.lower() != name.lower())
    return replace(request, headers=(*headers, (name, value)))


def _redirected(
    request: Request, status: int, url: str, old: Target, new: Target, call: Call
) -> Request:
    """The request a redirect asks for: 303 (and 301/302 after POST) become a GET."""
    method, body, headers = request.method, request.body, request.headers
    if status == 303 or (status in (301, 302) and method == "POST"):
        method, body = "GET", None
        headers = tuple(
            (k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")
        )
    if new.origin != old.origin:  # never hand credentials to another origin
        headers = tuple((k, v) for k, v in headers if k.lower() not in call.redactor.header_names)
    return Request(method, url, headers, body)
