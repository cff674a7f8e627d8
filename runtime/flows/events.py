"""Events: what happened outside the engine, as frozen records with a `type`.

Every event may carry `at` (an aware datetime: when it happened; `replay` builds the
`Environment` of each event from it). Events that answer a waiting node name it by
`node_id` and `activation` (the numbers in the keys of the effects that asked), so an
answer meant for an earlier visit of a node can never complete a later one.

`event_from_dict(event.to_dict()) == event` for every event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from runtime.flows.errors import BadEvent
from runtime.flows.records import Record


class EventType(StrEnum):
    STARTED = "started"
    FORM_SUBMITTED = "form_submitted"
    TASK_COMPLETED = "task_completed"
    TIMER_FIRED = "timer_fired"
    SERVICE_SUCCEEDED = "service_succeeded"
    SERVICE_FAILED = "service_failed"
    RETRIES_EXHAUSTED = "retries_exhausted"
    INCIDENT_RETRIED = "incident_retried"
    MESSAGE_RECEIVED = "message_received"
    SUBFLOW_ENDED = "subflow_ended"
    CANCELLED = "cancelled"


class FailureKind(StrEnum):
    CLIENT = "client"  # 4xx: the request is wrong; retrying will not help
    SERVER = "server"  # 5xx or timeout: the app retries per the node's retry policy


@dataclass(frozen=True)
class Event(Record):
    type: ClassVar[EventType]
    at: datetime | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class Started(Event):
    type: ClassVar[EventType] = EventType.STARTED
    variables: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None


@dataclass(frozen=True)
class FormSubmitted(Event):
    type: ClassVar[EventType] = EventType.FORM_SUBMITTED
    node_id: str
    activation: int
    data: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None


@dataclass(frozen=True)
class TaskCompleted(Event):
    type: ClassVar[EventType] = EventType.TASK_COMPLETED
    node_id: str
    activation: int
    task_key: str
    outcome: str
    data: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None


@dataclass(frozen=True)
class TimerFired(Event):
    type: ClassVar[EventType] = EventType.TIMER_FIRED
    timer_key: str


@dataclass(frozen=True)
class ServiceSucceeded(Event):
    type: ClassVar[EventType] = EventType.SERVICE_SUCCEEDED
    node_id: str
    activation: int
    output: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceFailed(Event):
    type: ClassVar[EventType] = EventType.SERVICE_FAILED
    node_id: str
    activation: int
    kind: FailureKind
    message: str = ""
    status: int | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", FailureKind(self.kind))
        except ValueError:
            kind = self.kind
            raise BadEvent(f"a failure kind is 'client' or 'server', not {kind!r}") from None


@dataclass(frozen=True)
class RetriesExhausted(Event):
    type: ClassVar[EventType] = EventType.RETRIES_EXHAUSTED
    node_id: str
    activation: int
    message: str = ""


@dataclass(frozen=True)
class IncidentRetried(Event):
    type: ClassVar[EventType] = EventType.INCIDENT_RETRIED
    actor: str | None = None


@dataclass(frozen=True)
class MessageReceived(Event):
    type: ClassVar[EventType] = EventType.MESSAGE_RECEIVED
    name: str
    correlation: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SubflowEnded(Event):
    type: ClassVar[EventType] = EventType.SUBFLOW_ENDED
    node_id: str
    activation: int
    status: str
    output: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cancelled(Event):
    type: ClassVar[EventType] = EventType.CANCELLED
    reason: str = ""
    actor: str | None = None


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type.value: cls
    for cls in (
        Started,
        FormSubmitted,
        TaskCompleted,
        TimerFired,
        ServiceSucceeded,
        ServiceFailed,
        RetriesExhausted,
        IncidentRetried,
        MessageReceived,
        SubflowEnded,
        Cancelled,
    )
}


def event_from_dict(data: dict[str, Any]) -> Event:
    """The event `data` describes (`{"type": "task_completed", ...}`), or BadEvent."""
    if not isinstance(data, dict) or data.get("type") not in EVENT_TYPES:
        kind = data.get("type") if isinstance(data, dict) else None
        raise BadEvent(f"unknown event type {kind!r}; known: {', '.join(EVENT_TYPES)}")
    return EVENT_TYPES[data["type"]].from_dict(data)
