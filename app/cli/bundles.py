import click


@click.group("bundles", hidden=True)
def command() -> None:
    pass


commands = [command]
