import click


@click.group("worker-placeholder", hidden=True)
def command() -> None:
    pass


commands = [command]
