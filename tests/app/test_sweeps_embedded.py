"""In embedded mode the timer thread runs the whole sweep, not only timers."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import utcnow
from app.models.mail import MailMessage, MailStatus


@pytest.fixture
def app_overrides():
    return {"JOBS_INPROCESS_TIMER_THREAD": True, "TIMER_SWEEP_SECONDS": 0.1,
            "OUTBOX_REDELIVER_SECONDS": 0}


def test_the_embedded_sweeper_sends_a_mail_whose_job_was_lost(client):
    message = MailMessage(to_addrs=["ana@example.com"], subject="Your return", text="Hello",
                          created_at=utcnow() - timedelta(hours=1))
    db.session.add(message)
    db.session.commit()
    client.get("/healthz")  # the first request starts the embedded threads
    deadline = time.monotonic() + 20
    status = MailStatus.PENDING
    while status != MailStatus.SENT and time.monotonic() < deadline:
        time.sleep(0.1)
        db.session.expire_all()
        status = db.session.get(MailMessage, message.id).status
    assert status == MailStatus.SENT
