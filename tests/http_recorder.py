"""A loopback HTTP server that plays an outside system and remembers every call.

It keeps what a payment provider keeps: the first answer per `Idempotency-Key`, replayed
for repeats. Tests read `calls` (every request) and `effects` (one per distinct key) to
prove that retries and crashes never made the outside system act twice.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorder:
    calls: list[dict[str, Any]] = field(default_factory=list)
    effects: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Statuses to answer next, in order (e.g. [503, 503]); then 200.
    failures: list[int] = field(default_factory=list)
    #: Seconds to wait before answering (to let a test kill the caller mid-call).
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def keys(self) -> list[str]:
        return [c["idempotency_key"] for c in self.calls]


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            key = self.headers.get("Idempotency-Key", "")
            with recorder.lock:
                recorder.calls.append({"path": self.path, "idempotency_key": key, "body": body,
                                       "authorization": self.headers.get("Authorization")})
                status = recorder.failures.pop(0) if recorder.failures else 200
                if status == 200 and key not in recorder.effects:
                    recorder.effects[key] = {"id": f"obj_{len(recorder.effects) + 1}", **body}
                answer = recorder.effects.get(key) if status == 200 else {"error": "unavailable"}
            if recorder.delay:
                threading.Event().wait(recorder.delay)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            """Read-only calls (a connection test): recorded, answered 200 unless failing."""
            with recorder.lock:
                recorder.calls.append({"path": self.path, "method": "GET", "body": None,
                                       "idempotency_key": self.headers.get("Idempotency-Key", ""),
                                       "authorization": self.headers.get("Authorization")})
                status = recorder.failures.pop(0) if recorder.failures else 200
            answer = {"ok": True, "path": self.path} if status == 200 else {"error": "unavailable"}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def recording_server() -> Iterator[Recorder]:
    recorder = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    recorder.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        thread.join(timeout=10)
