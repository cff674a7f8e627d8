"""The pure simulators served over real HTTP on 127.0.0.1 (werkzeug, no Flask, no database).

`SandboxServer` answers `/sandbox/<system>/...` like the app does, from a `MemoryStore`,
so preset tests exercise the real transport (sockets, timeouts, retries, Retry-After,
breaker, idempotency keys) against stateful fakes without an app or a database.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from connectors import Allowlist, Transport, call_action, compile_connector
from connectors.presets import load_preset
from connectors.sandbox import MemoryStore, SandboxSettings, SimRequest, handle, set_mode

LOCAL = Allowlist.parse(["127.0.0.1"])
ROOT_SECRET = "test-root-secret"
WEBHOOK_SECRET = "whsec_test"


@dataclass
class SandboxServer:
    store: MemoryStore = field(default_factory=MemoryStore)
    callback_base_url: str = "http://127.0.0.1:9"
    base_url: str = ""
    requests: list[SimRequest] = field(default_factory=list)

    @property
    def settings(self) -> SandboxSettings:
        return SandboxSettings(ROOT_SECRET, WEBHOOK_SECRET, self.callback_base_url)

    def __call__(self, environ, start_response):
        request = Request(environ)
        parts = request.path.split("/", 3)  # "", "sandbox", system, rest
        if len(parts) < 4 or parts[1] != "sandbox":
            return Response("not found", 404)(environ, start_response)
        sim = SimRequest(request.method, "/" + parts[3], tuple(request.args.items(multi=True)),
                         {k.lower(): v for k, v in request.headers.items()}, request.get_data())
        self.requests.append(sim)
        answer = handle(parts[2], sim, self.store, self.settings)
        if answer.delay_seconds:
            time.sleep(answer.delay_seconds)
        return Response(answer.body, answer.status, list(answer.headers))(environ, start_response)

    def mode(self, system: str, mode: str | None, **options: Any) -> None:
        set_mode(self.store, system, mode, **options)

    def spec(self, preset: str, **overrides: Any):
        body = load_preset(preset, f"{self.base_url}/sandbox/{preset}")
        body.update(overrides)
        return compile_connector(body, key=preset, version=1)

    def secrets(self, preset: str) -> dict[str, str]:
        return {"api_key": self.settings.key_for(preset)}

    def call(self, preset: str, action: str, inputs: dict, *, key: str = "idem-1",
             transport: Transport | None = None, secrets: dict | None = None, **overrides):
        return call_action(self.spec(preset, **overrides), action, inputs, idempotency_key=key,
                           secrets=secrets if secrets is not None else self.secrets(preset),
                           transport=transport or Transport(), allowlist=LOCAL)

    def raw(self, system: str, method: str, path: str, body: bytes = b"", **headers: str):
        """Call the simulator directly (no HTTP) with the right key, for setting up state."""
        headers = {"authorization": f"Bearer {self.settings.key_for(system)}", **headers}
        answer = handle(system, SimRequest(method, path, (), headers, body), self.store,
                        self.settings)
        return answer.status, json.loads(answer.body) if answer.body else None


def serve(server: SandboxServer):
    httpd = make_server("127.0.0.1", 0, server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    server.base_url = f"http://127.0.0.1:{httpd.server_port}"
    return httpd, thread
