"""Migrations go up and down on both databases, and match the models exactly."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import app.models  # noqa: F401
from app.cli.db import downgrade_database, upgrade_database
from app.extensions import db
from tests import services


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    admin_url, reason = services.postgres_admin_url()
    if admin_url is None:
        if services.required():
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"formloom_mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_database_url):
    upgrade_database(empty_database_url)
    assert _tables(empty_database_url) == set(db.metadata.tables)
    downgrade_database(empty_database_url, "base")
    assert _tables(empty_database_url) == set()
    upgrade_database(empty_database_url)
    assert _tables(empty_database_url) == set(db.metadata.tables)


def test_models_and_migrations_agree(empty_database_url):
    """A model changed without a migration shows up here as a difference."""
    upgrade_database(empty_database_url)
    engine = sa.create_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, db.metadata)
    finally:
        engine.dispose()
    assert diffs == []


def test_json_columns_are_jsonb_on_postgresql_and_json_on_sqlite(empty_database_url):
    upgrade_database(empty_database_url)
    engine = sa.create_engine(empty_database_url)
    try:
        columns = {c["name"]: c for c in sa.inspect(engine).get_columns("definitions")}
    finally:
        engine.dispose()
    expected = "JSONB" if empty_database_url.startswith("postgresql") else "JSON"
    assert type(columns["body"]["type"]).__name__ == expected


def test_inbox_and_timer_indexes_exist(empty_database_url):
    upgrade_database(empty_database_url)
    engine = sa.create_engine(empty_database_url)
    try:
        inspector = sa.inspect(engine)
        task_indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("tasks")}
        timer_indexes = {i["name"] for i in inspector.get_indexes("timers")}
    finally:
        engine.dispose()
    assert task_indexes["ix_tasks_inbox_assignee"] == ["assignee_id", "status", "due_at"]
    assert task_indexes["ix_tasks_inbox_team"] == ["team_key", "status", "due_at"]
    assert "ix_timers_due_pending" in timer_indexes
