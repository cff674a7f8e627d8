"""The test run's user choices: checked JSON in, one engine event out.

A choice names something the test run offers at that point (an open task by its key, a
scheduled timer, a connector call waiting for its answer, ...); the browser copies the
key from the `pending` list the previous answer gave it. Each check fails with an
`ErrorDetail` at `/choices/<i>/<field>`, so a replayed list that no longer fits the flow
(someone edited the draft meanwhile) says exactly which step stopped applying.

    {"type": "complete_task", "task": "test:review:1", "outcome": "approve", "data"?: {}}
    {"type": "submit_form", "form": "test:details:1", "data"?: {}}
    {"type": "fire_timer", "timer": "test:review:1:timeout"}
    {"type": "answer_service", "call": "test:refund:1",
     "result": "success" | "error" | "unavailable" | "compute", "output"?: {}, "message"?: ""}
    {"type": "end_subflow", "subflow": "test:claim:1",
     "status"?: "completed" | "rejected" | "cancelled", "output"?: {}}
    {"type": "send_message", "message": "test:parcel:1:message", "data"?: {}}
    {"type": "retry_incidents"}
    {"type": "cancel", "reason"?: ""}

`answer_service` with `compute` runs a pure platform function (runtime.functions) on the
call's inputs, as the app would; every other connector is never called: the user says
what it answered (`error` is a 4xx that follows the error edge, `unavailable` the 5xx
that exhausted its retries and opens an incident).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runtime import functions
from runtime.exceptions import ErrorDetail
from runtime.flows import (
    CallConnector,
    Cancelled,
    Event,
    FormSubmitted,
    IncidentRetried,
    InstanceState,
    MessageReceived,
    RetriesExhausted,
    ServiceFailed,
    ServiceSucceeded,
    StartSubflow,
    SubflowEnded,
    TaskCompleted,
    TimerFired,
)

ACTOR = "test run"
SERVICE_RESULTS = ("success", "error", "unavailable", "compute")
SUBFLOW_STATUSES = ("completed", "rejected", "cancelled")

#: type -> (required fields, optional fields); every other field is refused.
FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "complete_task": (frozenset({"task", "outcome"}), frozenset({"data"})),
    "submit_form": (frozenset({"form"}), frozenset({"data"})),
    "fire_timer": (frozenset({"timer"}), frozenset()),
    "answer_service": (frozenset({"call", "result"}), frozenset({"output", "message"})),
    "end_subflow": (frozenset({"subflow"}), frozenset({"status", "output"})),
    "send_message": (frozenset({"message"}), frozenset({"data"})),
    "retry_incidents": (frozenset(), frozenset()),
    "cancel": (frozenset(), frozenset({"reason"})),
}


class ChoiceRefused(Exception):
    """Internal: one choice does not fit; the simulator wraps the details it carries."""

    def __init__(self, detail: ErrorDetail) -> None:
        super().__init__(detail.reason)
        self.detail = detail


@dataclass(frozen=True)
class Pending:
    """What the test run is waiting on besides the state: the calls and subflows asked
    for by effects (the state keeps only the token; its inputs live in the effect)."""

    calls: dict[str, CallConnector]
    subflows: dict[str, StartSubflow]


def choice_event(
    choice: Any, at: str, state: InstanceState, pending: Pending, now: datetime
) -> Event:
    """The engine event for choice number `at` (its pointer) in `state`, or ChoiceRefused."""
    if not isinstance(choice, dict):
        raise ChoiceRefused(ErrorDetail(at, "a choice is an object with a 'type'"))
    kind = choice.get("type")
    if kind not in FIELDS:
        raise ChoiceRefused(
            ErrorDetail(f"{at}/type", f"unknown choice {kind!r}; known: {', '.join(FIELDS)}")
        )
    required, optional = FIELDS[kind]
    extra = sorted(set(choice) - required - optional - {"type"})
    if extra:
        raise ChoiceRefused(ErrorDetail(f"{at}/{extra[0]}", f"not a field of '{kind}'"))
    missing = sorted(required - set(choice))
    if missing:
        raise ChoiceRefused(ErrorDetail(f"{at}/{missing[0]}", "is required"))
    for name in ("data", "output"):
        if name in choice and not isinstance(choice[name], dict):
            raise ChoiceRefused(ErrorDetail(f"{at}/{name}", "must be an object"))
    for name in ("task", "form", "timer", "call", "subflow", "message", "outcome", "result",
                 "status", "reason"):  # `message` is a key or, for answers, a text
        if name in choice and not isinstance(choice[name], str):
            raise ChoiceRefused(ErrorDetail(f"{at}/{name}", "must be text"))
    return _BUILDERS[kind](choice, at, state, pending, now)


def _unknown(at: str, what: str, key: str, offered: list[str]) -> ChoiceRefused:
    open_ = ", ".join(offered) if offered else "none"
    return ChoiceRefused(
        ErrorDetail(at, f"there is no open {what} {key!r} at this point (open: {open_})")
    )


def _task(c: dict, at: str, state: InstanceState, pending: Pending, now: datetime) -> Event:
    task = next((t for t in state.tasks if t.kind == "task" and t.key == c["task"]), None)
    if task is None:
        keys = [t.key for t in state.tasks if t.kind == "task"]
        raise _unknown(f"{at}/task", "task", c["task"], keys)
    return TaskCompleted(task.node_id, task.activation, task.key, c["outcome"],
                         c.get("data", {}), ACTOR, at=now)


def _form(c: dict, at: str, state: InstanceState, pending: Pending, now: datetime) -> Event:
    form = next((t for t in state.tasks if t.kind == "form" and t.key == c["form"]), None)
    if form is None:
        keys = [t.key for t in state.tasks if t.kind == "form"]
        raise _unknown(f"{at}/form", "form request", c["form"], keys)
    return FormSubmitted(form.node_id, form.activation, c.get("data", {}), ACTOR, at=now)


def _timer(c: dict, at: str, state: InstanceState, pending: Pending, now: datetime) -> Event:
    timer = next((t for t in state.timers if t.key == c["timer"]), None)
    if timer is None:
        raise _unknown(f"{at}/timer", "timer", c["timer"], [t.key for t in state.timers])
    # Firing a timer by hand moves the test run's clock to when it was due.
    return TimerFired(timer.key, at=max(now, datetime.fromisoformat(timer.due_at)))


def _service(c: dict, at: str, state: InstanceState, pending: Pending, now: datetime) -> Event:
    call = pending.calls.get(c["call"])
    if call is None:
        raise _unknown(f"{at}/call", "connector call", c["call"], list(pending.calls))
    where = {"node_id": call.node_id, "activation": call.activation, "at": now}
    result = c["result"]
    if result not in SERVICE_RESULTS:
        raise ChoiceRefused(
            ErrorDetail(f"{at}/result", f"is one of {', '.join(SERVICE_RESULTS)}")
        )
    message = c.get("message") or ""
    if result == "success":
        return ServiceSucceeded(**where, output=c.get("output", {}))
    if result == "error":
        return ServiceFailed(**where, kind="client", status=400,
                             message=message or "refused in the test run")
    if result == "unavailable":
        return RetriesExhausted(**where, message=message or "unavailable in the test run")
    if not is_computable(call):
        raise ChoiceRefused(ErrorDetail(
            f"{at}/result", f"{call.connector}.{call.action} is not a platform function: "
            "answer it with success, error or unavailable"))
    try:
        return ServiceSucceeded(**where, output=functions.call(call.action, call.inputs))
    except functions.FunctionInputError as err:
        return ServiceFailed(**where, kind="client", status=422, message=str(err))


def is_computable(call: CallConnector) -> bool:
    """A pure platform function: the test run may run it itself (no outside system)."""
    return call.connector == functions.BUILTIN_CONNECTOR and call.action in functions.names()


def _subflow(c: dict, at: str, state: InstanceState, pending: Pending, now: datetime) -> Event:
    start = pending.subflows.get(c["subflow"])
    if start is None:
        raise _unknown(f"{at}/subflow", "subflow", c["subflow"], list(pending.subflows))
    status = c.get("status", "completed")
    if status not in SUBFLOW_STATUSES:
        raise ChoiceRefused(
            ErrorDetail(f"{at}/status", f"is one of {', '.join(SUBFLOW_STATUSES)}")
        )
    return SubflowEnded(start.node_id, start.activation, status, c.get("output", {}), at=now)


def _message(c: dict, at: str, state: InstanceState, pending: Pending, now: datetime) -> Event:
    wait = next((m for m in state.messages if m.key == c["message"]), None)
    if wait is None:
        keys = [m.key for m in state.messages]
        raise _unknown(f"{at}/message", "message wait", c["message"], keys)
    return MessageReceived(wait.name, wait.correlation, c.get("data", {}), at=now)


def _retry(c: dict, at: str, state: InstanceState, pending: Pending, now: datetime) -> Event:
    if not state.incidents:
        raise ChoiceRefused(ErrorDetail(at, "there is no incident to retry at this point"))
    return IncidentRetried(ACTOR, at=now)


def _cancel(c: dict, at: str, state: InstanceState, pending: Pending, now: datetime) -> Event:
    return Cancelled(c.get("reason") or "cancelled in the test run", ACTOR, at=now)


_BUILDERS: dict[str, Callable[[dict, str, InstanceState, Pending, datetime], Event]] = {
    "complete_task": _task,
    "submit_form": _form,
    "fire_timer": _timer,
    "answer_service": _service,
    "end_subflow": _subflow,
    "send_message": _message,
    "retry_incidents": _retry,
    "cancel": _cancel,
}
