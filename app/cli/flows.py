"""`formloom flows sweep`: fire due timers, re-deliver outbox rows and webhook deliveries
the queue lost."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.flows import outbox
from app.hooks import process as webhook_deliveries
from app.jobs import get_dispatcher
from app.jobs.timers import sweep_due_timers


@click.group("flows", help="Flow instances.")
def command() -> None:
    pass


@command.command("sweep")
@click.option("--older-than", default=60, show_default=True,
              help="re-deliver pending outbox rows older than this many seconds")
@with_appcontext
def sweep(older_than: int) -> None:
    """Enqueue due timers and pending outbox rows; safe to run at any time, repeatedly."""
    timers = sweep_due_timers()
    pending = outbox.sweep_pending(older_than)
    hooks = webhook_deliveries.sweep_received(older_than)
    db.session.commit()
    get_dispatcher().wait_idle(60)  # embedded mode runs them in this process: let them finish
    click.echo(f"woke {len(timers)} due timer(s); re-enqueued {len(pending)} outbox row(s) "
               f"and {len(hooks)} webhook delivery(ies)")


commands = [command]
