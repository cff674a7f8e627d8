"""`formloom secrets new-key|rotate`: manage the key ring that encrypts connector secrets."""

from __future__ import annotations

import click
from cryptography.fernet import Fernet
from flask.cli import with_appcontext

from app.extensions import db
from app.services import credentials


@click.group("secrets", help="Encryption keys for stored connector secrets.")
def command() -> None:
    pass


@command.command("new-key", help="Print a new key; put it FIRST in FORMLOOM_ENCRYPTION_KEYS.")
def new_key() -> None:
    click.echo(Fernet.generate_key().decode())


@command.command("rotate", help="Re-encrypt every stored secret under the newest key.")
@with_appcontext
def rotate() -> None:
    count = credentials.rotate_all()
    db.session.commit()
    click.echo(f"re-encrypted {count} secret(s); older keys can now be removed from the ring")


commands = [command]
