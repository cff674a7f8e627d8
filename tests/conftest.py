"""Fixtures shared by every test: an app per test on SQLite and on PostgreSQL.

`database_url` is parametrised over both backends, so every test that takes `app`
(or `client`, `db_session`, …) runs twice: `test_x[sqlite]` and `test_x[postgresql]`.
Each backend's schema is built once per run by the real Alembic migrations, and rows
are deleted after each test.
"""

from __future__ import annotations

import secrets
import uuid

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask.globals import _cv_app
from flask.testing import FlaskClient

from tests import services

TEST_SECRET_KEY = "test-secret-" + "x" * 40
TEST_ENCRYPTION_KEY = Fernet.generate_key().decode()


def pytest_report_header(config):
    pg = services.postgres_admin_url()
    rd = services.redis_url()
    return [
        f"formloom services: postgresql: {pg[1]}",
        f"formloom services: redis: {rd[1]}",
    ]


def pytest_terminal_summary(terminalreporter):
    pg, rd = services.postgres_admin_url(), services.redis_url()
    terminalreporter.write_line(
        f"formloom services: postgresql={'ran' if pg[0] else 'SKIPPED - ' + pg[1]}; "
        f"redis={'ran' if rd[0] else 'SKIPPED - ' + rd[1]}"
    )


def _skip_or_fail(reason: str):
    if services.required():
        pytest.fail(f"{reason} (FORMLOOM_TEST_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def _migrate(url: str) -> None:
    from app.cli.db import upgrade_database

    upgrade_database(url)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'formloom.db'}"
        _migrate(url)
        yield url
        return
    admin_url, reason = services.postgres_admin_url()
    if admin_url is None:
        _skip_or_fail(reason)
    name = f"formloom_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_test_config(database_url: str, tmp_path, **extra) -> dict:
    config = {
        "TESTING": True,
        "ENV_MODE": "testing",
        "SECRET_KEY": TEST_SECRET_KEY,
        "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "DATABASE_URL": database_url,
        "JOBS_BACKEND": "inprocess",
        "JOBS_INPROCESS_TIMER_THREAD": False,
        "REDIS_URL": None,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }
    config.update(extra)
    return config


@pytest.fixture
def app_config(database_url, tmp_path):
    """Settings for `app`; a test may override keys through `app_overrides`."""
    return make_test_config(database_url, tmp_path)


@pytest.fixture
def app_overrides():
    return {}


@pytest.fixture
def app(app_config, app_overrides, tmp_path):
    from app import create_app
    from app.extensions import db

    application = create_app(
        {"INSTANCE_PATH": str(tmp_path / "instance"), **app_config, **app_overrides}
    )
    ctx = application.app_context()
    ctx.push()
    try:
        yield application
    finally:
        _stop_jobs(application)
        db.session.remove()
        _delete_all_rows(db)
        for engine in db.engines.values():
            engine.dispose()
        ctx.pop()


def _stop_jobs(application) -> None:
    """Let running jobs finish, so none writes rows after the cleanup below."""
    dispatcher = application.extensions.get("formloom.jobs")
    if dispatcher is not None:
        dispatcher.wait_idle(5)
        dispatcher.shutdown()


def _delete_all_rows(db) -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as it does in production.

    With the fixture's context pushed, Flask would reuse it for every request, sharing
    `g` (CSRF token, signed-in user) and the database session between requests and
    hiding bugs. The test's own session is expired afterwards so it reads fresh rows.
    """

    def open(self, *args, **kwargs):
        from app.extensions import db

        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            db.session.expire_all()


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db_session(app):
    from app.extensions import db

    return db.session


@pytest.fixture
def redis_url():
    url, reason = services.redis_url()
    if url is None:
        _skip_or_fail(reason)
    return url


@pytest.fixture
def unique_name():
    return f"t{secrets.token_hex(4)}"
