"""`formloom import DIR` and `formloom export KEY... DIR`: bundles in and out of git."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.services import bundles
from runtime.exceptions import DefinitionInvalid, FormloomError


def _fail(err: FormloomError) -> None:
    """A readable message and exit status 1; never a traceback for bad input."""
    lines = [str(err)]
    for problem in getattr(err, "errors", None) or []:
        where = getattr(problem, "file", "")
        if problem.pointer:
            where = f"{where} {problem.pointer}" if where else problem.pointer
        lines.append(f"  {where or '(bundle)'}: {problem.reason}")
    raise click.ClickException("\n".join(lines))


@click.command("import", help="Import the bundle in DIR: publish what differs, skip the rest.")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--replace-drafts",
    is_flag=True,
    help="overwrite unpublished drafts that differ from the bundle",
)
@click.option("--dry-run", is_flag=True, help="check and report, but write nothing")
@with_appcontext
def import_command(directory: Path, replace_drafts: bool, dry_run: bool) -> None:
    try:
        result = bundles.import_bundle(directory, replace_drafts=replace_drafts)
    except (DefinitionInvalid, FormloomError) as err:
        db.session.rollback()
        _fail(err)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would create" if dry_run else "created"
    for item in result.items:
        state = verb if item.created else "unchanged"
        click.echo(f"  {state:12} {item.kind:15} {item.key} v{item.version}")
    click.echo(
        f"Bundle {result.name!r}: {len(result.created)} {verb}, "
        f"{len(result.unchanged)} unchanged{' (dry run: nothing written)' if dry_run else ''}."
    )


@click.command("export", help="Export the newest published version of each KEY into DIR.")
@click.argument("keys", nargs=-1)
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--all", "everything", is_flag=True, help="export every published definition")
@click.option("--name", help="bundle name (default: the manifest's, else the folder's name)")
@click.option("--description", help="bundle description for the manifest")
@with_appcontext
def export_command(keys, directory: Path, everything: bool, name, description) -> None:
    if everything and keys:
        raise click.UsageError("give either KEY... or --all, not both")
    if not everything and not keys:
        raise click.UsageError("name at least one KEY, or use --all")
    try:
        result = bundles.export_bundle(
            keys, directory, everything=everything, name=name, description=description
        )
    except FormloomError as err:
        _fail(err)
    for item in result.items:
        click.echo(f"  {item.kind:15} {item.key} v{item.version} -> {item.file}")
    click.echo(
        f"Exported {len(result.items)} definition(s) to {directory} as bundle {result.name!r}."
    )


commands = [import_command, export_command]
