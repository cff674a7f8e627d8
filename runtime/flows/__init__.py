"""The flow engine (DESIGN §4): compile a flow once, then advance instances purely.

Public API::

    compile_flow(doc, key="", version=0) -> FlowSpec     DefinitionInvalid(errors) on problems
    lint_flow(spec) -> list[ErrorDetail]                  warnings for the publish linter
    new_state(instance_id) -> InstanceState               before the `started` event
    advance(spec, state, event, env) -> Step              Step(state, effects, log)
    replay(spec, events, env_at, *, instance_id) -> InstanceState
    migrate_state(old_spec, new_spec, state, node_map) -> InstanceState
    default_node_map(old_spec, new_spec, state) -> dict[str, str]
    events_from_log(log_records) -> list[Event]
    event_from_dict(d) / effect_from_dict(d) / InstanceState.from_dict(d); .to_dict() on all
    Environment(now, tables={}, calendars={}, default_calendar=DEFAULT_CALENDAR)

`advance` is pure: no clock (`env.now`), no randomness, no I/O. The app stores
`step.state` (with `state.seq` / its own version column for optimistic locking),
writes `step.effects` to its outbox and appends `step.log` to instance_events, all in
one transaction. `EventRefused` (a Conflict: HTTP 409) means the event lost a race;
`BadEvent` (400) that it is malformed. Stale timers and late connector answers are
not errors: they log and change nothing but `seq`.

**End rule**: an `end` node ends the whole instance (terminate end event), cancelling
every other token, task, timer, message wait and subflow - see nodes/simple.py.

JSON shapes (`to_dict()`; `*_from_dict` reads them back)::

    event   {"type": "task_completed", "at": "2026-03-02T10:30:00+00:00",
             "node_id": "review", "activation": 1, "task_key": "RMA-7:review:1",
             "outcome": "approve", "data": {"note": "ok"}, "actor": "ana@example.com"}
    effect  {"type": "schedule_timer", "key": "RMA-7:review:1:timeout",
             "due_at": "2026-03-04T17:00:00+00:00", "purpose": "timeout",
             "node_id": "review", "activation": 1}
    state   {"schema_version": 1, "instance_id": "RMA-7", "status": "waiting",
             "variables": {...}, "seq": 2, "next_token": 2,
             "tokens": [{"id": 1, "node_id": "review", "activation": 1, "resume": "",
                         "data": {}}],
             "activations": {"start": 1, "policy": 1, "review": 1},
             "tasks": [{"key": "RMA-7:review:1", "node_id": "review", "activation": 1,
                        "kind": "task", "assignee": {"role": "cs_agent",
                        "strategy": "pool"}, "index": null}],
             "timers": [{"key": "RMA-7:review:1:timeout", "node_id": "review",
                         "activation": 1, "purpose": "timeout", "due_at": "..."}],
             "messages": [], "joins": [], "incidents": []}
    log     {"seq": 2, "type": "task_completed", "node_id": "review", "activation": 1,
             "data": {"task_key": "RMA-7:review:1", "outcome": "approve", ...}}

What the app does with each effect: see effects.py.

Module map: spec.py (FlowSpec, EdgeSpec), compile.py, nodes/ (one module per node
type, `NODE_TYPES` registry), mapping.py (paths and mappings), state.py, events.py,
effects.py, history.py (LogRecord), status.py (InstanceStatus, transition),
environment.py, run.py (the working copy), engine.py, replay.py, migrate.py.
"""

from __future__ import annotations

from runtime.flows.compile import compile_flow, lint_flow
from runtime.flows.effects import (
    EFFECT_TYPES,
    CallConnector,
    CancelSubflow,
    CancelTask,
    CancelTimer,
    CompleteTask,
    CreateTask,
    Effect,
    EffectType,
    InstanceEnded,
    ReassignTask,
    RemindTask,
    RequestForm,
    ScheduleTimer,
    SendNotification,
    StartSubflow,
    effect_from_dict,
)
from runtime.flows.engine import Step, advance
from runtime.flows.environment import Environment
from runtime.flows.errors import BadEvent, EventRefused
from runtime.flows.events import (
    EVENT_TYPES,
    Cancelled,
    Event,
    EventType,
    FailureKind,
    FormSubmitted,
    IncidentRetried,
    MessageReceived,
    RetriesExhausted,
    ServiceFailed,
    ServiceSucceeded,
    Started,
    SubflowEnded,
    TaskCompleted,
    TimerFired,
    event_from_dict,
)
from runtime.flows.history import LogRecord, events_from_log
from runtime.flows.migrate import default_node_map, migrate_state
from runtime.flows.nodes import NODE_TYPES
from runtime.flows.replay import replay
from runtime.flows.spec import EdgeSpec, FlowSpec
from runtime.flows.state import (
    SCHEMA_VERSION,
    Incident,
    InstanceState,
    JoinState,
    MessageWait,
    OpenTask,
    OpenTimer,
    Token,
    new_state,
)
from runtime.flows.status import InstanceStatus, transition

__all__ = [
    "EFFECT_TYPES",
    "EVENT_TYPES",
    "NODE_TYPES",
    "SCHEMA_VERSION",
    "BadEvent",
    "CallConnector",
    "CancelSubflow",
    "CancelTask",
    "CancelTimer",
    "Cancelled",
    "CompleteTask",
    "CreateTask",
    "EdgeSpec",
    "Effect",
    "EffectType",
    "Environment",
    "Event",
    "EventRefused",
    "EventType",
    "FailureKind",
    "FlowSpec",
    "FormSubmitted",
    "Incident",
    "IncidentRetried",
    "InstanceEnded",
    "InstanceState",
    "InstanceStatus",
    "JoinState",
    "LogRecord",
    "MessageReceived",
    "MessageWait",
    "OpenTask",
    "OpenTimer",
    "ReassignTask",
    "RemindTask",
    "RequestForm",
    "RetriesExhausted",
    "ScheduleTimer",
    "SendNotification",
    "ServiceFailed",
    "ServiceSucceeded",
    "StartSubflow",
    "Started",
    "Step",
    "SubflowEnded",
    "TaskCompleted",
    "TimerFired",
    "Token",
    "advance",
    "compile_flow",
    "default_node_map",
    "effect_from_dict",
    "event_from_dict",
    "events_from_log",
    "lint_flow",
    "migrate_state",
    "new_state",
    "replay",
    "transition",
]
