"""The `formloom` command: Flask's own (`run`, `shell`, `routes`) plus ours."""

from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import FlaskGroup

#: Modules under app/cli/; each exposes `commands`, a list of click commands or groups.
COMMAND_MODULES = ("db", "users", "secrets", "bundles", "worker", "flows", "reports")


def _create_app() -> Flask:
    """Build the app for a command; a refused configuration is a message, not a traceback."""
    from app import create_app
    from app.config import ConfigError

    try:
        return create_app()
    except ConfigError as err:
        click.echo(f"formloom: refusing to start: {err}", err=True)
        raise SystemExit(2) from err


main = FlaskGroup(create_app=_create_app, help="Formloom: forms, flows and dashboards.")


def init_app(app: Flask) -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"app.cli.{name}")
        for command in module.commands:
            app.cli.add_command(command)
