"""The one sweep: every kind of lost work is handed to the queue again, in every mode."""

from __future__ import annotations

from datetime import timedelta

from app import sweeps
from app.extensions import db
from app.jobs import get_dispatcher
from app.models import utcnow
from app.models.mail import MailMessage, MailStatus


def _lost_mail() -> MailMessage:
    """A message whose wake-up job was lost (Redis flushed, the web process died)."""
    message = MailMessage(to_addrs=["ana@example.com"], subject="Your return", text="Hello",
                          created_at=utcnow() - timedelta(hours=1))
    db.session.add(message)
    db.session.commit()
    return message


def test_a_lost_mail_is_sent_by_the_sweep(app):
    message = _lost_mail()
    result = sweeps.sweep_once(older_than_seconds=0)
    db.session.commit()
    get_dispatcher().wait_idle(30)
    assert result.mails == 1
    db.session.expire_all()
    assert db.session.get(MailMessage, message.id).status == MailStatus.SENT


def test_the_cli_sweep_reports_every_kind(app, runner):
    _lost_mail()
    result = runner.invoke(args=["flows", "sweep", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    assert "1 e-mail(s)" in result.output
