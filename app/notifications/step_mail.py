"""E-mail a portal customer when their case reaches a step the flow marks `"email": true`.

The flow's `portal.steps` already names the steps a customer sees on their status page;
`{"label": …, "next": …, "email": true}` also mails them, in the language they wrote in,
the step's label, what happens next and their status link. So a flow tells its customer
at every stage (approved, received, refunded, rejected) without a `notify` node per
stage, and the words are the same ones the status page shows.

Engine steps write their history with one Core INSERT (app/flows/service.py), invisible
to the ORM, so this hook remembers each case's `event_seq` before the step
(`before_flush`) and, just before the commit, reads the `node_entered` rows written
since. The mail rides in the same transaction: a rolled-back step e-mails nobody.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flask import has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.extensions import db
from app.flows.step_sql import WRITTEN_STEPS
from app.mail import MailError, send_mail
from app.models import FlowInstance, InstanceEvent
from app.notifications.customer import case_customer
from app.portal import i18n

if TYPE_CHECKING:
    from app.portal.offers import PortalOffer

log = logging.getLogger(__name__)
KEY = "formloom.notifications.step_mail"


@event.listens_for(Session, "before_flush")
def _remember(session: Session, flush_context, instances) -> None:
    seen: dict[int, tuple[FlowInstance, int]] = session.info.setdefault(KEY, {})
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, FlowInstance) or id(obj) in seen:
            continue
        history = inspect(obj).attrs.event_seq.history
        if obj in session.new:
            before = 0
        elif history.deleted:
            before = history.deleted[0] or 0
        else:
            continue  # its history did not move
        seen[id(obj)] = (obj, before)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(KEY, None)
    session.info.pop(WRITTEN_STEPS, None)


@event.listens_for(Session, "before_commit")
def _act(session: Session) -> None:
    seen = session.info.pop(KEY, None) or {}
    for key, (instance, before) in session.info.pop(WRITTEN_STEPS, {}).items():
        # steps PostgreSQL wrote in one statement each (app/flows/step_sql.py)
        seen[key] = (instance, min(before, seen.get(key, (instance, before))[1]))
    if not seen or not has_app_context() or session is not db.session():
        return
    from app.portal.offers import offer_for_version

    for instance, before in seen.values():
        if instance.id is None:
            continue
        # A frozen version's offer is kept per app, so most steps (flows that mail no
        # step) cost no statement here, not even the savepoint below.
        offer = offer_for_version(instance.flow_key, instance.flow_version)
        if offer is None or not any(step.email for step in offer.steps.values()):
            continue
        try:
            with session.begin_nested():  # a failing mail never undoes the step itself
                _mail_steps(instance, before, offer)
        except Exception:
            log.exception("could not e-mail the customer of case %s a step", instance.id)
    session.info.pop(KEY, None)  # what the mails' own flush noted is no step of this commit
    session.info.pop(WRITTEN_STEPS, None)


def _mail_steps(instance: FlowInstance, before: int, offer: PortalOffer) -> None:
    entered = list(db.session.scalars(
        db.select(InstanceEvent.node_id).where(
            InstanceEvent.instance_id == instance.id, InstanceEvent.seq > before,
            InstanceEvent.type == "node_entered")
        .order_by(InstanceEvent.seq)
    ))
    steps = [offer.steps[n] for n in entered if n in offer.steps and offer.steps[n].email]
    if not steps:
        return
    customer = case_customer(instance.id)
    if customer is None or customer.address is None:
        return
    case = instance.case_number or instance.public_id[:8].upper()
    for step in steps:
        label = i18n.pick(step.label, customer.locale)
        upcoming = i18n.pick(step.next, customer.locale)
        try:
            send_mail(customer.address,
                      i18n.translate("mail.step_subject", customer.locale, case=case, step=label),
                      i18n.translate("mail.step_body", customer.locale, case=case, step=label,
                                     next=f"{upcoming}\n\n" if upcoming else "",
                                     link=customer.status_link))
        except MailError:
            log.info("case %s: no step e-mail, the address is refused", case)
