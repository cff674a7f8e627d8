"""A customer's request becomes a case; a customer's answer moves it on. One transaction each.

`submit_request` stores the submission and starts the flow with the submitted data as
its variables, links the uploaded files to the new case and queues the e-mail with the
status link — all in the caller's transaction, so either everything is there after the
commit or nothing is (DESIGN §4). The client token the form carried makes it
idempotent: the same token again returns the first case and creates nothing
(CHECKLIST 12), also when two identical POSTs race (the unique start token decides).

`answer_form_request` delivers `form_submitted` for a customer form node the case is
waiting at, after storing the answer's submission.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app

from app.extensions import db
from app.flows import service as flows
from app.flows import specs
from app.mail import MailError, send_mail
from app.models import FlowInstance, Task, utcnow
from app.portal import i18n, links, notices
from app.portal.offers import PortalOffer
from app.portal.status import CLOSED
from runtime.flows import FormSubmitted

CLIENT_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,48}$")
START_TOKEN_PREFIX = "portal:"  # noqa: S105  (a namespace, not a secret)
OPEN = ("open", "claimed")


def is_client_token(value: str | None) -> bool:
    return bool(value) and bool(CLIENT_TOKEN.match(value or ""))


def start_token_of(client_token: str) -> str:
    """Portal tokens live apart from API start tokens, so neither can reach the other's case."""
    return START_TOKEN_PREFIX + client_token


def find_started(client_token: str) -> FlowInstance | None:
    """The case an earlier POST with this client token started, if any."""
    return db.session.scalar(
        db.select(FlowInstance).where(FlowInstance.start_token == start_token_of(client_token))
    )


def submit_request(
    offer: PortalOffer, form: Any, result: Any, *, locale: str, client_token: str
) -> FlowInstance:
    """Store the submission and start the case; the caller commits."""
    from app.forms import save_submission

    # The case first, so the submission is inserted already linked to it (no UPDATE of
    # the submission row afterwards). A racing replay fails on the unique start token.
    instance = flows.start(offer.flow_key, variables=dict(result.data),
                           start_token=start_token_of(client_token))
    save_submission(form, result, locale=locale, client_token=client_token, instance=instance)
    email = result.data.get(offer.email_field)
    if isinstance(email, str) and email and send_status_mail(instance, email, locale):
        notices.mailed_with_status_link(db.session(), instance.id)
    return instance


def send_status_mail(instance: FlowInstance, email: str, locale: str) -> bool:
    """Queue the e-mail with the case number and its status link (host from PUBLIC_BASE_URL)."""
    case = case_label(instance)
    link = links.status_url(instance.public_id)
    try:
        send_mail(email, i18n.translate("mail.subject", locale, case=case),
                  i18n.translate("mail.body", locale, case=case, link=link))
    except MailError:
        current_app.logger.info("case %s: no status e-mail, %r is not an address", case, email)
        return False
    return True


def case_label(instance: FlowInstance) -> str:
    return instance.case_number or instance.public_id[:8].upper()


@dataclass(frozen=True)
class FormRequest:
    """A customer form the case waits for ("we need more information")."""

    task: Task
    node_id: str
    activation: int
    form_key: str


def open_customer_request(instance: FlowInstance) -> FormRequest | None:
    """The oldest open form request addressed to the customer, if the case waits for one."""
    if instance.status in CLOSED:
        return None
    spec = specs.flow_spec(instance.flow_key, instance.flow_version)
    tasks = db.session.scalars(
        db.select(Task).where(Task.instance_id == instance.id, Task.status.in_(OPEN))
        .order_by(Task.id)
    )
    for task in tasks:
        if (task.data or {}).get("kind") != "form" or not task.form_key:
            continue
        node = spec.node(task.node_id)
        if getattr(node, "submitter", None) == "customer":
            return FormRequest(task, task.node_id, task.activation, task.form_key)
    return None


def answer_form_request(
    instance: FlowInstance, request: FormRequest, form: Any, result: Any, *,
    locale: str, client_token: str,
) -> None:
    """Store the customer's answer and deliver it to the waiting node; the caller commits."""
    from app.forms import save_submission

    save_submission(form, result, locale=locale, client_token=client_token,
                    instance=instance, task=request.task)
    for stored in result.files:
        stored.instance_id = instance.id
    flows.deliver(instance, FormSubmitted(
        node_id=request.node_id, activation=request.activation, data=dict(result.data),
        actor="customer", at=utcnow(),
    ))
