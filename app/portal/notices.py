"""Tell the customer by e-mail when their case asks them for more information.

When a flow reaches a `form` node with `"submitter": "customer"`, the engine's effect
creates a task addressed to the customer (`assignment == {"customer": true}`). Whoever
caused it — staff answering "need info", a timer, an admin — this session hook notices
the new task (`before_flush`) and, just before the transaction commits, queues an
e-mail with the case's status link, in the language the customer wrote in. A rolled
back step e-mails nobody. A case whose very first step asks the customer gets no
second e-mail: the confirmation sent with `submit_request` already carries the link.

Only cases started in the portal (their first submission has no staff account) and
whose flow names an e-mail field are mailed.
"""

from __future__ import annotations

import logging

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.mail import MailError, send_mail
from app.models import FlowInstance, Submission, Task
from app.portal import i18n, links

log = logging.getLogger(__name__)
PENDING_KEY = "formloom.portal.customer_requests"
MAILED_KEY = "formloom.portal.mailed_cases"  # cases that got their status link this commit


def mailed_with_status_link(session: Session, instance_id: int) -> None:
    """Record that this transaction already e-mails the case's link (see `submit_request`)."""
    session.info.setdefault(MAILED_KEY, set()).add(instance_id)


@event.listens_for(Session, "before_flush")
def _collect(session: Session, flush_context, instances) -> None:
    found = [obj for obj in session.new
             if isinstance(obj, Task) and (obj.assignment or {}).get("customer") is True]
    if found:
        session.info.setdefault(PENDING_KEY, []).extend(found)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
    session.info.pop(MAILED_KEY, None)


@event.listens_for(Session, "before_commit")
def _act(session: Session) -> None:
    tasks = session.info.pop(PENDING_KEY, None)
    mailed = session.info.pop(MAILED_KEY, set())
    if not tasks or not has_app_context() or session is not db.session():
        return
    for instance_id in sorted({task.instance_id for task in tasks} - mailed):
        try:
            with session.begin_nested():  # a failing notice never undoes the step itself
                _mail_customer(instance_id)
        except Exception:
            log.exception("could not e-mail the customer of case %s; the step stands",
                          instance_id)


def _mail_customer(instance_id: int) -> None:
    from app.portal.offers import offer_for_version

    instance = db.session.get(FlowInstance, instance_id)
    if instance is None:
        return
    first = db.session.scalar(
        db.select(Submission).where(Submission.instance_id == instance.id)
        .order_by(Submission.id).limit(1)
    )
    offer = offer_for_version(instance.flow_key, instance.flow_version)
    if first is None or first.submitted_by_id is not None or offer is None:
        return  # not a portal case: staff tell their customers themselves
    email = (instance.variables or {}).get(offer.email_field)
    if not isinstance(email, str) or not email:
        return
    locale = first.locale if first.locale in i18n.LOCALES else i18n.DEFAULT_LOCALE
    case = instance.case_number or instance.public_id[:8].upper()
    try:
        send_mail(email, i18n.translate("mail.more_info_subject", locale, case=case),
                  i18n.translate("mail.more_info_body", locale, case=case,
                                 link=links.status_url(instance.public_id)))
    except MailError:
        log.info("case %s: no e-mail, %r is not an address", case, email)
