"""Outgoing e-mail: stored in the transaction, sent after the commit, by SMTP or to files."""

from __future__ import annotations

import email
import socketserver
import threading
from email import policy
from pathlib import Path

import pytest

from app.extensions import db
from app.jobs import get_dispatcher
from app.mail import MAX_ATTEMPTS, MailError, deliver, send_mail
from app.models import Incident, MailMessage, MailStatus


def _mail_dir(app) -> Path:
    return Path(app.instance_path) / "mail"


def _read_eml(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def test_file_backend_writes_one_eml_after_commit(app):
    app.config["MAIL_FROM"] = "Returns <returns@shop.example>"
    message = send_mail("ana@example.com", "Your return RMA-7", "Hello Ana\nLine two",
                        html="<p>Hello <b>Ana</b></p>")
    assert get_dispatcher().wait_idle(5)
    assert not _mail_dir(app).exists(), "nothing leaves before the commit"

    db.session.commit()
    assert get_dispatcher().wait_idle(5)

    [path] = list(_mail_dir(app).glob("*.eml"))
    sent = _read_eml(path)
    assert sent["To"] == "ana@example.com"
    assert sent["From"] == "Returns <returns@shop.example>"
    assert sent["Subject"] == "Your return RMA-7"
    assert sent.get_body(("plain",)).get_content().strip() == "Hello Ana\nLine two"
    assert "<b>Ana</b>" in sent.get_body(("html",)).get_content()
    row = db.session.get(MailMessage, message.id)
    assert row.status == MailStatus.SENT and row.sent_at is not None and row.attempts == 1


def test_rolled_back_mail_is_never_sent(app):
    send_mail("ana@example.com", "Never", "body")
    db.session.rollback()
    assert get_dispatcher().wait_idle(5)
    assert not _mail_dir(app).exists()
    assert db.session.scalar(db.select(db.func.count()).select_from(MailMessage)) == 0


def test_running_the_job_twice_sends_once(app):
    message = send_mail(["a@example.com", "b@example.com"], "Twice", "body")
    db.session.commit()
    assert get_dispatcher().wait_idle(5)
    deliver(message.id)  # a queue may deliver a job twice
    db.session.commit()
    [path] = list(_mail_dir(app).glob("*.eml"))
    assert _read_eml(path)["To"] == "a@example.com, b@example.com"


@pytest.mark.parametrize("to, subject", [
    ("not-an-address", "ok"),
    ("ana@example.com\r\nBcc: evil@example.com", "ok"),
    ("ana@example.com", "Hi\r\nBcc: evil@example.com"),
    ([], "ok"),
])
def test_bad_addresses_and_header_injection_are_refused(app, to, subject):
    with pytest.raises(MailError):
        send_mail(to, subject, "body")


class _SmtpSink(socketserver.StreamRequestHandler):
    """The smallest SMTP server that accepts mail, for the SMTP backend's test."""

    received: list[tuple[str, list[str], bytes]] = []

    def handle(self) -> None:
        sender, recipients = "", []
        self.wfile.write(b"220 sink ready\r\n")
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in {"EHLO", "HELO"}:
                self.wfile.write(b"250 sink\r\n")
            elif verb == "MAIL":
                sender = command.split(":", 1)[1].strip(" <>")
                self.wfile.write(b"250 ok\r\n")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.wfile.write(b"250 ok\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go on\r\n")
                body = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    body += chunk
                self.received.append((sender, recipients, body))
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_sink():
    _SmtpSink.received = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _SmtpSink.received
    server.shutdown()
    server.server_close()


def test_smtp_backend_hands_the_message_to_the_server(app, smtp_sink):
    port, received = smtp_sink
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                      MAIL_FROM="no-reply@shop.example")
    send_mail("ana@example.com", "Via SMTP", "plain body")
    db.session.commit()
    assert get_dispatcher().wait_idle(5)

    [(sender, recipients, body)] = received
    assert sender == "no-reply@shop.example"
    assert recipients == ["ana@example.com"]
    assert b"Subject: Via SMTP" in body and b"plain body" in body
    assert not _mail_dir(app).exists()


def test_unreachable_server_retries_then_fails_with_an_incident(app, unused_port):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=unused_port, MAIL_TIMEOUT=2)
    message = send_mail("ana@example.com", "Unreachable", "body")
    message_id = message.id
    db.session.commit()
    assert get_dispatcher().wait_idle(5)

    row = db.session.get(MailMessage, message_id)
    assert row.status == MailStatus.PENDING and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error

    for _ in range(MAX_ATTEMPTS - 1):  # the delayed retries, run now
        deliver(message_id)
        db.session.commit()
    db.session.expire_all()
    row = db.session.get(MailMessage, message_id)
    assert row.status == MailStatus.FAILED and row.attempts == MAX_ATTEMPTS
    incident = db.session.scalar(db.select(Incident).where(Incident.kind == "mail_failed"))
    assert incident is not None and incident.status == "open"
    assert f"e-mail {message_id}" in incident.message


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unknown_backend_stops_the_app(app_config, tmp_path):
    from app import create_app

    with pytest.raises(MailError):
        create_app({**app_config, "INSTANCE_PATH": str(tmp_path / "i2"), "MAIL_BACKEND": "pigeon"})


def test_sweep_resends_mail_whose_job_was_lost(app):
    from datetime import timedelta

    from app.mail import RESEND_AFTER_SECONDS, sweep_pending
    from app.models import utcnow

    lost = MailMessage(to_addrs=["ana@example.com"], subject="Lost", text="body",
                       status=MailStatus.PENDING, attempts=0,
                       created_at=utcnow() - timedelta(seconds=RESEND_AFTER_SECONDS + 5))
    fresh = MailMessage(to_addrs=["bo@example.com"], subject="Fresh", text="body",
                        status=MailStatus.PENDING, attempts=1)
    db.session.add_all([lost, fresh])  # as if their jobs never reached a worker
    db.session.commit()

    assert sweep_pending() == [lost.id]
    assert get_dispatcher().wait_idle(5)
    db.session.expire_all()
    assert db.session.get(MailMessage, lost.id).status == MailStatus.SENT
    assert db.session.get(MailMessage, fresh.id).status == MailStatus.PENDING
    [path] = list(_mail_dir(app).glob("*.eml"))
    assert _read_eml(path)["Subject"] == "Lost"
