"""`message_or_start`: hand data to the open instance that collects it, or open one.

Why: "one quality claim per SKU while it is open; later cases join it" is a common
shape (a claim, a batch, an incident per device). The collecting flow waits for a
correlated message (`wait` node, `until: message`, correlated on e.g. `sku`); a caller
sends the message; when nobody waits, the collector is started with the same data.
Doing the two steps separately in a flow would race: two callers at once would both
find nobody waiting and open two claims. Here callers for the same (flow, message,
correlation) first take a row lock (an UPDATE of a counter row keyed by their hash,
held until commit), and only then look:

    waiting instance of `flow` for (message, correlation)  -> message delivered to it
    none, and the newest instance for that token is open   -> Deferred: it is between two
                                                               waits, try again shortly
                                                               (an open one stuck for
                                                               STUCK_AFTER: an incident)
    none open                                               -> start `flow` with `data`
                                                               (start token: the hash
                                                               and the counter value)

The second of two simultaneous callers waits on the lock, then sees the instance the
first one started (waiting already) and delivers to it. The started instance must wait for the
message at once (its first automatic steps reach the `wait`); if it does not, the call
fails loudly instead of silently breaking the "one open instance" rule.

    {"flow": "returns.quality_claim", "message": "quality_evidence",
     "correlation": "HP-ANC-200", "data": {"sku": "HP-ANC-200", "cases": [...]}}
    -> {"outcome": "started" | "delivered", "case_number": "QC-000001", "instance": "…"}
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from app.extensions import db
from app.flows import service, specs
from app.flows.cases import next_case_number
from app.flows.outbox import Deferred
from app.models import FlowInstance, MessageWait, utcnow
from connectors.exceptions import ConnectorError
from runtime.exceptions import NotFound
from runtime.flows import MessageReceived
from runtime.functions import FunctionInputError

MAX_DATA_BYTES = 64 * 1024
STUCK_AFTER = timedelta(minutes=10)
RETRY_SECONDS = 2.0
_FLOW_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_MESSAGE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def message_or_start(instance_id: int, inputs: Mapping[str, Any]) -> dict[str, Any]:
    flow, message, correlation, data = _checked(inputs)
    if instance_id is not None and _flow_of(instance_id) == flow:
        raise FunctionInputError("message_or_start: a flow cannot open or message itself")
    try:
        specs.latest_flow_version(flow)
    except NotFound as err:
        raise FunctionInputError(f"message_or_start: {err}") from err
    prefix = "mos-" + hashlib.sha256(
        f"{flow}\0{message}\0{correlation}".encode()).hexdigest()[:40]
    ticket = next_case_number(prefix)  # row lock until commit: callers for it queue here
    waiting = _waiting(flow, message, correlation)  # read after the lock: sees their work
    if waiting:
        for target in waiting:
            service.deliver(target, MessageReceived(name=message, correlation=correlation,
                                                    data=dict(data), at=utcnow()))
        return _answer("delivered", waiting[0], len(waiting))
    latest = _latest(prefix)
    if latest is not None and latest.ended_at is None:
        if utcnow() - latest.updated_at > STUCK_AFTER:
            raise ConnectorError(f"{flow} {latest.case_number or latest.public_id} for "
                                 f"{correlation!r} is open but has not waited for "
                                 f"{message} for {STUCK_AFTER}; see its incident")
        raise Deferred(RETRY_SECONDS)
    attempt = db.session.begin_nested()  # inside the lock's transaction: SQLite too
    started = service.start(flow, dict(data), start_token=f"{prefix}-{ticket}")
    if not _is_waiting(started, message, correlation):
        attempt.rollback()  # the caller's incident is recorded; the start is not
        raise ConnectorError(f"{flow} started for {correlation!r} does not wait for the "
                             f"message {message} correlated on that value; fix the flow")
    attempt.commit()
    return _answer("started", started, 1)


def _checked(inputs: Mapping[str, Any]) -> tuple[str, str, str, dict[str, Any]]:
    flow, message = inputs.get("flow"), inputs.get("message")
    correlation, data = inputs.get("correlation"), inputs.get("data")
    data = {} if data is None else data
    if set(inputs) - {"flow", "message", "correlation", "data"}:
        extra = sorted(set(inputs) - {"flow", "message", "correlation", "data"})[0]
        raise FunctionInputError(f"message_or_start: unknown input {extra!r}")
    if not isinstance(flow, str) or not _FLOW_KEY.match(flow) or len(flow) > 128:
        raise FunctionInputError("message_or_start: flow must be a flow key")
    if not isinstance(message, str) or not _MESSAGE.match(message):
        raise FunctionInputError("message_or_start: message must be a message name")
    if isinstance(correlation, bool) or not isinstance(correlation, str | int) \
            or not str(correlation).strip() or len(str(correlation)) > 200:
        raise FunctionInputError("message_or_start: correlation must be text or a number "
                                 "of at most 200 characters")
    if not isinstance(data, Mapping):
        raise FunctionInputError("message_or_start: data must be an object")
    if len(json.dumps(data, default=str)) > MAX_DATA_BYTES:
        raise FunctionInputError(f"message_or_start: data is over {MAX_DATA_BYTES} bytes")
    return flow, message, str(correlation), dict(data)


def _latest(prefix: str) -> FlowInstance | None:
    """The newest instance this action started for the same (flow, message, correlation)."""
    return db.session.scalar(
        db.select(FlowInstance).where(FlowInstance.start_token.like(prefix + "-%"))
        .order_by(FlowInstance.id.desc()).limit(1))


def _flow_of(instance_id: int) -> str | None:
    return db.session.scalar(db.select(FlowInstance.flow_key)
                             .where(FlowInstance.id == instance_id))


def _waiting(flow: str, message: str, correlation: str) -> list[FlowInstance]:
    return list(db.session.scalars(
        db.select(FlowInstance)
        .where(FlowInstance.id.in_(db.select(MessageWait.instance_id).where(
                   MessageWait.name == message, MessageWait.correlation == correlation)),
               FlowInstance.flow_key == flow, FlowInstance.ended_at.is_(None))
        .order_by(FlowInstance.id)))


def _is_waiting(instance: FlowInstance, message: str, correlation: str) -> bool:
    waits = (instance.state or {}).get("messages") or []
    return any(w.get("name") == message and str(w.get("correlation")) == correlation
               for w in waits)


def _answer(outcome: str, instance: FlowInstance, reached: int) -> dict[str, Any]:
    return {"outcome": outcome, "case_number": instance.case_number,
            "instance": instance.public_id, "reached": reached}
