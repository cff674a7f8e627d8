"""Flows a webhook starts: a `start` node with `trigger: {type: webhook, message: <name>}`.

A delivery's message goes to the cases waiting for it (`send_message`) *and* starts every
published flow whose start node is triggered by that message, with the delivery's `data`
as the new case's variables. The start token is derived from (connector, event id,
flow), so a delivery processed twice still starts one case per flow.
"""

from __future__ import annotations

import hashlib
from typing import Any

from app.extensions import db
from app.flows import service, specs
from app.models import Definition, DefinitionKind, DefinitionStatus


def start_flows(message: str, connector_key: str, event_id: str, data: dict[str, Any]) -> list[str]:
    """Start the flows `message` triggers; the new (or already started) cases' public ids."""
    started = []
    for flow_key in flows_triggered_by(message):
        token = _start_token(connector_key, event_id, flow_key)
        instance = service.start(flow_key, dict(data), start_token=token)
        started.append(instance.public_id)
    return started


def flows_triggered_by(message: str) -> list[str]:
    keys = db.session.scalars(
        db.select(Definition.key).distinct()
        .where(Definition.kind == DefinitionKind.FLOW,
               Definition.status == DefinitionStatus.PUBLISHED)
        .order_by(Definition.key)
    ).all()
    found = []
    for key in keys:
        version = specs.latest_flow_version(key)
        spec = specs.flow_spec(key, version.version, version.checksum)
        start = spec.node(spec.start)
        if getattr(start, "trigger", None) == "webhook" and start.trigger_message == message:
            found.append(key)
    return found


def _start_token(connector_key: str, event_id: str, flow_key: str) -> str:
    digest = hashlib.sha256(f"{connector_key}\0{event_id}\0{flow_key}".encode()).hexdigest()
    return "webhook-" + digest[:48]
