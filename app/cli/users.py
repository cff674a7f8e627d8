"""`formloom users create|list|demo|set-password`."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.models import User
from app.services import users
from runtime.exceptions import FormloomError, ValidationFailed


@click.group("users", help="Manage user accounts.")
def command() -> None:
    pass


def _password(option: str | None) -> str:
    """From --password-env, else an interactive prompt; never from the command line itself."""
    if option:
        value = os.environ.get(option)
        if not value:
            raise click.UsageError(f"environment variable {option} is empty or unset")
        return value
    if not sys.stdin.isatty():
        raise click.UsageError("no terminal to ask for a password; use --password-env NAME")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _fail(err: FormloomError) -> None:
    details = getattr(err, "errors", [])
    lines = [str(err)] + [f"  {e.pointer.strip('/')}: {e.reason}" for e in details]
    raise click.ClickException("\n".join(lines))


@command.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, default=["staff"], show_default=True,
              help="admin, builder, manager, staff or customer; repeatable")
@click.option("--team", "teams", multiple=True, help="team key; repeatable; created if missing")
@click.option("--password-env", help="read the password from this environment variable")
@click.option("--first-admin", is_flag=True, help="create the installation's first admin (once)")
@with_appcontext
def create(email, name, roles, teams, password_env, first_admin) -> None:
    password = _password(password_env)
    try:
        if first_admin:
            user = users.create_first_admin(email, name, password)
        else:
            for team in teams:
                users.ensure_team(team)
            user = users.create_user(email, name, password, roles, teams)
            db.session.commit()
    except (ValidationFailed, FormloomError) as err:
        db.session.rollback()
        _fail(err)
    click.echo(f"created {user.email} ({', '.join(sorted(user.role_names))})")


@command.command("list")
@with_appcontext
def list_users() -> None:
    for user in db.session.scalars(db.select(User).order_by(User.email)):
        state = "" if user.active else "  [deactivated]"
        roles = ",".join(sorted(user.role_names))
        teams = ",".join(sorted(user.team_keys))
        click.echo(f"{user.email:40} {roles:24} {teams}{state}")


@command.command("set-password")
@click.option("--email", required=True)
@click.option("--password-env")
@with_appcontext
def set_password(email, password_env) -> None:
    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user {email}")
    try:
        users.set_password(user, _password(password_env))
    except ValidationFailed as err:
        _fail(err)
    db.session.commit()
    click.echo(f"password changed for {user.email}; their other sessions are signed out")


@command.command("demo")
@with_appcontext
def demo() -> None:
    """Create the demo teams and accounts (refused in production)."""
    if current_app.config["ENV_MODE"] == "production":
        raise click.ClickException("demo accounts are not created in production mode")
    from app.demo import DEMO_PASSWORD, create_demo_accounts

    accounts = create_demo_accounts()
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for account in accounts:
        teams = f"  teams: {', '.join(account.teams)}" if account.teams else ""
        click.echo(f"  {account.email:30} roles: {', '.join(account.roles):16}{teams}")


commands = [command]
