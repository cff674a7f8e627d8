"""Scheduled reports: due once per period, XLSX and PDF attached, hourly timer kept once."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from app.extensions import db
from app.mail import build_message
from app.models import MailMessage, Timer
from app.models.mail import MailAttachment
from app.reports import demo, schedules
from app.reports.tables import ReportDelivery
from app.services import definitions

TITLE = 'Ops <b>weekly</b> & "daily"'


def publish(schedule: dict) -> None:
    body = {"widgets": [
        {"id": "n", "title": "Returns", "dataset": "returns", "chart": "kpi",
         "measures": [{"id": "cases", "agg": "count"}]},
        {"id": "c", "title": "By country", "dataset": "returns", "chart": "bar",
         "measures": [{"id": "cases", "agg": "count"}], "dimensions": [{"field": "country"}]},
    ], "schedules": [schedule]}
    definitions.save_draft("dashboard", "ops.mail", TITLE, body)
    definitions.publish("dashboard", "ops.mail")
    db.session.commit()


def test_daily_report_is_sent_once_per_day_with_xlsx_and_pdf(app):
    demo.generate(60, seed=4)
    publish({"id": "morning", "every": "daily", "hour": 6, "to": ["ops@example.test"],
             "formats": ["xlsx", "pdf"]})
    assert schedules.send_due(datetime(2026, 11, 20, 5, 59, tzinfo=UTC)) == []
    sent = schedules.send_due(datetime(2026, 11, 20, 6, 30, tzinfo=UTC))
    db.session.commit()
    assert sent == [("ops.mail", "morning", "2026-11-20")]
    assert schedules.send_due(datetime(2026, 11, 20, 18, 0, tzinfo=UTC)) == []  # same day
    assert len(schedules.send_due(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))) == 1
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportDelivery)) == 2

    delivery = db.session.scalars(sa.select(ReportDelivery).order_by(ReportDelivery.id)).first()
    message = db.session.get(MailMessage, delivery.message_id)
    assert message.to_addrs == ["ops@example.test"] and "daily report 2026-11-20" in message.subject
    email = build_message(message, "formloom@example.test")
    parts = {p.get_filename(): p for p in email.iter_attachments()}
    assert set(parts) == {"ops.mail-2026-11-20.xlsx", "ops.mail-2026-11-20.pdf"}
    book = load_workbook(io.BytesIO(parts["ops.mail-2026-11-20.xlsx"].get_content()))
    assert book.sheetnames == ["Returns", "By country"]
    assert book["Returns"]["A2"].value == 60
    pdf = PdfReader(io.BytesIO(parts["ops.mail-2026-11-20.pdf"].get_content()))
    text = pdf.pages[0].extract_text()
    assert TITLE in text and "By country" in text  # shown as text, not read as markup
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailAttachment)) == 4


def test_weekly_report_waits_for_its_weekday(app):
    publish({"id": "monday", "every": "weekly", "weekday": 0, "hour": 8,
             "to": ["a@example.test", "b@example.test"]})
    assert schedules.send_due(datetime(2026, 11, 22, 9, 0, tzinfo=UTC)) == []  # a Sunday
    sent = schedules.send_due(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert sent == [("ops.mail", "monday", "2026-W48")]
    assert schedules.send_due(datetime(2026, 11, 23, 23, 0, tzinfo=UTC)) == []
    message = db.session.scalars(sa.select(MailMessage)).one()
    names = [p.get_filename() for p in build_message(message, "f@example.test").iter_attachments()]
    assert names == ["ops.mail-2026-11-23.xlsx"]  # xlsx is the default format


def test_the_hourly_timer_is_scheduled_once(app):
    now = datetime(2026, 11, 22, 10, 15, tzinfo=UTC)
    schedules.ensure_ticking(now)
    schedules.ensure_ticking(now)
    db.session.commit()
    timers = db.session.scalars(sa.select(Timer).where(Timer.kind == schedules.TIMER_KIND)).all()
    assert [t.due_at for t in timers] == [datetime(2026, 11, 22, 11, 0, tzinfo=UTC)]
