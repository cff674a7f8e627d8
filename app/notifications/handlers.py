"""The engine's notification effects, delivered from the outbox.

* `remind_task` (a waiting node's reminder): a notice, and its e-mail, to the people
  holding the task — its assignee, or everyone in its team while it sits in the pool.
* `send_notification` (a `notify` node, or a reminder's `notify`): an e-mail rendered
  from the node's template to each recipient — a user or team of this installation
  (who also get an in-app notice), or a plain address. Template placeholders are
  `{{ name }}` paths into the effect's variables; values are inserted as text and
  escaped in the HTML part (CHECKLIST 14). The case's customer gets their copy in the
  language they wrote in (the node's `translations`) and with `{{status_link}}` filled
  in (app/notifications/customer.py). Webhook messages are not built yet and fail
  loudly as an incident rather than vanishing.

Handlers add rows (notices, queued mail) and call nothing outside: the mail leaves after
the delivery job commits, so a retried delivery re-checks the notice keys and the mail
module sends each committed message once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from app.extensions import db
from app.flows.outbox import handles
from app.models import OutboxEntry, Task, User
from app.notifications import email_enabled, notify, people_for, team_members
from app.notifications.customer import LINK_NAME, case_customer, template_for

_PLACEHOLDER = re.compile(r"{{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*}}")


class NotificationNotDeliverable(RuntimeError):
    """The effect asks for something this installation cannot send (e.g. a webhook)."""


@handles("remind_task")
def _remind(entry: OutboxEntry) -> None:
    payload = entry.payload
    task = db.session.scalar(db.select(Task).where(Task.key == payload["task_key"]))
    if task is None or task.status not in ("open", "claimed"):
        return  # answered meanwhile: nothing to remind anyone of
    due = f" It is due {task.due_at.strftime('%Y-%m-%d %H:%M UTC')}." if task.due_at else ""
    for user in people_for(task):
        notify(user, kind="reminder", key=f"reminder:{entry.idempotency_key}:{user.id}",
               title=f"Reminder: {task.title}",
               body=f"This task is still waiting for an answer.{due}", task=task)


@handles("send_notification")
def _send(entry: OutboxEntry) -> None:
    from app.mail import send_mail

    payload = entry.payload
    if payload.get("channel") != "email":
        raise NotificationNotDeliverable(
            f"{payload.get('channel')!r} notifications are not supported yet; "
            "only e-mail is delivered")
    template = payload.get("template") or {}
    values = dict(payload.get("variables") or {})
    values[LINK_NAME] = ""  # a case variable of that name never becomes a link
    chosen = payload.get("locale") if isinstance(payload.get("locale"), str) else None
    users, addresses = _recipients(payload.get("recipients") or [])
    customer = case_customer(entry.instance_id)
    if customer is not None and customer.address in addresses:
        addresses.discard(customer.address)
        mail = _render(template_for(template, chosen or customer.locale),
                       {**values, LINK_NAME: customer.status_link})
        send_mail(customer.address, *mail)
    subject, text, html = _render(template_for(template, chosen), values)
    for user in users:
        notify(user, kind="message", key=f"message:{entry.idempotency_key}:{user.id}",
               title=subject if subject != "(no subject)" else "A message from a flow",
               body=text, email=False)
        if email_enabled(user):
            addresses.add(user.email)
    for address in sorted(addresses):
        send_mail(address, subject, text, html=html)


def _render(template: Mapping[str, Any], values: Mapping[str, Any]) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one copy of a message."""
    subject = " ".join(render_text(template.get("subject", ""), values).split())[:200]
    return (subject or "(no subject)", render_text(template.get("body", ""), values),
            render_html(template.get("body", ""), values))


def render_text(template: str, values: Mapping[str, Any]) -> str:
    return _PLACEHOLDER.sub(lambda m: _text(_lookup(values, m.group(1))), str(template))


def render_html(template: str, values: Mapping[str, Any]) -> str:
    """The body as HTML: the designer's text and the case's values both escaped.

    The app's own status link becomes a clickable `<a>`; nothing else does.
    """
    parts, last = [], 0
    source = str(template)
    for match in _PLACEHOLDER.finditer(source):
        parts.append(str(escape(source[last:match.start()])))
        value = _text(_lookup(values, match.group(1)))
        if match.group(1) == LINK_NAME and value.startswith(("https://", "http://")):
            parts.append(str(Markup('<a href="{0}">{0}</a>').format(value)))
        else:
            parts.append(str(escape(value)))
        last = match.end()
    parts.append(str(escape(source[last:])))
    return "<div style=\"white-space: pre-line\">" + "".join(parts) + "</div>"


def _lookup(values: Mapping[str, Any], path: str) -> Any:
    value: Any = values
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping) and "amount" in value:
        return f"{value['amount']} {value.get('currency', '')}".strip()
    return str(value)


def _recipients(recipients: list[Any]) -> tuple[list[User], set[str]]:
    users: dict[int, User] = {}
    addresses: set[str] = set()
    for item in recipients:
        if not isinstance(item, Mapping) or len(item) != 1:
            continue
        ((kind, name),) = item.items()
        if kind == "email":
            addresses.add(str(name).strip().lower())
        elif kind == "user":
            user = db.session.scalar(db.select(User).where(User.email == str(name).lower()))
            if user is not None and user.active:
                users[user.id] = user
        elif kind == "role":
            users.update({u.id: u for u in team_members(str(name))})
    return list(users.values()), addresses
