"""Scheduled reports: boards e-mailed daily or weekly with XLSX (and PDF) attachments.

A recurring timer (`reports.schedule`, one per hour, key by the hour so it is scheduled
once) runs `send_due`. A report is sent once per board, schedule and period: the
`report_deliveries` row is written in the same transaction as the stored e-mail, and
its unique key refuses a second one, so a re-fired timer or two workers send nothing
twice. `formloom reports send-scheduled` runs the same thing (for cron) and starts the
hourly timer if it is not running.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.jobs.timers import FiredTimer, register_timer_handler, schedule_timer
from app.mail import send_mail
from app.models import Definition, DefinitionKind, DefinitionStatus, utcnow
from app.reports import boards
from app.reports.tables import ReportDelivery
from runtime.reports.export import to_xlsx
from runtime.reports.pdf import board_pdf
from runtime.reports.spec import DashboardSpec, Schedule, parse_dashboard

TIMER_KIND = "reports.schedule"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
log = logging.getLogger(__name__)


def period_of(schedule: Schedule, now: datetime) -> str | None:
    """The period a report is due for at `now`, or None when it is not due yet."""
    if now.hour < schedule.hour:
        return None
    if schedule.every == "daily":
        return now.date().isoformat()
    if now.weekday() != schedule.weekday:
        return None
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def send_due(now: datetime | None = None) -> list[tuple[str, str, str]]:
    """Send every report due now and not sent for its period; returns what was sent."""
    now = now or utcnow()
    sent = []
    for row, spec in _scheduled_boards():
        for schedule in spec.schedules:
            period = period_of(schedule, now)
            if period is None:
                continue
            try:
                with db.session.begin_nested():
                    delivery = ReportDelivery(board_key=row.key, schedule_id=schedule.id,
                                              period=period, recipients=list(schedule.to))
                    db.session.add(delivery)
                    db.session.flush()
                    message = _send(row, spec, schedule, period, now)
                    delivery.message_id = message.id
            except IntegrityError:
                continue  # already sent for this period
            sent.append((row.key, schedule.id, period))
    return sent


def ensure_ticking(now: datetime | None = None) -> None:
    """Schedule the next hourly tick (idempotent: the key is the hour)."""
    now = now or utcnow()
    due = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    schedule_timer(TIMER_KIND, f"{TIMER_KIND}:{due:%Y-%m-%dT%H}", due)


@register_timer_handler(TIMER_KIND)
def _on_tick(timer: FiredTimer) -> None:
    sent = send_due()
    if sent:
        log.info("scheduled reports sent: %s", sent)
    ensure_ticking()


def _scheduled_boards() -> list[tuple[Definition, DashboardSpec]]:
    rows = db.session.scalars(
        sa.select(Definition)
        .where(Definition.kind == DefinitionKind.DASHBOARD,
               Definition.status == DefinitionStatus.PUBLISHED)
        .order_by(Definition.key, Definition.version.desc())
    ).all()
    latest: dict[str, Definition] = {}
    for row in rows:
        latest.setdefault(row.key, row)
    out = []
    for row in latest.values():
        if row.body.get("schedules"):
            out.append((row, parse_dashboard(row.title, row.body)))
    return out


def _send(row: Definition, spec: DashboardSpec, schedule: Schedule, period: str,
          now: datetime):
    filters = boards.read_filters(spec, MultiDict())
    sheets = {w.title: boards.export_frame(w, filters, ()) for w in spec.widgets}
    stamp = now.strftime("%Y-%m-%d")
    attachments = []
    if "xlsx" in schedule.formats:
        attachments.append((f"{row.key}-{stamp}.xlsx", XLSX, to_xlsx(sheets)))
    if "pdf" in schedule.formats:
        subtitle = f"{'Daily' if schedule.every == 'daily' else 'Weekly'} report · {period}"
        attachments.append((f"{row.key}-{stamp}.pdf", "application/pdf",
                            board_pdf(row.title, subtitle, sheets)))
    names = ", ".join(name for name, _, _ in attachments)
    text = (f"{row.title} — {schedule.every} report for {period}.\n\n"
            f"Attached: {names}. Filters: the board's defaults.\n")
    subject = f"{row.title} · {schedule.every} report {period}".replace("\n", " ")[:200]
    return send_mail(list(schedule.to), subject, text, attachments=attachments)
