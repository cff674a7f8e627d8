"""`formloom sandbox install-connectors`: the demo's connectors, aimed at the sandbox."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.sandbox.install import SandboxDisabled, install_connectors


@click.group("sandbox", help="Sandbox simulators of the preset outside systems.")
def command() -> None:
    pass


@command.command("install-connectors",
                 help="Publish the preset connectors pointing at /sandbox/... with sandbox keys.")
@click.option("--force", is_flag=True,
              help="Also replace connectors that point at a real system.")
@with_appcontext
def install(force: bool) -> None:
    try:
        rows = install_connectors(force=force)
    except SandboxDisabled as err:
        raise click.ClickException(str(err)) from err
    for row in rows:
        note = " (points at a real system; --force replaces it)" if row.outcome == "skipped" else ""
        click.echo(f"{row.key:8} v{row.version}  {row.outcome:9} {row.base_url}{note}")
