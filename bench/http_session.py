"""A browser-like HTTP session for the load run: one keep-alive connection, cookies, timings.

Redirects are not followed: the run reads `Location` itself (a submit's 302 names the
case), as it must to tell an accepted submit from a page that only looks fine. Only
127.0.0.1 is ever contacted.

Like a browser, a request sent on a reused keep-alive connection that the server closed
without answering a single byte (it timed the idle connection out as the request went
out) is sent once more on a new connection; `reconnects` counts those, and the run
reports them. Any other failure, or a second one, is an answer of status 0.
"""

from __future__ import annotations

import html
import http.client
import re
import time
import urllib.parse
from dataclasses import dataclass

from forms_load import BOUNDARY, multipart

HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


#: How a server's close of an idle keep-alive connection shows when a request meets it.
EMPTY_CLOSE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


@dataclass
class Reply:
    status: int  # 0: no answer (connection refused, reset or timed out)
    location: str
    text: str
    seconds: float


class Session:
    """Cookies and one connection, like one browser tab; `fresh()` is a new visitor."""

    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.reused = False  # the connection has answered a request already
        self.reconnects = 0

    def fresh(self) -> None:
        self.cookies.clear()

    def get(self, path: str) -> Reply:
        return self._send("GET", path, None, {})

    def post(self, path: str, fields: dict[str, str], *, files: bool = False) -> Reply:
        if files:
            body = multipart(fields)
            kind = f"multipart/form-data; boundary={BOUNDARY}"
        else:
            body = urllib.parse.urlencode(fields).encode()
            kind = "application/x-www-form-urlencoded"
        return self._send("POST", path, body, {"Content-Type": kind})

    def _send(self, method: str, path: str, body: bytes | None, headers: dict) -> Reply:
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        for attempt in (1, 2):
            answered = False
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                answered = True
                text = response.read().decode("utf-8", "replace")
                break
            except (OSError, http.client.HTTPException) as err:
                closed_idle = isinstance(err, EMPTY_CLOSE) and self.reused and not answered
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
                self.reused = False
                if attempt == 1 and closed_idle:
                    self.reconnects += 1
                    continue
                return Reply(0, "", f"{type(err).__name__}: {err}",
                             time.perf_counter() - started)
        self.reused = not response.will_close
        seconds = time.perf_counter() - started
        for header in response.msg.get_all("Set-Cookie") or ():
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return Reply(response.status, response.getheader("Location", ""), text, seconds)

    def close(self) -> None:
        self.conn.close()


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page (CSRF token, client token, lookup proof), unescaped."""
    return {name: html.unescape(value) for name, value in HIDDEN.findall(page)}


def csrf_of(page: str) -> str | None:
    match = CSRF.search(page)
    return html.unescape(match.group(1)) if match else None


def path_of(location: str) -> str:
    """A redirect's target as a path on this server (Location may be absolute)."""
    parts = urllib.parse.urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")
