"""`formloom flows sweep`: hand the queue again the timers, outbox rows, webhook deliveries
and e-mails it lost (`app.sweeps`)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app import sweeps
from app.extensions import db
from app.jobs import get_dispatcher


@click.group("flows", help="Flow instances.")
def command() -> None:
    pass


@command.command("sweep")
@click.option("--older-than", default=60, show_default=True,
              help="re-deliver pending outbox rows older than this many seconds")
@with_appcontext
def sweep(older_than: int) -> None:
    """Enqueue due timers and pending outbox rows; safe to run at any time, repeatedly."""
    swept = sweeps.sweep_once(older_than)
    db.session.commit()
    get_dispatcher().wait_idle(60)  # embedded mode runs them in this process: let them finish
    click.echo(f"woke {swept.timers} due timer(s); re-enqueued {swept.outbox_rows} outbox "
               f"row(s), {swept.webhook_deliveries} webhook delivery(ies) and {swept.mails} "
               "e-mail(s)")


commands = [command]
