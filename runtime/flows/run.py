"""One `advance` at work: a mutable working copy of the state, thrown away on error.

`Run` is the only mutable object in the engine. `advance` builds one from the frozen
state, lets the event's handler and the nodes change it through the methods below,
then freezes it into the next `InstanceState`. An exception (a refused event) drops
the copy, so the caller's state is never half-changed.

Rules this class keeps in one place:

* activation numbers grow per node each time a token enters it, and every key is
  `"{instance}:{node}:{activation}[:suffix]"`;
* leaving a waiting node cancels its open tasks, timers and message waits (`close`);
* routing takes the first edge (in edge order) whose condition holds, else the
  `default` edge; finding none holds the token in an incident, never drops it;
* an `end` node ends the whole instance (`terminate`): every other token, task, timer,
  message wait and subflow is cancelled (BPMN's terminate end event);
* at most MAX_STEPS node entries per event, so a loop without a waiting node becomes
  an incident instead of hanging the worker.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from runtime.flows.effects import (
    CancelSubflow,
    CancelTask,
    CancelTimer,
    Effect,
    InstanceEnded,
    ScheduleTimer,
)
from runtime.flows.errors import NodeFailed
from runtime.flows.history import LogRecord
from runtime.flows.records import PLAIN_TYPES, to_json
from runtime.flows.spec import EdgeSpec
from runtime.flows.state import (
    SCHEMA_VERSION,
    Incident,
    InstanceState,
    JoinState,
    MessageWait,
    OpenTask,
    OpenTimer,
    Token,
)
from runtime.flows.status import InstanceStatus, transition
from runtime.rules import DecisionTable, RuleError
from runtime.timeutil import BusinessDuration, Duration

if TYPE_CHECKING:
    from runtime.flows.environment import Environment
    from runtime.flows.spec import FlowSpec

MAX_STEPS = 10_000
"""Node entries allowed while handling one event."""


class Run:
    def __init__(self, spec: FlowSpec, state: InstanceState, env: Environment) -> None:
        self.spec, self.env, self.now = spec, env, env.now
        self.instance_id = state.instance_id
        self.status = state.status
        self.variables: dict[str, Any] = state.variables
        self.tokens = {t.id: t for t in state.tokens}
        self.activations = dict(state.activations)
        self.joins = {j.node_id: j for j in state.joins}
        self.tasks = {t.key: t for t in state.tasks}
        self.timers = {t.key: t for t in state.timers}
        self.messages = {m.key: m for m in state.messages}
        self.incidents = list(state.incidents)
        self.seq = state.seq
        self.next_token = state.next_token
        self.queue: deque[Token] = deque()
        self.effects: list[Effect] = []
        self.log: list[LogRecord] = []
        self.ended = self.status.is_terminal

    # -- keys, effects, history -----------------------------------------------------

    def key(self, token: Token, *suffix: str | int) -> str:
        return ":".join([self.instance_id, token.node_id, str(token.activation), *map(str, suffix)])

    def emit(self, effect: Effect) -> None:
        self.effects.append(effect)

    def record(
        self,
        what: str,
        /,
        token: Token | None = None,
        node_id: str | None = None,
        activation: int | None = None,
        **data: Any,
    ) -> None:
        if token is not None:
            node_id, activation = token.node_id, token.activation
        for value in data.values():  # usually all plain: then `data` is kept as it is
            if type(value) not in PLAIN_TYPES:
                data = {k: v if type(v) in PLAIN_TYPES else to_json(v) for k, v in data.items()}
                break
        self.log.append(LogRecord(self.seq, what, node_id, activation, data))

    # -- tokens ----------------------------------------------------------------------

    def new_token_id(self) -> int:
        self.next_token += 1
        return self.next_token - 1

    def enqueue(self, node_id: str, token_id: int) -> Token:
        """Let a token enter `node_id` with the node's next activation number."""
        activation = self.activations.get(node_id, 0) + 1
        self.activations[node_id] = activation
        token = Token(token_id, node_id, activation)
        self.queue.append(token)
        return token

    def park(self, token: Token) -> None:
        self.tokens[token.id] = token

    def token_at(self, node_id: str, activation: int) -> Token | None:
        for token in self.tokens.values():
            if token.node_id == node_id and token.activation == activation:
                return token
        return None

    def drain(self) -> None:
        """Run automatic nodes until every token waits (or the instance ends)."""
        steps = 0
        while self.queue and not self.ended:
            token = self.queue.popleft()
            steps += 1
            if steps > MAX_STEPS:
                reason = (
                    f"more than {MAX_STEPS} automatic steps for one event: the flow "
                    "loops without reaching a waiting node"
                )
                for held in (token, *self.queue):
                    self.hold(held, "enter", "step_limit", reason)
                self.queue.clear()
                return
            node = self.spec.node(token.node_id)
            self.log.append(LogRecord(self.seq, "node_entered", token.node_id,  # = record()
                                      token.activation, {"node_type": node.type}))
            try:
                node.enter(self, token)
            except NodeFailed as exc:
                self.hold(token, "enter", exc.kind, exc.reason)
            except RuleError as exc:
                self.hold(token, "enter", "rule_error", str(exc))

    # -- routing ---------------------------------------------------------------------

    def route(self, token: Token, *, outcome: str | None = None, on: str | None = None) -> None:
        """Leave over the first matching edge; hold the token in an incident if none."""
        chosen = self.spec.exits(token.node_id, on, outcome)
        if outcome is not None and not chosen:
            chosen = self.spec.exits(token.node_id, on, None)
        try:
            edge = self.choose(chosen)
        except RuleError as exc:
            self._no_route(token, outcome, on, "rule_error", str(exc))
            return
        if edge is None:
            what = f"outcome {outcome!r}" if outcome else (f"'{on}'" if on else "the variables")
            self._no_route(
                token,
                outcome,
                on,
                "no_route",
                f"node {token.node_id!r} has no outgoing edge for {what}",
            )
            return
        self.follow(token, edge)

    def choose(self, edges: Iterable[EdgeSpec]) -> EdgeSpec | None:
        default = None
        for edge in edges:
            if edge.default:
                default = default or edge
            elif edge.holds(self.variables, self.now):
                return edge
        return default

    def follow(self, token: Token, edge: EdgeSpec) -> None:
        self.tokens.pop(token.id, None)
        self.spec.node(edge.target).arrive(self, token, edge)

    def _no_route(
        self, token: Token, outcome: str | None, on: str | None, kind: str, reason: str
    ) -> None:
        data = {**token.data, "leave": {"outcome": outcome, "on": on}}
        self.hold(token.evolve(data=data), "leave", kind, reason)

    # -- incidents -------------------------------------------------------------------

    def hold(self, token: Token, resume: str, kind: str, reason: str) -> None:
        """Keep `token` at its node in an incident; `incident_retried` resumes it."""
        self.tokens[token.id] = token.evolve(resume=resume)
        self.incidents.append(Incident(token.id, token.node_id, token.activation, kind, reason))
        self.record("incident_raised", token, kind=kind, reason=reason)

    # -- waiting: tasks, timers, messages --------------------------------------------

    def tasks_of(self, token: Token) -> list[OpenTask]:
        return [
            t
            for t in self.tasks.values()
            if t.node_id == token.node_id and t.activation == token.activation
        ]

    def add_task(self, task: OpenTask) -> None:
        self.tasks[task.key] = task

    def schedule(self, token: Token, purpose: str, at: datetime) -> None:
        key = self.key(token, *purpose.split(":"))
        due = at.astimezone(UTC).isoformat()
        self.timers[key] = OpenTimer(key, token.node_id, token.activation, purpose, due)
        self.emit(ScheduleTimer(key, due, purpose, token.node_id, token.activation))

    def wait_for_message(self, token: Token, name: str, correlation: str) -> None:
        key = self.key(token, "message")
        self.messages[key] = MessageWait(key, name, correlation, token.node_id, token.activation)

    def close(self, token: Token, reason: str) -> None:
        """Leave a waiting node: cancel what it still has open, drop the parked token."""
        for task in self.tasks_of(token):
            del self.tasks[task.key]
            self.emit(CancelTask(task.key, task.node_id, task.activation, reason))
        for timer in [
            t
            for t in self.timers.values()
            if t.node_id == token.node_id and t.activation == token.activation
        ]:
            del self.timers[timer.key]
            self.emit(CancelTimer(timer.key, timer.node_id, timer.activation))
        for wait in [
            m
            for m in self.messages.values()
            if m.node_id == token.node_id and m.activation == token.activation
        ]:
            del self.messages[wait.key]
        self.tokens.pop(token.id, None)
        if any(i.token_id == token.id for i in self.incidents):
            self.incidents = [i for i in self.incidents if i.token_id != token.id]
            self.record("incident_resolved", token, reason=reason)

    def terminate(self, status: InstanceStatus, reason: str, node_id: str | None = None) -> None:
        """End the whole instance: cancel everything still open, then `instance_ended`."""
        for token in sorted(self.tokens.values(), key=lambda t: t.id):
            node = self.spec.node(token.node_id) if self.spec.has_node(token.node_id) else None
            if node is not None and node.type == "subflow":
                self.emit(CancelSubflow(self.key(token), token.node_id, token.activation, reason))
            self.close(token, reason)
        for task in list(self.tasks.values()):
            del self.tasks[task.key]
            self.emit(CancelTask(task.key, task.node_id, task.activation, reason))
        for timer in list(self.timers.values()):
            del self.timers[timer.key]
            self.emit(CancelTimer(timer.key, timer.node_id, timer.activation))
        self.tokens.clear()
        self.messages.clear()
        self.joins.clear()
        self.queue.clear()
        self.incidents.clear()
        self.status = transition(self.status, status)
        self.ended = True
        self.emit(InstanceEnded(f"{self.instance_id}:ended", status.value, node_id, reason))
        self.record("instance_ended", node_id=node_id, status=status.value, reason=reason)

    def set_join(self, join: JoinState | None, node_id: str) -> None:
        if join is None:
            self.joins.pop(node_id, None)
        else:
            self.joins[node_id] = join

    # -- the world: tables and time ---------------------------------------------------

    def table(self, key: str) -> DecisionTable:
        table = self.env.tables.get(key)
        if table is None:
            raise NodeFailed(f"decision table {key!r} is not available", "missing_table")
        return table

    def shift(
        self,
        moment: datetime,
        duration: Duration | BusinessDuration,
        team: str | None = None,
        *,
        forward: bool = True,
    ) -> datetime:
        """`moment` moved by `duration`; business time counts on the team's calendar."""
        if isinstance(duration, Duration):
            return duration.add_to(moment) if forward else duration.subtract_from(moment)
        calendar = self.env.calendar(duration.calendar, team)
        if forward:
            return calendar.add_business_time(moment, duration.amount)
        return calendar.subtract_business_time(moment, duration.amount)

    # -- the end of the step ---------------------------------------------------------

    def settle(self) -> None:
        if self.ended:
            return
        if not self.tokens and not self.incidents:
            waiting = ", ".join(sorted(self.joins)) or "nothing"
            self.incidents.append(
                Incident(
                    0,
                    next(iter(sorted(self.joins)), ""),
                    0,
                    "deadlock",
                    f"no token is left, but the flow waits at {waiting}",
                )
            )
            self.record("incident_raised", kind="deadlock", waiting=waiting)
        target = InstanceStatus.INCIDENT if self.incidents else InstanceStatus.WAITING
        self.status = transition(self.status, target)

    def freeze(self) -> InstanceState:
        return InstanceState.assemble(
            instance_id=self.instance_id,
            status=self.status,
            variables=self.variables,
            tokens=tuple(sorted(self.tokens.values(), key=lambda t: t.id)),
            activations=dict(self.activations),
            joins=tuple(self.joins.values()),
            tasks=tuple(self.tasks.values()),
            timers=tuple(self.timers.values()),
            messages=tuple(self.messages.values()),
            incidents=tuple(self.incidents),
            seq=self.seq,
            next_token=self.next_token,
            schema_version=SCHEMA_VERSION,
        )
