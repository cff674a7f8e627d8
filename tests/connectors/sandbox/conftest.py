import pytest

from tests.connectors.sandbox.live import SandboxServer, serve


@pytest.fixture
def sandbox():
    server = SandboxServer()
    httpd, thread = serve(server)
    try:
        yield server
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
