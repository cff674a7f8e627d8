"""Jobs that keep projections current.

`reports.update` runs the projector (idempotent: any number of runs in any order gives
the same rows). The board page asks for it, de-duplicated by job id, so a manager sees
events up to a moment ago; `formloom reports update` and cron/the worker can run it too.
"""

from __future__ import annotations

from flask import current_app

from app.jobs import job
from app.reports import projector, schedules  # noqa: F401  (registers the timer handler)
from app.reports.tables import BUILT_IN_PROJECTIONS


@job("reports.update")
def update_projections() -> None:
    for name in BUILT_IN_PROJECTIONS:
        projector.update(name)


def request_update() -> None:
    """Ask for a catch-up in the background (at most one queued at a time)."""
    from app.jobs import get_dispatcher

    try:
        get_dispatcher().enqueue("reports.update", job_id="reports.update", after_commit=False)
    except Exception as err:  # the board still renders from what is projected already
        current_app.logger.warning("reports.update not queued: %s", err)
