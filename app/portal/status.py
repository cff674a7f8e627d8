"""What a customer may see of their case: a timeline, what happens next, their documents.

Only customer-safe facts leave this module. The timeline is built from
`instance_events`, but only from kinds a customer understands — the request arriving,
steps the flow's `portal.steps` names (a step not listed there is never shown, so an
internal "fraud check" stays internal), questions to and answers from the customer,
and the end of the case. No actors, comments or error texts are shown, and of the
case's variables only those the flow declares in `portal.summary` (app/portal/summary.py).

Files: the documents the flow issued for the customer (variables named in
`portal.documents`, e.g. a return label) and the files the customer sent themselves
(uploads in submissions made without a staff account). Staff uploads never appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.extensions import db
from app.models import FlowInstance, InstanceEvent, StoredFile, Submission
from app.portal import i18n
from app.portal import summary as portal_summary
from app.portal.offers import PortalOffer

#: Statuses of a case that is over (runtime/flows/status.py); anything else is still open.
CLOSED = frozenset({"completed", "rejected", "cancelled"})
ENDED_MESSAGES = {"completed": "event.completed", "rejected": "event.rejected",
                  "cancelled": "event.cancelled"}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    text: str
    current: bool = False


@dataclass(frozen=True)
class CustomerFile:
    public_id: str
    label: str
    name: str
    size: int


def timeline(instance: FlowInstance, offer: PortalOffer | None, locale: str) -> list[TimelineEntry]:
    """The customer-safe history of `instance`, oldest first."""
    entries = [TimelineEntry(instance.created_at, i18n.translate("event.received", locale))]
    steps = offer.steps if offer else {}
    customer_forms: set[str] = set()
    events = db.session.scalars(
        db.select(InstanceEvent).where(InstanceEvent.instance_id == instance.id)
        .order_by(InstanceEvent.seq)
    )
    for event in events:
        data = _data(event)
        if event.type == "node_entered" and event.node_id in steps:
            label = i18n.pick(steps[event.node_id].label, locale)
            if label:
                entries.append(TimelineEntry(event.at, label))
        elif event.type == "form_requested" and data.get("submitter") == "customer":
            customer_forms.add(event.node_id or "")
            entries.append(TimelineEntry(event.at, i18n.translate("event.info_requested", locale)))
        elif event.type == "form_submitted" and event.node_id in customer_forms:
            entries.append(TimelineEntry(event.at, i18n.translate("event.info_received", locale)))
        elif event.type == "instance_ended":
            key = ENDED_MESSAGES.get(str(data.get("status")), "event.closed")
            entries.append(TimelineEntry(event.at, i18n.translate(key, locale)))
    if instance.status not in CLOSED:
        entries[-1] = TimelineEntry(entries[-1].at, entries[-1].text, current=True)
    return entries


def next_step(instance: FlowInstance, offer: PortalOffer | None, locale: str) -> str:
    """What the customer should expect now, in their language."""
    if instance.status in CLOSED:
        return i18n.translate("status.closed", locale)
    steps = offer.steps if offer else {}
    entered = db.session.scalars(
        db.select(InstanceEvent.node_id)
        .where(InstanceEvent.instance_id == instance.id, InstanceEvent.type == "node_entered")
        .order_by(InstanceEvent.seq.desc())
    )
    for node_id in entered:
        step = steps.get(node_id or "")
        if step is not None and step.next:
            return i18n.pick(step.next, locale)
    return i18n.translate("status.next_default", locale)


def documents(instance: FlowInstance, offer: PortalOffer | None, locale: str) -> list[CustomerFile]:
    """Files the flow issued for the customer, named as the flow's portal block names them."""
    if offer is None or not offer.documents:
        return []
    wanted: dict[str, str] = {}
    for variable, label in offer.documents.items():
        for file_id in file_ids(instance.variables.get(variable)):
            wanted.setdefault(file_id, i18n.pick(label, locale, variable))
    if not wanted:
        return []
    rows = db.session.scalars(
        db.select(StoredFile).where(StoredFile.instance_id == instance.id,
                                    StoredFile.public_id.in_(list(wanted)))
        .order_by(StoredFile.id)
    )
    return [CustomerFile(f.public_id, wanted[f.public_id], f.original_name, f.size) for f in rows]


def summary(instance: FlowInstance, offer: PortalOffer | None,
            locale: str) -> list[portal_summary.SummaryLine]:
    """The case values the flow lets its customer see (e.g. the refund), in their language."""
    if offer is None or not offer.summary:
        return []
    return portal_summary.summary(instance.variables or {}, offer.summary, locale)


def customer_uploads(instance: FlowInstance) -> list[CustomerFile]:
    """Files the customer sent (submissions without a staff account) for this case."""
    rows = db.session.scalars(
        db.select(StoredFile)
        .join(Submission, StoredFile.submission_id == Submission.id)
        .where(StoredFile.instance_id == instance.id, Submission.instance_id == instance.id,
               Submission.submitted_by_id.is_(None))
        .order_by(StoredFile.id)
    )
    return [CustomerFile(f.public_id, f.original_name, f.original_name, f.size) for f in rows]


def customer_may_download(instance: FlowInstance, offer: PortalOffer | None,
                          file_public_id: str) -> StoredFile | None:
    """The file, when it is one of this case's documents or the customer's own uploads."""
    allowed = {f.public_id for f in documents(instance, offer, i18n.DEFAULT_LOCALE)}
    allowed |= {f.public_id for f in customer_uploads(instance)}
    if file_public_id not in allowed:
        return None
    return db.session.scalar(db.select(StoredFile).where(StoredFile.public_id == file_public_id))


def file_ids(value: Any) -> list[str]:
    """File ids in a variable: "id", {"file": "id"} or a list of either."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and isinstance(value.get("file"), str):
        return [value["file"]]
    if isinstance(value, list):
        return [found for item in value for found in file_ids(item)]
    return []


def _data(event: InstanceEvent) -> dict[str, Any]:
    """The record's own fields (`{"data": {...}}` in the stored log record)."""
    data = event.data or {}
    inner = data.get("data")
    return inner if isinstance(inner, dict) else data
