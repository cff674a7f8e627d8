"""`formloom reports update|rebuild|install-boards` and `formloom demo-data`."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.extensions import db
from app.models import InstanceEvent
from app.reports import demo, projector, schedules
from app.reports.tables import BUILT_IN_PROJECTIONS, TABLES
from app.services import definitions
from app.services.bundles import MANIFEST

#: The returns boards ship in the returns template bundle (one source of truth: they
#: import and export with it, and a builder edits them like any definition).
BOARDS_BUNDLE = Path(__file__).parents[2] / "seed_templates" / "cross_border_returns"


@click.group("reports", help="Report projections and boards.")
def command() -> None:
    pass


@command.command("update")
@with_appcontext
def update() -> None:
    """Apply instance events written since the last run (safe to run any time)."""
    for name in BUILT_IN_PROJECTIONS:
        read = projector.update(name)
        click.echo(f"{name}: read {read} new event(s)")


@command.command("rebuild")
@with_appcontext
def rebuild() -> None:
    """Recompute projections from the whole event log (demo rows are kept)."""
    total = db.session.execute(sa.select(sa.func.count()).select_from(InstanceEvent)).scalar_one()
    for name in BUILT_IN_PROJECTIONS:
        with click.progressbar(length=total, label=f"rebuilding {name}") as bar:
            projector.rebuild(name, progress=bar.update)
        count = db.session.execute(sa.select(sa.func.count()).select_from(TABLES[name]))
        click.echo(f"{name}: {count.scalar_one()} case row(s)")


@command.command("send-scheduled")
@with_appcontext
def send_scheduled() -> None:
    """Send the scheduled reports due now (once per period) and keep the hourly timer going."""
    sent = schedules.send_due()
    schedules.ensure_ticking()
    db.session.commit()
    for key, schedule_id, period in sent:
        click.echo(f"sent {key} / {schedule_id} for {period}")
    click.echo(f"{len(sent)} report(s) sent; the hourly check is scheduled")


@command.command("install-boards")
@with_appcontext
def install_boards_command() -> None:
    """Publish the returns template's boards that are not published yet."""
    for key in install_boards():
        click.echo(f"published {key}")


def install_boards() -> list[str]:
    """Publish each dashboard of the returns bundle that has no published version yet.

    A board a manager has already changed is left alone; `formloom import` of the
    bundle is how a newer shipped version replaces it.
    """
    published = []
    manifest = json.loads((BOARDS_BUNDLE / MANIFEST).read_text(encoding="utf-8"))
    for entry in manifest["definitions"]:
        if entry["kind"] != "dashboard" or definitions.get_newest_version("dashboard",
                                                                          entry["key"]):
            continue
        doc = json.loads((BOARDS_BUNDLE / entry["file"]).read_text(encoding="utf-8"))
        definitions.save_draft("dashboard", doc["key"], doc["title"], doc["body"],
                               schema_version=doc["schema_version"])
        definitions.publish("dashboard", doc["key"])
        published.append(doc["key"])
    db.session.commit()
    return published


@click.command("demo-data")
@click.option("--cases", default=5000, show_default=True, type=click.IntRange(1, 50_000_000))
@click.option("--seed", type=int, default=None, help="repeatable data")
@click.option("--reset", is_flag=True, help="delete earlier demo cases first")
@with_appcontext
def demo_data(cases: int, seed: int | None, reset: bool) -> None:
    """Create realistic returns cases over the last 12 months and publish the boards."""
    if reset:
        click.echo(f"deleted {demo.delete_demo_rows()} earlier demo case(s)")
    install_boards()
    started = time.perf_counter()
    with click.progressbar(length=cases, label="demo cases", show_pos=True) as bar:
        demo.generate(cases, seed=seed, progress=bar.update)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    click.echo(f"{cases:,} cases in {seconds:.1f} s ({cases / seconds:,.0f}/s), "
               f"peak memory {peak:,.0f} MiB")


commands = [command, demo_data]
