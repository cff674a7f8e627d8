"""The last step of a call: bytes to one checked address and back.

A `Wire` sends one request to a `Target` (ssrf.py) and returns one response; it never
retries, follows redirects or resolves names. `Transport` (transport.py) does all of
that around it. Two wires exist:

* `PinnedWire` - the real one, on **httpcore** (the connection layer of httpx). Why
  httpcore: its `NetworkBackend` is public API, so pinning is one overridden method,
  `connect_tcp`, that dials the checked address instead of the host name. Everything
  above the socket still uses the host name: the URL, the `Host` header, TLS SNI, and
  the certificate check (stdlib `ssl` with `check_hostname=True` against the name).
  Nothing TLS-related is hand-rolled, no name is ever resolved again, and httpcore
  reads no proxy variables from the environment. httpx itself adds nothing we need
  (redirects, cookies and env proxies are exactly what we must *not* do implicitly).
  urllib3 could pin too (`server_hostname`/`assert_hostname` on a pool per IP), but
  its hostname check then runs in urllib3's own matcher rather than OpenSSL's.
* `MockWire(handler)` - for tests: `handler(request, target) -> Response`, like
  httpx's `MockTransport`.
"""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import certifi
import httpcore

from connectors.spec import Timeouts
from connectors.ssrf import Target

MAX_BODY_BYTES = 10 * 1024 * 1024
"""A connector answer larger than this is refused rather than held in memory."""


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    def header(self, name: str) -> str | None:
        return _find(self.headers, name)

    def __repr__(self) -> str:  # headers and body may hold secrets: never show them
        return f"Request({self.method} {self.url.split('?', 1)[0]})"


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return _find(self.headers, name)

    def __repr__(self) -> str:
        return f"Response({self.status}, {len(self.body)} bytes)"


def _find(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    name = name.lower()
    return next((v for k, v in headers if k.lower() == name), None)


class WireTimeout(Exception):
    """The connect or read timeout passed (`phase` says which)."""

    def __init__(self, phase: str) -> None:
        super().__init__(f"{phase} timeout")
        self.phase = phase


class WireError(Exception):
    """No usable answer. `retryable` is False where trying again cannot help (TLS, size)."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class Wire(Protocol):
    def send(self, request: Request, target: Target, timeouts: Timeouts) -> Response: ...


class MockWire:
    """Hands each request to `handler(request, target)`; for tests, no network at all."""

    def __init__(self, handler: Callable[[Request, Target], Response]) -> None:
        self.handler = handler

    def send(self, request: Request, target: Target, timeouts: Timeouts) -> Response:
        return self.handler(request, target)


class _PinnedBackend(httpcore.SyncBackend):
    """Connects to the checked address whatever host name httpcore asks for."""

    def __init__(self, address: str) -> None:
        self.address = address

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        return super().connect_tcp(self.address, port, timeout, local_address, socket_options)


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """Certificate and host name checks on, Mozilla's CA bundle (certifi).

    One per process, shared (an SSLContext is safe to use from many threads and is never
    changed after this): loading the CA bundle costs ~0.1 s of CPU, and a transport is
    built for every connector call, so a fresh context per call made a portal order
    lookup cost ~8x the page around it (found by bench/load.py).
    """
    return ssl.create_default_context(cafile=certifi.where())


class PinnedWire:
    """Real HTTP/1.1 over one fresh connection per request to `target.address`.

    A fresh connection per request keeps pinning trivially right (a pooled connection
    could belong to another check); connector calls are few and slow enough for that.
    """

    def __init__(
        self, ssl_context: ssl.SSLContext | None = None, max_body_bytes: int = MAX_BODY_BYTES
    ) -> None:
        self.ssl_context = ssl_context or default_ssl_context()
        self.max_body_bytes = max_body_bytes

    def send(self, request: Request, target: Target, timeouts: Timeouts) -> Response:
        extensions = {
            "timeout": {
                "connect": timeouts.connect,
                "read": timeouts.read,
                "write": timeouts.read,
                "pool": timeouts.connect,
            }
        }
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request.headers]
        deadline = time.monotonic() + timeouts.total  # a slow drip must not outlast it
        pool = httpcore.ConnectionPool(
            ssl_context=self.ssl_context,
            network_backend=_PinnedBackend(target.address),
            max_connections=1,
            retries=0,
        )
        try:
            with (
                pool,
                pool.stream(
                    request.method.encode("ascii"),
                    target.url,
                    headers=headers,
                    content=request.body,
                    extensions=extensions,
                ) as response,
            ):
                body = bytearray()
                for chunk in response.iter_stream():
                    body += chunk
                    if len(body) > self.max_body_bytes:
                        raise WireError(
                            f"the response is larger than {self.max_body_bytes} bytes",
                            retryable=False,
                        )
                    if time.monotonic() > deadline:
                        raise WireTimeout("read")
                return Response(
                    response.status,
                    tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers),
                    bytes(body),
                )
        except httpcore.ConnectTimeout:
            raise WireTimeout("connect") from None
        except (httpcore.ReadTimeout, httpcore.WriteTimeout, httpcore.PoolTimeout):
            raise WireTimeout("read") from None
        except httpcore.ConnectError as exc:
            original = _original(exc)
            if isinstance(original, ssl.SSLError):
                reason = getattr(original, "verify_message", None) or "handshake failed"
                raise WireError(f"TLS: {reason}", retryable=False) from None
            raise WireError(f"connection failed: {_short(exc)}") from None
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise WireError(f"{type(exc).__name__}: {_short(exc)}") from None


def _original(exc: BaseException) -> object:
    """httpcore wraps the socket/ssl error as its first argument (its pool drops `__cause__`)."""
    return exc.args[0] if exc.args else exc.__cause__


def _short(exc: BaseException) -> str:
    return str(_original(exc) or exc)[:200] or type(exc).__name__
