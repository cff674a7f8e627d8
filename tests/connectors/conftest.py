"""A real HTTP server on 127.0.0.1 that records every request and answers from a script.

Nothing in tests/connectors reaches past 127.0.0.1: names resolve through an injected
resolver, and the only sockets are to this server.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connectors.compile import compile_connector
from connectors.ssrf import Allowlist
from connectors.transport import Transport

LOCAL = Allowlist.parse(["127.0.0.1"])


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Script:
    requests: list[Recorded] = field(default_factory=list)
    replies: deque = field(default_factory=deque)
    release: threading.Event = field(default_factory=threading.Event)
    default: tuple = (200, {"Content-Type": "application/json"}, b"{}")

    def reply(self, status=200, body=None, headers=None, times=1):
        data = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
        headers = {"Content-Type": "application/json", **(headers or {})}
        for _ in range(times):
            self.replies.append((status, headers, data))

    def hang(self, times=1):
        for _ in range(times):
            self.replies.append("hang")

    def next(self):
        return self.replies.popleft() if self.replies else self.default


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self):
        script: Script = self.server.script  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        script.requests.append(
            Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        answer = script.next()
        if answer == "hang":
            script.release.wait(10)
            self.close_connection = True
            return
        status, headers, data = answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, *args):
        pass


class LocalServer:
    def __init__(self, ssl_context=None):
        self.script = Script()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.script = self.script  # type: ignore[attr-defined]
        if ssl_context is not None:
            self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self):
        return self.script.requests

    def close(self):
        self.script.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    local = LocalServer()
    yield local
    local.close()


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self, now=1_700_000_000.0):
        self.now = now
        self.waits: list[float] = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def transport(fake_time):
    return make_transport(fake_time)


def make_transport(fake_time, **kwargs):
    kwargs.setdefault("rand", lambda: 0.5)
    return Transport(clock=fake_time.clock, sleep=fake_time.sleep, **kwargs)


def connector(base_url, actions=None, **top):
    body = {
        "type": "http",
        "base_url": base_url,
        "auth": {"type": "none"},
        "actions": actions or {"ping": {"method": "GET", "path": "/ping"}},
        **top,
    }
    return compile_connector(body, "test.conn")
