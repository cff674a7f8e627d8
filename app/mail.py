"""Outgoing e-mail: `send_mail(to, subject, text, html=None)` sends after the commit.

    from app.mail import send_mail

    send_mail("ana@example.com", "Your return RMA-12", text_body, html=html_body)
    db.session.commit()          # the message leaves only now

`send_mail` stores a `MailMessage` row in the caller's transaction and enqueues the
`mail.send` job with its id (the dispatcher hands jobs over after commit, DESIGN §4).
So a request that rolls back sends nothing, and a message never depends on Redis
keeping it: the row stays `pending` until a backend has taken it.

Backends (`MAIL_BACKEND`, default: `smtp` when `MAIL_SERVER` is set, otherwise `file`):

* `smtp` — `MAIL_SERVER`, `MAIL_PORT`, `MAIL_USE_TLS` (STARTTLS), `MAIL_USE_SSL`,
  `MAIL_USERNAME`, `MAIL_PASSWORD`, `MAIL_TIMEOUT`;
* `file` — writes one `.eml` file per message to `MAIL_FILE_DIR` (default
  `<instance>/mail`), for development: open them with any mail reader.

Every message comes from `MAIL_FROM`. A failed hand-over is retried with backoff up to
`MAX_ATTEMPTS` times, then the row is marked `failed` and an incident is opened. A
message whose job was lost (Redis flushed, process killed) is sent again by the
worker's sweeper (`sweep_pending`).
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Iterable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import Flask, current_app

from app.extensions import db
from app.jobs import enqueue
from app.jobs.registry import job
from app.models import MailMessage, MailStatus, utcnow
from app.models.mail import MailAttachment

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 30
#: Pending this long means the job was lost: more than the retry chain's 7.5 minutes.
RESEND_AFTER_SECONDS = 15 * 60
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


class MailError(ValueError):
    """A message that cannot be sent as asked (bad address, header injection)."""


def send_mail(
    to: str | Iterable[str], subject: str, text: str, html: str | None = None,
    attachments: Iterable[tuple[str, str, bytes]] | None = None,
) -> MailMessage:
    """Queue an e-mail; it is handed to the mail server after the current transaction commits.

    Args:
        to: one address or several (plain `name@host`; no display names).
        subject: one line; line breaks are refused (header injection).
        text: the plain-text body, always sent.
        html: an optional HTML alternative; the caller escapes whatever users typed.
        attachments: optional (file name, content type, bytes) triples, stored with the
            message (e.g. scheduled reports).

    Raises:
        MailError: an address is not an e-mail address or the subject spans lines.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise MailError("an e-mail needs at least one recipient")
    for address in recipients:
        if not isinstance(address, str) or not _ADDRESS.match(address):
            raise MailError(f"not an e-mail address: {address!r}")
    if "\r" in subject or "\n" in subject:
        raise MailError("the subject must be one line")
    message = MailMessage(
        to_addrs=recipients, subject=subject, text=text, html=html,
        status=MailStatus.PENDING, attempts=0,
    )
    db.session.add(message)
    db.session.flush()
    for filename, content_type, data in attachments or ():
        db.session.add(MailAttachment(message_id=message.id, filename=filename[:255],
                                      content_type=content_type, data=data))
    enqueue("mail.send", message.id)
    return message


@job("mail.send")
def deliver(message_id: int) -> None:
    """Hand one stored message to the configured backend; safe to run twice."""
    message = db.session.get(MailMessage, message_id)
    if message is None or message.status != MailStatus.PENDING:
        return
    message.attempts += 1
    try:
        get_backend(current_app)(build_message(message, current_app.config["MAIL_FROM"]))
    except (OSError, smtplib.SMTPException) as err:
        message.last_error = f"{type(err).__name__}: {err}"[:2000]
        log.warning("mail %s not sent (attempt %s): %s", message.id, message.attempts,
                    message.last_error)
        if message.attempts >= MAX_ATTEMPTS:
            message.status = MailStatus.FAILED
            _open_incident(message)
        else:
            enqueue("mail.send", message.id,
                    delay=RETRY_BASE_SECONDS * 2 ** (message.attempts - 1))
        return
    message.status = MailStatus.SENT
    message.sent_at = utcnow()
    message.last_error = None


def sweep_pending(older_than_seconds: float = RESEND_AFTER_SECONDS) -> list[int]:
    """Hand over again messages still pending long after they were queued.

    The row is the source of truth, the job only a wake-up: a job lost with Redis (or
    with a web process that died before running it) would otherwise leave the message
    unsent for ever. The default waits longer than the whole retry chain (30 s … 4 min),
    so a message that is merely waiting for its next retry is left alone. Run by the
    worker's sweeper next to the timer and outbox sweeps.
    """
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    ids = list(db.session.scalars(
        db.select(MailMessage.id)
        .where(MailMessage.status == MailStatus.PENDING, MailMessage.created_at <= cutoff)
        .order_by(MailMessage.id).limit(500)
    ))
    for message_id in ids:
        enqueue("mail.send", message_id, job_id=f"mail:{message_id}:sweep", after_commit=False)
    return ids


def build_message(message: MailMessage, sender: str) -> EmailMessage:
    """The MIME message for a stored row: text, plus an HTML alternative when given."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(message.to_addrs)
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    email["Message-ID"] = make_msgid(f"formloom.{message.id}", domain=domain)
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    for item in db.session.scalars(db.select(MailAttachment)
                                   .where(MailAttachment.message_id == message.id)
                                   .order_by(MailAttachment.id)):
        maintype, _, subtype = item.content_type.partition("/")
        email.add_attachment(item.data, maintype=maintype, subtype=subtype or "octet-stream",
                             filename=item.filename)
    return email


def get_backend(app: Flask):
    """The function that sends one `EmailMessage` for `app`'s settings."""
    name = app.config.get("MAIL_BACKEND") or ("smtp" if app.config.get("MAIL_SERVER") else "file")
    if name == "smtp":
        return lambda email: _send_smtp(app.config, email)
    if name == "file":
        folder = Path(app.config.get("MAIL_FILE_DIR") or Path(app.instance_path) / "mail")
        return lambda email: _write_file(folder, email)
    raise MailError(f"MAIL_BACKEND must be 'smtp' or 'file', not {name!r}")


def _send_smtp(config, email: EmailMessage) -> None:
    host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
    timeout = float(config.get("MAIL_TIMEOUT") or 10)
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(email)


def _write_file(folder: Path, email: EmailMessage) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    token = email["Message-ID"].strip("<>").split("@")[0].replace("/", "_")
    path = folder / f"{stamp}-{token}.eml"
    path.write_bytes(bytes(email))


def _open_incident(message: MailMessage) -> None:
    from app.services import incidents

    incidents.record(
        "mail_failed",
        f"e-mail {message.id} could not be sent after {message.attempts} attempts: "
        f"{message.last_error}",
        key=f"mail:{message.id}",
        details={"mail_id": message.id},
    )


def init_app(app: Flask) -> None:
    """Importing this module registers the `mail.send` job; check the backend name early."""
    get_backend(app)
