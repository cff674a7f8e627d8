"""R15 and the transit stage: carrier tracking webhooks move the case; no scan means a
reminder to the customer at day 7 and a cancelled case at day 30 (timers fired by the
test clock, as the R14 test does)."""

from __future__ import annotations

from app.extensions import db
from app.models import Task, Timer
from app.models.mail import MailMessage
from tests.templates.returns.conftest import (
    SQLITE_ONLY,
    fire_timers,
    refunds,
    request_return,
    settle,
    status_page,
    the_case,
)

pytestmark = SQLITE_ONLY


def test_r15_no_carrier_scan_reminds_at_day_7_and_cancels_at_day_30(returns_app, client):
    response = request_return(client, "SO-DE-10630", "max.mueller@example.de", reason="size")
    settle()
    case = the_case()
    assert case.status == "waiting"
    timers = {t.key: t for t in db.session.scalars(db.select(Timer).where(
        Timer.instance_id == case.id, Timer.fired_at.is_(None)))}
    [reminder] = [t for k, t in timers.items() if "reminder" in k]
    [timeout] = [t for k, t in timers.items() if "timeout" in k]
    assert (timeout.due_at - reminder.due_at).days == 23  # day 7 and day 30 after the label

    fire_timers("%in_transit%reminder%")
    [mail] = db.session.scalars(db.select(MailMessage).where(
        MailMessage.subject.contains("hand in"))).all()
    assert mail.to_addrs == ["max.mueller@example.de"]
    assert mail.subject == f"Your return {case.case_number}: please hand in the parcel"
    assert case.variables["label"]["tracking_number"] in mail.text
    assert the_case().status == "waiting"

    fire_timers("%in_transit%timeout%")
    case = the_case()
    assert case.status == "cancelled"
    assert "transit" not in case.variables
    assert refunds() == [] and db.session.scalars(db.select(Task)).all() == []
    assert "not sent within 30 days" in status_page(client, response)
