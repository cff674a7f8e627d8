"""One sweep over every table that is the source of truth for work the queue may lose.

Timers, outbox rows, webhook deliveries and outgoing mail are rows first and jobs second:
a job is only a wake-up. Whatever ran the sweep (the worker's sweeper process, the
embedded timer thread, `formloom flows sweep`) runs this same list, so embedded and
production modes recover the same things. Projections are brought up to date here too,
so boards follow the event log within one sweep interval without adding work to every
flow event.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class SweepResult:
    timers: int
    outbox_rows: int
    webhook_deliveries: int
    mails: int


def sweep_once(older_than_seconds: float | None = None) -> SweepResult:
    """Hand lost work to the queue again; safe to run at any time, from several processes."""
    from app import mail
    from app.flows import outbox
    from app.hooks import process as webhook_deliveries
    from app.jobs.timers import sweep_due_timers
    from app.reports.jobs import request_update

    if older_than_seconds is None:
        older_than_seconds = current_app.config["OUTBOX_REDELIVER_SECONDS"]
    result = SweepResult(
        timers=len(sweep_due_timers()),
        outbox_rows=len(outbox.sweep_pending(older_than_seconds)),
        webhook_deliveries=len(webhook_deliveries.sweep_received(older_than_seconds)),
        mails=len(mail.sweep_pending()),
    )
    request_update()
    return result
