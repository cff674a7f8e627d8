"""Effects: what the engine asks the app to make happen, as frozen records.

The app writes them to its outbox in the same transaction as the new state; jobs carry
them out. Every effect has a deterministic `key` built from the instance's public id,
the node and the node's activation number - `"{instance}:{node}:{activation}[:suffix]"`
- so a replayed or retried step produces the same keys (CHECKLIST 1-3, 13):

| effect            | key                                   | suffix for            |
|-------------------|---------------------------------------|-----------------------|
| create_task       | `i:n:a` or `i:n:a:<k>` (k-th approver) |                       |
| complete_task / cancel_task | the task's key              |                       |
| reassign_task     | `<task key>:timeout`                  |                       |
| remind_task       | `<task key>:reminder:<r>`             |                       |
| schedule_timer / cancel_timer | `i:n:a:timeout`, `i:n:a:reminder:<r>`, `i:n:a:wait` |  |
| call_connector    | `i:n:a` = the idempotency key; `attempt` counts incident retries |  |
| send_notification | `i:n:a` (notify), `i:n:a:reminder:<r>` (wait reminders) |  |
| start_subflow / cancel_subflow | `i:n:a`                  |                       |
| request_form      | `i:n:a` (closed by complete_task / cancel_task with that key) | |
| instance_ended    | `i:ended`                             |                       |

`(type, key, attempt)` is unique within an instance; only call_connector repeats its
key, on purpose, when an incident is retried.

What the app does with each (jobs take the key, reload, and are safe to run twice):

* `create_task` - insert the task row under `key`; resolve `assignee`: `{"user"}` as
  is, `{"role", "strategy"}` by `pool` (claimable), `round_robin` or `least_loaded`
  (database facts); `approval` says "k of M" for several approvers. Answer with
  `task_completed(node_id, activation, task_key=key, outcome, data, actor)`.
* `complete_task` / `cancel_task` - close the row (task or form request) with that key.
* `reassign_task` - move the task `task_key` to `to`: `{"role"}`, `{"user"}`,
  `{"manager_of": role}` or `{"manager_of_user": user}` (the app knows the managers).
* `remind_task` - notify the task's current assignee(s) (`template`, if any).
* `schedule_timer` - upsert the timer row (`key`, `due_at`); when due, send
  `timer_fired(timer_key=key)`. `cancel_timer` - delete it. A timer that fires anyway
  is ignored by the engine, so the race is harmless.
* `call_connector` - run `connector.action(inputs)` with `idempotency_key`; retry
  5xx/timeouts per `retry` (optionally reporting `service_failed(kind="server")`), then
  `retries_exhausted`; a 4xx is `service_failed(kind="client", status, message)`;
  success is `service_succeeded(output)`. `attempt` > 1 is an admin's retry: same key.
* `send_notification` - render `template` (escaped) with `variables` in `locale` and
  send it to `recipients` (`{"email"}`, `{"user"}`, `{"role"}`), once per key.
* `request_form` - open a form request (portal link or inbox item) under `key`; the
  submission is `form_submitted(node_id, activation, data, actor)`.
* `start_subflow` - start an instance of the newest published `flow` with `input`,
  once per key, remembering the parent's node and activation; when it ends and
  `wait` is true, send the parent `subflow_ended(node_id, activation, status,
  output)`. `cancel_subflow` - cancel that child.
* `instance_ended` - record the final status; open work was closed by the effects
  before it in the same step.

Message waits are not effects: index `state.messages` (`state.waiting_messages`) by
(name, correlation) and send `message_received` to the instances that wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from runtime.flows.errors import BadEvent
from runtime.flows.records import Record


class EffectType(StrEnum):
    CREATE_TASK = "create_task"
    COMPLETE_TASK = "complete_task"
    CANCEL_TASK = "cancel_task"
    REASSIGN_TASK = "reassign_task"
    REMIND_TASK = "remind_task"
    SCHEDULE_TIMER = "schedule_timer"
    CANCEL_TIMER = "cancel_timer"
    CALL_CONNECTOR = "call_connector"
    SEND_NOTIFICATION = "send_notification"
    START_SUBFLOW = "start_subflow"
    CANCEL_SUBFLOW = "cancel_subflow"
    REQUEST_FORM = "request_form"
    INSTANCE_ENDED = "instance_ended"


@dataclass(frozen=True)
class Effect(Record):
    type: ClassVar[EffectType]
    key: str


@dataclass(frozen=True)
class CreateTask(Effect):
    type: ClassVar[EffectType] = EffectType.CREATE_TASK
    node_id: str
    activation: int
    title: str
    assignee: dict[str, Any]
    outcomes: tuple[str, ...]
    form: str | None = None
    description: str = ""
    due_at: str | None = None
    approval: dict[str, Any] | None = None  # {"mode", "index", "of", "count"} for approvers


@dataclass(frozen=True)
class CompleteTask(Effect):
    type: ClassVar[EffectType] = EffectType.COMPLETE_TASK
    node_id: str
    activation: int
    outcome: str
    actor: str | None = None


@dataclass(frozen=True)
class CancelTask(Effect):
    type: ClassVar[EffectType] = EffectType.CANCEL_TASK
    node_id: str
    activation: int
    reason: str


@dataclass(frozen=True)
class ReassignTask(Effect):
    type: ClassVar[EffectType] = EffectType.REASSIGN_TASK
    task_key: str
    node_id: str
    activation: int
    to: dict[str, Any]
    reason: str  # "escalate" or "reassign"


@dataclass(frozen=True)
class RemindTask(Effect):
    type: ClassVar[EffectType] = EffectType.REMIND_TASK
    task_key: str
    node_id: str
    activation: int
    reminder: int
    template: str | None = None


@dataclass(frozen=True)
class ScheduleTimer(Effect):
    type: ClassVar[EffectType] = EffectType.SCHEDULE_TIMER
    due_at: str
    purpose: str
    node_id: str
    activation: int


@dataclass(frozen=True)
class CancelTimer(Effect):
    type: ClassVar[EffectType] = EffectType.CANCEL_TIMER
    node_id: str
    activation: int


@dataclass(frozen=True)
class CallConnector(Effect):
    type: ClassVar[EffectType] = EffectType.CALL_CONNECTOR
    derived_keys: ClassVar[frozenset[str]] = frozenset({"type", "idempotency_key"})
    node_id: str
    activation: int
    connector: str
    action: str
    inputs: dict[str, Any] = field(default_factory=dict)
    retry: dict[str, Any] = field(default_factory=dict)
    attempt: int = 1

    @property
    def idempotency_key(self) -> str:
        return self.key

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "idempotency_key": self.key}


@dataclass(frozen=True)
class SendNotification(Effect):
    type: ClassVar[EffectType] = EffectType.SEND_NOTIFICATION
    node_id: str
    activation: int
    channel: str
    recipients: tuple[dict[str, Any], ...]
    template: dict[str, Any]
    variables: dict[str, Any] = field(default_factory=dict)
    locale: str | None = None


@dataclass(frozen=True)
class StartSubflow(Effect):
    type: ClassVar[EffectType] = EffectType.START_SUBFLOW
    node_id: str
    activation: int
    flow: str
    input: dict[str, Any] = field(default_factory=dict)
    wait: bool = True


@dataclass(frozen=True)
class CancelSubflow(Effect):
    type: ClassVar[EffectType] = EffectType.CANCEL_SUBFLOW
    node_id: str
    activation: int
    reason: str


@dataclass(frozen=True)
class RequestForm(Effect):
    type: ClassVar[EffectType] = EffectType.REQUEST_FORM
    node_id: str
    activation: int
    form: str
    submitter: str
    assignee: dict[str, Any] | None = None
    due_at: str | None = None


@dataclass(frozen=True)
class InstanceEnded(Effect):
    type: ClassVar[EffectType] = EffectType.INSTANCE_ENDED
    status: str
    node_id: str | None = None
    reason: str = ""


EFFECT_TYPES: dict[str, type[Effect]] = {
    cls.type.value: cls
    for cls in (
        CreateTask,
        CompleteTask,
        CancelTask,
        ReassignTask,
        RemindTask,
        ScheduleTimer,
        CancelTimer,
        CallConnector,
        SendNotification,
        StartSubflow,
        CancelSubflow,
        RequestForm,
        InstanceEnded,
    )
}


def effect_from_dict(data: dict[str, Any]) -> Effect:
    if not isinstance(data, dict) or data.get("type") not in EFFECT_TYPES:
        kind = data.get("type") if isinstance(data, dict) else None
        raise BadEvent(f"unknown effect type {kind!r}")
    return EFFECT_TYPES[data["type"]].from_dict(data)
