"""Which flows customers may start in the portal, read once per published version.

A flow is offered when its newest published version has a `portal` block and its
`start` node is triggered by a form (`{"type": "form", "form": <key>}`); archived keys
are never offered. The block (builder/schemas/flow.json `#/$defs/portal`) is validated
when the flow is saved; here it is frozen into a `PortalOffer`, cached per
(key, version, checksum) because a published version never changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from flask import current_app

from app.extensions import db
from app.forms import heads
from app.models import Definition, DefinitionKind, DefinitionStatus
from runtime.exceptions import NotFound

_cache: dict[tuple[str, int, str | None], PortalOffer | None] = {}
#: (flow key, version) -> offer of a frozen version, per app (see app.forms.heads).
FROZEN_EXTENSION = "formloom.frozen_offers"


@dataclass(frozen=True)
class Lookup:
    """Find the customer's order before the form: connector action and form prefill."""

    connector: str
    action: str
    order_input: str = "order_number"
    email_input: str = "email"
    #: form field path -> path in the action's outputs (`items` -> `lines`)
    prefill: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    #: decision table deciding on the found order; `outcome: "refuse"` stops the request
    guard: str | None = None


@dataclass(frozen=True)
class Step:
    label: MappingProxyType
    next: MappingProxyType
    email: bool = False  # mail the customer when the case enters it (app/notifications)


@dataclass(frozen=True)
class PortalOffer:
    flow_key: str
    flow_version: int
    form_key: str
    title: MappingProxyType
    description: MappingProxyType
    email_field: str
    lookup: Lookup | None
    steps: MappingProxyType  # node id -> Step
    documents: MappingProxyType  # variable name -> per-locale label
    #: what the status page may show of the case's variables (app/portal/summary.py)
    summary: tuple[MappingProxyType, ...] = ()


def list_offers() -> list[PortalOffer]:
    """Every flow offered in the portal, in key order."""
    offers = []
    for row in _newest_published_rows():
        offer = _offer_of(row)
        if offer is not None:
            offers.append(offer)
    return offers


def get_offer(flow_key: str) -> PortalOffer:
    """The offer for `flow_key`; NotFound when it is not (or no longer) offered.

    Which version is the newest published one is kept for a couple of seconds
    (`app.forms.heads`); the flow's body is read only when that version's offer is not
    cached yet, so a submit or a form page usually asks the database nothing here.
    """
    head = heads.newest_published(DefinitionKind.FLOW, flow_key)
    offer = None
    if head is not None:
        cache_key = (flow_key, head.version, head.checksum)
        if cache_key in _cache:
            offer = _cache[cache_key]
        else:
            row = db.session.scalar(
                db.select(Definition).where(
                    Definition.kind == DefinitionKind.FLOW, Definition.key == flow_key,
                    Definition.version == head.version,
                )
            )
            offer = _offer_of(row) if row is not None else None
    if offer is None:
        raise NotFound("this request is not offered")
    return offer


def offer_for_version(flow_key: str, version: int) -> PortalOffer | None:
    """The portal block of one exact version (a running case keeps its version's texts).

    A frozen (published or archived) version never changes and cannot be deleted, so
    its offer is kept per app after the first read: status pages and customer e-mails
    of running cases ask the database nothing here.
    """
    frozen = current_app.extensions.setdefault(FROZEN_EXTENSION, {})
    if (flow_key, version) in frozen:
        return frozen[(flow_key, version)]
    row = db.session.scalar(
        db.select(Definition).where(
            Definition.kind == DefinitionKind.FLOW, Definition.key == flow_key,
            Definition.version == version,
            Definition.status.in_((DefinitionStatus.PUBLISHED, DefinitionStatus.ARCHIVED)),
        )
    )
    if row is None:
        return None  # not there (yet), or a draft: never kept
    offer = frozen[(flow_key, version)] = _offer_of(row)
    return offer


def _newest_published_rows() -> list[Definition]:
    newest = (
        db.select(Definition.key, db.func.max(Definition.version).label("version"))
        .where(Definition.kind == DefinitionKind.FLOW,
               Definition.status == DefinitionStatus.PUBLISHED)
        .group_by(Definition.key).subquery()
    )
    return list(db.session.scalars(
        db.select(Definition)
        .join(newest, (Definition.key == newest.c.key) & (Definition.version == newest.c.version))
        .where(Definition.kind == DefinitionKind.FLOW)
        .order_by(Definition.key)
    ))


def _offer_of(row: Definition) -> PortalOffer | None:
    cache_key = (row.key, row.version, row.checksum)
    if cache_key not in _cache:
        _cache[cache_key] = parse_offer(row.key, row.version, row.body or {})
    return _cache[cache_key]


def parse_offer(flow_key: str, version: int, body: dict[str, Any]) -> PortalOffer | None:
    """The offer a flow body makes, or None when it does not opt in to the portal."""
    block = body.get("portal")
    form_key = _start_form(body)
    if not isinstance(block, dict) or form_key is None:
        return None
    lookup = block.get("lookup")
    steps = {
        node_id: Step(MappingProxyType(dict(step.get("label") or {})),
                      MappingProxyType(dict(step.get("next") or {})),
                      step.get("email") is True)
        for node_id, step in (block.get("steps") or {}).items()
    }
    return PortalOffer(
        flow_key=flow_key,
        flow_version=version,
        form_key=form_key,
        title=MappingProxyType(dict(block.get("title") or {"en": flow_key})),
        description=MappingProxyType(dict(block.get("description") or {})),
        email_field=block.get("email_field") or "email",
        lookup=Lookup(
            lookup["connector"], lookup["action"],
            lookup.get("order_input") or "order_number", lookup.get("email_input") or "email",
            MappingProxyType(dict(lookup.get("prefill") or {})),
            lookup.get("guard") or None,
        ) if isinstance(lookup, dict) else None,
        steps=MappingProxyType(steps),
        documents=MappingProxyType(
            {name: MappingProxyType(dict(label)) for name, label
             in (block.get("documents") or {}).items()}
        ),
        summary=tuple(MappingProxyType(dict(item)) for item in block.get("summary") or ()
                      if isinstance(item, dict)),
    )


def _start_form(body: dict[str, Any]) -> str | None:
    for node in body.get("nodes") or ():
        if isinstance(node, dict) and node.get("type") == "start":
            trigger = (node.get("config") or {}).get("trigger") or {}
            if trigger.get("type") == "form" and trigger.get("form"):
                return str(trigger["form"])
            return None
    return None
