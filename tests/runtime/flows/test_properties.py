"""Property test: random valid flows, random answers; the engine never loses a token.

Flows are built from nested blocks - user tasks (one or two outcomes, some going to an
end, some with timeouts), services (some with error edges), waits (duration or a
correlated message, some with timeouts), decisions whose branches converge again, and
parallel split/join pairs (all or N) whose branches each merge before the join. Each
example starts an instance and then answers what it waits for, picked at random -
including stale timers, 4xx/5xx/exhausted connectors, incident retries and cancel.

After every step: the status is settled (waiting, incident or ended); an ended instance
holds nothing open; a waiting one has only tokens that something can wake; open user
tasks match the tokens at user tasks; the state survives JSON; effect keys are unique;
and replaying the log's events rebuilds exactly the same state.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from runtime.flows import (
    Cancelled,
    EventRefused,
    IncidentRetried,
    InstanceState,
    InstanceStatus,
    MessageReceived,
    RetriesExhausted,
    ServiceFailed,
    ServiceSucceeded,
    TimerFired,
    compile_flow,
    lint_flow,
)
from tests.runtime.flows.kit import Driver, edge, node

MAX_STEPS = 30


class FlowBuilder:
    def __init__(self, draw):
        self.draw, self.nodes, self.edges = draw, [], []
        self.ids = itertools.count(1)
        self.decision_vars = []

    def add(self, kind, prefix, **config):
        node_id = f"{prefix}{next(self.ids)}"
        self.nodes.append(node(node_id, kind, **config))
        return node_id

    def connect(self, pending, target):
        for source, extra in pending:
            self.edges.append(edge(source, target, **extra))

    def end(self, status):
        return self.add("end", "e", status=status)

    def block(self, pending, depth):
        """Emit 1-3 elements after `pending`; return the block's open exits."""
        for _ in range(self.draw(st.integers(1, 3))):
            nested = ["decision", "parallel", "parallel"] if depth < 2 else []
            kinds = ["task", "service", "wait", *nested]
            pending = getattr(self, self.draw(st.sampled_from(kinds)))(pending, depth)
        return pending

    def task(self, pending, depth):
        outcomes = self.draw(st.sampled_from([["ok"], ["ok", "no"]]))
        config = {"assignee": {"role": "staff"}, "outcomes": outcomes}
        timeout = self.draw(
            st.sampled_from([None, "follow_edge", "escalate", "auto_complete", "cancel"])
        )
        if timeout:
            config["timeout"] = {"after": "PT4H", "action": timeout}
            if timeout == "escalate":
                config["timeout"]["to"] = "manager"
            if timeout == "auto_complete":
                config["timeout"]["outcome"] = outcomes[-1]
        if self.draw(st.booleans()):
            config["reminders"] = [{"after": "PT1H"}]
        t = self.add("user_task", "t", **config)
        self.connect(pending, t)
        exits = [(t, {"outcome": "ok"})]
        if len(outcomes) == 2:
            if self.draw(st.booleans()):
                self.connect([(t, {"outcome": "no"})], self.end("rejected"))
            else:
                exits.append((t, {"outcome": "no"}))
        if timeout == "follow_edge":
            exits.append((t, {"on": "timeout"}))
        return exits

    def service(self, pending, depth):
        s = self.add(
            "service",
            "s",
            connector="erp.orders",
            action="sync",
            input={"x": "v"},
            output={"out": "$"},
        )
        self.connect(pending, s)
        return [(s, {})] + ([(s, {"on": "error"})] if self.draw(st.booleans()) else [])

    def wait(self, pending, depth):
        if self.draw(st.booleans()):
            config = {"until": "duration", "duration": "PT2H"}
        else:
            config = {"until": "message", "message": {"name": "scan", "correlate": "corr"}}
            if self.draw(st.booleans()):
                config["timeout"] = {
                    "after": "P1D",
                    "action": self.draw(st.sampled_from(["follow_edge", "cancel"])),
                }
        w = self.add("wait", "w", **config)
        self.connect(pending, w)
        exits = [(w, {})]
        if config.get("timeout", {}).get("action") == "follow_edge":
            exits.append((w, {"on": "timeout"}))
        return exits

    def decision(self, pending, depth):
        d = self.add("decision", "d")
        self.connect(pending, d)
        var = f"x{d}"
        self.decision_vars.append(var)
        yes = self.block([(d, {"condition": {"var": var, "op": "==", "value": 1}})], depth + 1)
        no = self.block([(d, {"default": True})], depth + 1)
        return yes + no

    def parallel(self, pending, depth):
        split = self.add("parallel", "p", mode="split")
        self.connect(pending, split)
        branches = self.draw(st.integers(2, 3))
        merges = []
        for _ in range(branches):
            exits = self.block([(split, {})], depth + 1)
            merge = self.add("decision", "m")  # one exit per branch before the join
            self.connect(exits, merge)
            merges.append(merge)
        config = {"mode": "join", "join": "all"}
        if self.draw(st.booleans()):
            config = {"mode": "join", "join": "n", "count": self.draw(st.integers(1, branches))}
        join = self.add("parallel", "j", **config)
        for merge in merges:
            self.edges.append(edge(merge, join, default=True))
        return [(join, {})]


@st.composite
def flows(draw):
    b = FlowBuilder(draw)
    b.nodes.append(node("start", "start"))
    exits = b.block([("start", {})], 0)
    b.connect(exits, b.end(draw(st.sampled_from(["completed", "rejected"]))))
    variables = {var: draw(st.integers(0, 1)) for var in b.decision_vars}
    return {"nodes": b.nodes, "edges": b.edges}, {**variables, "v": 1, "corr": "C-1"}


def answers(d, fired, rare):
    """Every event that could come next, as (label, event) pairs."""
    state = d.state
    options = []
    if state.status is InstanceStatus.INCIDENT:
        options.append(IncidentRetried(actor="admin"))
    for task in state.tasks:
        outcomes = d.spec.node(task.node_id).outcomes
        for outcome in outcomes:
            options.append(("complete", task, outcome))
    for timer in state.timers:
        options.append(TimerFired(timer_key=timer.key))
    for token in state.tokens:
        if d.spec.node(token.node_id).type == "service" and not token.resume:
            n, a = token.node_id, token.activation
            options += [
                ServiceSucceeded(node_id=n, activation=a, output={"ok": True}),
                ServiceFailed(node_id=n, activation=a, kind="client", status=400),
                ServiceFailed(node_id=n, activation=a, kind="server", status=503),
                RetriesExhausted(node_id=n, activation=a),
            ]
    for name, correlation in sorted(state.waiting_messages):
        options.append(MessageReceived(name=name, correlation=correlation, data={"hub": 1}))
    if rare:  # now and then: stale timers, an unknown message, a cancel
        options += [TimerFired(timer_key=key) for key in sorted(fired)[:2]]
        options.append(MessageReceived(name="scan", correlation="nobody"))
        options.append(Cancelled(reason="test"))
    return options


def check(d):
    state = d.state
    assert state.status is not InstanceStatus.RUNNING
    if state.is_ended:
        assert (
            state.tokens,
            state.tasks,
            state.timers,
            state.messages,
            state.joins,
            state.incidents,
        ) == ((), (), (), (), (), ())
    elif state.status is InstanceStatus.WAITING:
        assert state.incidents == () and state.tokens
        for token in state.tokens:
            assert not token.resume
            kind = d.spec.node(token.node_id).type
            assert kind in ("user_task", "service", "wait"), kind
            at = (token.node_id, token.activation)
            if kind == "user_task":
                assert any((t.node_id, t.activation) == at for t in state.tasks)
            if kind == "wait":
                assert any((t.node_id, t.activation) == at for t in state.timers) or any(
                    (m.node_id, m.activation) == at for m in state.messages
                )
    else:
        assert state.incidents
    live = {(t.node_id, t.activation) for t in state.tokens}
    for item in (*state.tasks, *state.timers, *state.messages):
        assert (item.node_id, item.activation) in live, f"{item} outlived its token"
    for join in state.joins:
        distinct = len(set(join.arrived))
        assert distinct < len(d.spec.incoming(join.node_id))
        needed = d.spec.node(join.node_id).required or len(d.spec.incoming(join.node_id))
        assert join.fired == (distinct >= needed)
    task_tokens = [
        t for t in state.tokens if d.spec.node(t.node_id).type == "user_task" and not t.resume
    ]
    assert len([t for t in state.tasks if t.kind == "task"]) == len(task_tokens)
    assert len({(t.node_id, t.activation) for t in state.tokens}) == len(state.tokens)
    assert InstanceState.from_dict(json.loads(json.dumps(state.to_dict()))) == state
    keys = [(e.type.value, e.key, getattr(e, "attempt", 1)) for e in d.effects]
    assert len(keys) == len(set(keys))
    assert all(e.key.startswith(f"{state.instance_id}:") for e in d.effects)
    assert d.replayed() == state


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flows(), st.data())
def test_random_flows_and_answers_keep_every_invariant(flow_and_vars, data):
    doc, variables = flow_and_vars
    spec = compile_flow(doc)
    assert [w for w in lint_flow(spec) if "cannot be reached" in w.reason] == []
    d = Driver(spec)
    d.start(**variables)
    check(d)
    fired: set[str] = set()
    clock = d.now
    for _ in range(MAX_STEPS):
        if d.state.is_ended:
            break
        rare = data.draw(st.integers(0, 9)) == 0
        options = answers(d, fired, rare)
        if not options:
            options = answers(d, fired, True)
        choice = data.draw(st.sampled_from(options))
        clock += timedelta(minutes=data.draw(st.integers(0, 600)))
        if isinstance(choice, tuple):
            _, task, outcome = choice
            _complete(d, task, outcome, clock)
        else:
            if isinstance(choice, TimerFired):
                fired.add(choice.timer_key)
            try:
                d.send(choice, at=clock)
            except EventRefused:
                assert isinstance(choice, IncidentRetried | Cancelled)
                continue
        check(d)
    event(f"ended as {d.state.status.value}")
    event(f"nodes: {len(doc['nodes']) // 5 * 5}+")
    event(f"effects: {len(d.effects) // 10 * 10}+")
    if any(r.type == "incident_raised" for r in d.log):
        event("had an incident")
    if any(r.type == "join_fired" for r in d.log):
        event("a join fired")
    if any(r.type in ("timer_ignored", "event_ignored") for r in d.log):
        event("a stale event was ignored")


def _complete(d, task, outcome, at: datetime):
    from runtime.flows import TaskCompleted

    d.send(
        TaskCompleted(
            node_id=task.node_id,
            activation=task.activation,
            task_key=task.key,
            outcome=outcome,
            actor="p",
        ),
        at=at,
    )
