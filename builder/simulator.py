"""Test run of a draft flow: the real engine, driven by the builder's choices.

Why replay instead of keeping a run on the server: a test run is a sketch, not a case.
The browser sends the draft body, the start variables and the list of choices made so
far; this module starts a fresh instance and replays them through `runtime.flows.advance`
(the same engine real cases run on, so the test run cannot disagree with production).
Nothing is stored and nothing outside is touched: effects are only reported. Tasks,
form requests, timers, connector calls, subflows and message waits become `pending`
items the user answers; connector calls are answered by the user (or, for pure platform
functions, computed here), never sent.

    simulate(body, variables, choices, started_at=..., tables=..., calendars=...)
        -> Simulation        SimulationInvalid(errors at JSON pointers) on bad input

Bounds: MAX_CHOICES choices, MAX_BODY_CHARS of flow JSON, MAX_VARIABLES_CHARS of
variables, MAX_NODE_ENTRIES node entries over the whole run (a loop without a waiting
node stops with a clear error instead of holding a worker), and at most
MAX_RECORDS_PER_STEP history records per step in the answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from builder.simulator_choices import ACTOR, ChoiceRefused, Pending, choice_event, is_computable
from runtime.exceptions import DefinitionInvalid, ErrorDetail, FlowError, FormloomError
from runtime.flows import (
    CallConnector,
    CancelSubflow,
    Environment,
    FlowSpec,
    InstanceState,
    Started,
    StartSubflow,
    advance,
    compile_flow,
    new_state,
)
from runtime.rules import DecisionTable
from runtime.timeutil import BusinessCalendar

MAX_CHOICES = 200
MAX_BODY_CHARS = 300_000
MAX_VARIABLES_CHARS = 50_000
MAX_NODE_ENTRIES = 20_000
MAX_RECORDS_PER_STEP = 200
INSTANCE_ID = "test"
#: Start dates allowed: deadlines are computed from them, and must stay representable.
YEARS = (1970, 2999)


class SimulationInvalid(FormloomError):
    """The request cannot be simulated; every problem at a JSON pointer (HTTP 400)."""

    code = "test_run_invalid"

    def __init__(self, errors: list[ErrorDetail]) -> None:
        super().__init__(errors[0].reason if len(errors) == 1 else f"{len(errors)} problems")
        self.errors = errors


@dataclass(frozen=True)
class Simulation:
    """Where the test run stands after the last choice, and how it got there."""

    started_at: datetime
    now: datetime
    state: InstanceState
    pending: tuple[dict[str, Any], ...]
    history: tuple[dict[str, Any], ...]
    visited: tuple[str, ...]
    edges_taken: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        state = self.state
        return {
            "started_at": self.started_at.isoformat(),
            "now": self.now.isoformat(),
            "status": state.status.value,
            "ended": state.is_ended,
            "variables": state.variables,
            "active": sorted({t.node_id for t in state.tokens}),
            "incidents": [i.to_dict() for i in state.incidents],
            "visited": list(self.visited),
            "edges_taken": list(self.edges_taken),
            "pending": list(self.pending),
            "history": list(self.history),
        }


def simulate(
    body: Any,
    variables: Any,
    choices: Any,
    *,
    started_at: datetime,
    tables: Mapping[str, DecisionTable] | None = None,
    calendars: Mapping[str, BusinessCalendar] | None = None,
) -> Simulation:
    """Start the draft with `variables`, apply `choices` in order, report where it stands."""
    spec = _compile(body)
    _check_inputs(variables, choices, started_at)
    tracer = _Tracer(spec)

    def env(now: datetime) -> Environment:
        return Environment(now=now, tables={} if tables is None else tables,
                           calendars={} if calendars is None else calendars)

    now = started_at
    state = new_state(INSTANCE_ID)
    pending = Pending({}, {})
    history: list[dict[str, Any]] = []
    visited: dict[str, None] = {}  # node ids in the order first entered
    entries = 0
    for number in (None, *range(len(choices))):  # None: the start
        at = "/variables" if number is None else f"/choices/{number}"
        action = {"type": "start", "variables": variables} if number is None else choices[number]
        try:
            event = (Started(variables, ACTOR, at=started_at) if number is None
                     else choice_event(action, at, state, pending, now))
            now = event.at or now
            step = advance(tracer, state, event, env(now))
        except ChoiceRefused as refused:
            raise SimulationInvalid([refused.detail]) from None
        except FlowError as err:  # the engine refused it: a wrong outcome, an ended run
            raise SimulationInvalid([ErrorDetail(at, str(err))]) from None
        except OverflowError:  # a deadline past the year 9999, e.g. after many timers
            raise SimulationInvalid(
                [ErrorDetail(at, "a date in this run is out of range")]) from None
        state = step.state
        _remember(pending, step.effects, state)
        entered = [r.node_id for r in step.log if r.type == "node_entered"]
        visited.update(dict.fromkeys(entered))
        entries += len(entered)
        if entries > MAX_NODE_ENTRIES:
            raise SimulationInvalid([ErrorDetail(at, (
                f"the test run entered more than {MAX_NODE_ENTRIES} steps: "
                "the flow loops without reaching a waiting step"))])
        history.append(_history_entry(len(history), action, now, step))
    return Simulation(
        started_at, now, state, tuple(_pending(spec, state, pending)), tuple(history),
        tuple(visited), tuple(dict.fromkeys(tracer.taken)),  # type: ignore[attr-defined]
    )


# -- input -------------------------------------------------------------------------------


def _compile(body: Any) -> FlowSpec:
    if not isinstance(body, dict):
        raise SimulationInvalid([ErrorDetail("/body", "must be a flow body (an object)")])
    if _size(body) > MAX_BODY_CHARS:
        raise SimulationInvalid([ErrorDetail(
            "/body", f"the flow is larger than {MAX_BODY_CHARS} characters of JSON")])
    try:
        return compile_flow(body, key="test-run", version=0)
    except DefinitionInvalid as exc:
        raise SimulationInvalid(
            [ErrorDetail(f"/body{e.pointer}", e.reason) for e in exc.errors]
        ) from None


def _check_inputs(variables: Any, choices: Any, started_at: datetime) -> None:
    problems = []
    if not isinstance(variables, dict):
        problems.append(ErrorDetail("/variables", "must be an object (the start variables)"))
    elif _size(variables) > MAX_VARIABLES_CHARS:
        problems.append(ErrorDetail(
            "/variables", f"larger than {MAX_VARIABLES_CHARS} characters of JSON"))
    if not isinstance(choices, list):
        problems.append(ErrorDetail("/choices", "must be a list of choices"))
    elif len(choices) > MAX_CHOICES:
        problems.append(ErrorDetail(
            "/choices", f"a test run takes at most {MAX_CHOICES} choices; reset it"))
    if not isinstance(started_at, datetime) or started_at.utcoffset() is None:
        problems.append(ErrorDetail("/started_at", "must be a date-time with a time zone"))
    elif not YEARS[0] <= started_at.year <= YEARS[1]:
        problems.append(
            ErrorDetail("/started_at", f"must be within the years {YEARS[0]}-{YEARS[1]}"))
    if problems:
        raise SimulationInvalid(problems)


def _size(value: Any) -> int:
    try:
        return len(json.dumps(value, separators=(",", ":")))
    except (TypeError, ValueError, RecursionError):
        raise SimulationInvalid([ErrorDetail("", "the input is not plain JSON")]) from None


# -- what the run waits for --------------------------------------------------------------


def _remember(pending: Pending, effects: tuple[Any, ...], state: InstanceState) -> None:
    """Keep the connector calls and subflows whose token still waits for their answer."""
    for effect in effects:
        if isinstance(effect, CallConnector):
            pending.calls[effect.key] = effect
        elif isinstance(effect, StartSubflow) and effect.wait:
            pending.subflows[effect.key] = effect
        elif isinstance(effect, CancelSubflow):
            pending.subflows.pop(effect.key, None)
    waiting = {f"{INSTANCE_ID}:{t.node_id}:{t.activation}" for t in state.tokens if not t.resume}
    for table in (pending.calls, pending.subflows):
        for key in [k for k in table if k not in waiting]:
            del table[key]


def _pending(spec: FlowSpec, state: InstanceState, pending: Pending) -> list[dict[str, Any]]:
    """Every action the user can take now, with what they need to decide it."""
    if state.is_ended:
        return []
    found: list[dict[str, Any]] = []
    for task in state.tasks:
        node = spec.node(task.node_id)
        item = {"key": task.key, "node": task.node_id, "activation": task.activation,
                "name": node.name or node.id, "assignee": task.assignee}
        if task.kind == "task":
            found.append({"kind": "task", **item, "title": getattr(node, "title", "") or
                          node.name or node.id, "outcomes": list(getattr(node, "outcomes", ())),
                          "form": getattr(node, "form", None), "approver": task.index})
        else:
            found.append({"kind": "form", **item, "form": getattr(node, "form", None),
                          "submitter": getattr(node, "submitter", None)})
    for call in pending.calls.values():
        found.append({"kind": "service", "key": call.key, "node": call.node_id,
                      "activation": call.activation, "connector": call.connector,
                      "action": call.action, "inputs": call.inputs,
                      "computable": is_computable(call)})
    for start in pending.subflows.values():
        found.append({"kind": "subflow", "key": start.key, "node": start.node_id,
                      "activation": start.activation, "flow": start.flow, "input": start.input})
    for wait in state.messages:
        found.append({"kind": "message", "key": wait.key, "node": wait.node_id,
                      "activation": wait.activation, "name": wait.name,
                      "correlation": wait.correlation})
    for timer in sorted(state.timers, key=lambda t: (t.due_at, t.key)):
        found.append({"kind": "timer", "key": timer.key, "node": timer.node_id,
                      "activation": timer.activation, "purpose": timer.purpose,
                      "due_at": timer.due_at})
    if state.incidents:
        found.append({"kind": "incident", "key": "incidents",
                      "incidents": [i.to_dict() for i in state.incidents]})
    return found


def _history_entry(number: int, action: Any, at: datetime, step: Any) -> dict[str, Any]:
    records = [r.to_dict() for r in step.log if r.type != "event"]
    omitted = max(0, len(records) - MAX_RECORDS_PER_STEP)
    return {
        "step": number,
        "action": action,
        "at": at.isoformat(),
        "records": records[:MAX_RECORDS_PER_STEP],
        "omitted_records": omitted,
        "effects": [e.to_dict() for e in step.effects],
        "status": step.state.status.value,
    }


# -- the path taken ----------------------------------------------------------------------


class _Tracer(FlowSpec):
    """The compiled spec, noting each arrow a token follows.

    The engine's log names the nodes entered but not the arrows between them, and the
    canvas marks both; wrapping `node()` lets the engine itself report every `arrive`
    without a change to the engine or to the history real cases store.
    """

    def __init__(self, spec: FlowSpec) -> None:
        super().__init__(spec.key, spec.version, spec.nodes, spec.edges, spec.start,
                         spec.defaults)
        object.__setattr__(self, "taken", [])  # edge indexes, in the order followed

    def node(self, node_id: str) -> Any:
        return _Arrivals(super().node(node_id), self.taken)  # type: ignore[attr-defined]


class _Arrivals:
    """A node spec that notes the edge of each arrival, and is the node otherwise."""

    __slots__ = ("_node", "_taken")

    def __init__(self, node: Any, taken: list[int]) -> None:
        self._node, self._taken = node, taken

    def __getattr__(self, name: str) -> Any:
        return getattr(self._node, name)

    def arrive(self, run: Any, token: Any, edge: Any) -> None:
        self._taken.append(edge.index)
        self._node.arrive(run, token, edge)
