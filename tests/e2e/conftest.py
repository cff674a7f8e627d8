"""Browser tests: the real app on a loopback port, driven by Playwright on system Chromium.

Playwright's own browser download cannot work on our machines; the tests use Debian's
`chromium` (installed by scripts/ensure-chromium.sh from `make test`) and are skipped
with that reason where it is absent. Screenshots land in tests/e2e/artifacts/ (not
committed: every run makes them anew).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_test_config

CHROMIUM = os.environ.get("FORMLOOM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).parent / "artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def chromium() -> str:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (make test installs it as root via apt-get)")
    return CHROMIUM


@pytest.fixture
def live_app(tmp_path):
    """A fresh, migrated, empty installation served on 127.0.0.1: (base URL, app)."""
    from app import create_app
    from app.cli.db import upgrade_database

    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    upgrade_database(url)
    application = create_app(make_test_config(url, tmp_path, INSTANCE_PATH=str(tmp_path / "i")))
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", application
    finally:
        server.shutdown()
        thread.join(timeout=10)
        dispatcher = application.extensions.get("formloom.jobs")
        if dispatcher is not None:
            dispatcher.shutdown()


@pytest.fixture
def live_server(live_app):
    return live_app[0]


@pytest.fixture
def page(chromium):
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def shot(page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
