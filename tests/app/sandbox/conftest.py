"""The app itself served on 127.0.0.1, so connectors reach /sandbox/... over real HTTP."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server


@pytest.fixture
def served(app):
    """(base URL, app): the test's app on a loopback port, its own URL as PUBLIC_BASE_URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = base
    app.config["CONNECTOR_ALLOWLIST"] = ["127.0.0.1"]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, app
    finally:
        server.shutdown()
        thread.join(timeout=10)
