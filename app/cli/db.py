"""`formloom db upgrade|downgrade|current`: Alembic, driven with the app's database URL."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command as alembic
from alembic.config import Config
from flask import current_app
from flask.cli import with_appcontext

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    alembic.upgrade(alembic_config(url), revision)


def downgrade_database(url: str, revision: str = "base") -> None:
    alembic.downgrade(alembic_config(url), revision)


@click.group("db", help="Database schema migrations.")
def command() -> None:
    pass


@command.command("upgrade", help="Apply migrations up to REVISION (default: head).")
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    upgrade_database(current_app.config["SQLALCHEMY_DATABASE_URI"], revision)
    click.echo(f"database at {revision}")


@command.command("downgrade", help="Revert migrations down to REVISION (default: base).")
@click.argument("revision", default="base")
@with_appcontext
def downgrade(revision: str) -> None:
    downgrade_database(current_app.config["SQLALCHEMY_DATABASE_URI"], revision)
    click.echo(f"database at {revision}")


@command.command("current", help="Show the applied revision.")
@with_appcontext
def current() -> None:
    alembic.current(alembic_config(current_app.config["SQLALCHEMY_DATABASE_URI"]))


commands = [command]
