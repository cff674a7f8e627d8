"""`advance`: the pure core. One event in; the next state, effects and history out.

    advance(spec, state, event, env) -> Step(state, effects, log)

No clock, no randomness, no I/O: time comes from `env.now`, decision tables and team
calendars from `env`. Automatic nodes run until every token waits (run.py). The same
inputs always give the same Step, which is what makes `replay` and the app's
optimistic locking work: two workers racing on one instance compute the same thing,
one commits, the other's write is refused.

What happens to an event that no longer fits:

* a timer that is no longer scheduled, a connector or subflow answer for a node that
  was left, a message nobody waits for, anything late for an ended instance: the step
  changes nothing but `seq` and logs why (`timer_ignored`, `event_ignored`, …);
* a task completion or form submission for something no longer open, `cancelled` or
  `incident_retried` that cannot apply, a second `started`: `EventRefused` (HTTP 409).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from runtime.flows.effects import Effect
from runtime.flows.environment import Environment
from runtime.flows.errors import BadEvent, EventRefused
from runtime.flows.events import (
    Cancelled,
    Event,
    EventType,
    FormSubmitted,
    IncidentRetried,
    MessageReceived,
    Started,
    SubflowEnded,
    TaskCompleted,
    TimerFired,
)
from runtime.flows.history import LogRecord
from runtime.flows.records import json_copy
from runtime.flows.run import Run
from runtime.flows.spec import FlowSpec
from runtime.flows.state import InstanceState
from runtime.flows.status import InstanceStatus, transition

#: Events that may arrive late (after the thing they answer is gone) without an error.
LATE_OK = frozenset(
    {
        EventType.TIMER_FIRED,
        EventType.SERVICE_SUCCEEDED,
        EventType.SERVICE_FAILED,
        EventType.RETRIES_EXHAUSTED,
        EventType.MESSAGE_RECEIVED,
        EventType.SUBFLOW_ENDED,
    }
)


#: A token held in an incident before it entered its node, or after it was answered,
#: waits for `incident_retried` only; a duplicate answer must not move it on.
HELD = frozenset({"enter", "leave"})


@dataclass(frozen=True)
class Step:
    """The result of one `advance`: persist `state`, outbox `effects`, append `log`."""

    state: InstanceState
    effects: tuple[Effect, ...]
    log: tuple[LogRecord, ...]


def advance(spec: FlowSpec, state: InstanceState, event: Event, env: Environment) -> Step:
    """Apply `event` to `state`; raises EventRefused/BadEvent and changes nothing then."""
    if not isinstance(event, Event):
        raise BadEvent("advance takes an Event (see event_from_dict)")
    if event.at is not None and event.at.utcoffset() is None:
        raise BadEvent("an event's 'at' must be an aware datetime")
    run = Run(spec, state, env)
    if run.ended:
        if event.type not in LATE_OK:
            raise EventRefused(f"the instance has already ended ({state.status.value})")
        _begin(run, event)
        run.record("event_ignored", reason=f"the instance has ended ({state.status.value})")
        return _step(run)
    if state.seq == 0 and event.type is not EventType.STARTED:
        raise EventRefused("the instance has not started yet")
    if state.seq > 0 and event.type is EventType.STARTED:
        raise EventRefused("the instance has already started")
    _begin(run, event)
    HANDLERS[event.type](run, event)
    run.drain()
    run.settle()
    return _step(run)


def _begin(run: Run, event: Event) -> None:
    run.seq += 1
    if not run.ended:
        run.status = transition(run.status, InstanceStatus.RUNNING)
    run.log.append(LogRecord(run.seq, "event", None, None, event.to_dict()))


def _step(run: Run) -> Step:
    return Step(run.freeze(), tuple(run.effects), tuple(run.log))


# -- handlers, one per event type ------------------------------------------------------


def _started(run: Run, event: Started) -> None:
    run.variables = {**json_copy(run.spec.defaults), **json_copy(event.variables)}
    run.enqueue(run.spec.start, run.new_token_id())


def _task_completed(run: Run, event: TaskCompleted) -> None:
    task = run.tasks.get(event.task_key)
    if (
        task is None
        or task.kind != "task"
        or (task.node_id, task.activation) != (event.node_id, event.activation)
    ):
        raise EventRefused(
            f"task {event.task_key} is no longer open: it was completed, "
            "decided or timed out already"
        )
    token = run.token_at(task.node_id, task.activation)
    assert token is not None, "an open task always has its token"
    run.spec.node(task.node_id).on_task_completed(run, token, task, event)  # type: ignore[attr-defined]


def _form_submitted(run: Run, event: FormSubmitted) -> None:
    task = next(
        (
            t
            for t in run.tasks.values()
            if t.kind == "form" and (t.node_id, t.activation) == (event.node_id, event.activation)
        ),
        None,
    )
    if task is None:
        raise EventRefused(f"form {event.node_id}#{event.activation} is no longer expected")
    token = run.token_at(task.node_id, task.activation)
    assert token is not None, "an open form request always has its token"
    run.spec.node(task.node_id).on_form_submitted(run, token, task, event)  # type: ignore[attr-defined]


def _timer_fired(run: Run, event: TimerFired) -> None:
    timer = run.timers.pop(event.timer_key, None)
    token = timer and run.token_at(timer.node_id, timer.activation)
    if timer is None or token is None:
        run.record("timer_ignored", timer_key=event.timer_key, reason="no longer scheduled")
        return
    run.record("timer_fired", token, purpose=timer.purpose, timer_key=timer.key)
    run.spec.node(timer.node_id).on_timer(run, token, timer)  # type: ignore[attr-defined]


def _service(run: Run, event: Event) -> None:
    node_id, activation = event.node_id, event.activation  # type: ignore[attr-defined]
    token = run.token_at(node_id, activation)
    if token is None or run.spec.node(node_id).type != "service" or token.resume in HELD:
        run.record(
            "event_ignored",
            node_id=node_id,
            activation=activation,
            reason="the service node was left already",
        )
        return
    run.spec.node(node_id).on_service_event(run, token, event)  # type: ignore[attr-defined]


def _message(run: Run, event: MessageReceived) -> None:
    waits = [
        m
        for m in run.messages.values()
        if (m.name, m.correlation) == (event.name, event.correlation)
    ]
    if not waits:
        run.record("message_ignored", name=event.name, correlation=event.correlation)
    for wait in waits:
        token = run.token_at(wait.node_id, wait.activation)
        if token is not None and wait.key in run.messages:
            run.spec.node(wait.node_id).on_message(run, token, wait, event)  # type: ignore[attr-defined]


def _subflow_ended(run: Run, event: SubflowEnded) -> None:
    token = run.token_at(event.node_id, event.activation)
    if token is None or run.spec.node(event.node_id).type != "subflow" or token.resume:
        run.record(
            "event_ignored",
            node_id=event.node_id,
            activation=event.activation,
            reason="the subflow node was left already",
        )
        return
    run.spec.node(event.node_id).on_subflow_ended(run, token, event)  # type: ignore[attr-defined]


def _cancelled(run: Run, event: Cancelled) -> None:
    run.terminate(InstanceStatus.CANCELLED, event.reason or "cancelled", None)


def _incident_retried(run: Run, event: IncidentRetried) -> None:
    if not run.incidents:
        raise EventRefused("the instance has no incident to retry")
    held = [t for t in sorted(run.tokens.values(), key=lambda t: t.id) if t.resume]
    run.record("incident_retried", actor=event.actor, incidents=len(run.incidents))
    run.incidents.clear()
    for token in held:
        node = run.spec.node(token.node_id)
        data = {k: v for k, v in token.data.items() if k != "leave"}
        cleared = token.evolve(resume="", data=data)
        if token.resume == "enter":
            del run.tokens[token.id]
            run.queue.append(cleared)
        elif token.resume == "leave":
            run.tokens[token.id] = cleared
            node.leave(run, cleared, **token.data.get("leave", {}))
        else:
            node.retry_call(run, cleared)  # type: ignore[attr-defined]


HANDLERS: dict[EventType, Callable[[Run, Event], None]] = {
    EventType.STARTED: _started,  # type: ignore[dict-item]
    EventType.FORM_SUBMITTED: _form_submitted,  # type: ignore[dict-item]
    EventType.TASK_COMPLETED: _task_completed,  # type: ignore[dict-item]
    EventType.TIMER_FIRED: _timer_fired,  # type: ignore[dict-item]
    EventType.SERVICE_SUCCEEDED: _service,
    EventType.SERVICE_FAILED: _service,
    EventType.RETRIES_EXHAUSTED: _service,
    EventType.INCIDENT_RETRIED: _incident_retried,  # type: ignore[dict-item]
    EventType.MESSAGE_RECEIVED: _message,  # type: ignore[dict-item]
    EventType.SUBFLOW_ENDED: _subflow_ended,  # type: ignore[dict-item]
    EventType.CANCELLED: _cancelled,  # type: ignore[dict-item]
}


def environment_at(env: Environment, event: Event) -> Environment:
    """`env` with `now` taken from the event's `at` (when it has one)."""
    return env if event.at is None else replace(env, now=event.at)
