"""The bare RQ job of the benchmark: nothing at all, in a module that imports nothing.

A forking RQ worker imports the job's module in every work horse, so it must be cheap
to import; the baseline then measures RQ alone.
"""


def noop() -> None:
    """Does nothing."""
