"""Helpers for the flow engine tests: build flows tersely, drive an instance, look around."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from runtime.flows import (
    Effect,
    Environment,
    Event,
    FlowSpec,
    InstanceState,
    LogRecord,
    Started,
    Step,
    TaskCompleted,
    TimerFired,
    advance,
    compile_flow,
    events_from_log,
    new_state,
    replay,
)

DATA = Path(__file__).parents[2] / "data" / "flows"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC


def load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def node(node_id: str, kind: str, **config: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"id": node_id, "type": kind}
    if config:
        item["config"] = config
    return item


def edge(source: str, target: str, **extra: Any) -> dict[str, Any]:
    return {"from": source, "to": target, **extra}


def flow(nodes: list[dict], edges: list[dict], **extra: Any) -> dict[str, Any]:
    return {"nodes": nodes, "edges": edges, **extra}


def chain(*middle: dict, end_status: str = "completed") -> dict[str, Any]:
    """start -> middle... -> end, wired in a line."""
    nodes = [node("start", "start"), *middle, node("end", "end", status=end_status)]
    ids = [n["id"] for n in nodes]
    return flow(nodes, [edge(a, b) for a, b in itertools.pairwise(ids)])


class Driver:
    """One instance under test: sends events, keeps state, effects and the log."""

    def __init__(
        self,
        doc: dict | FlowSpec,
        *,
        tables=None,
        calendars=None,
        now: datetime = T0,
        instance_id: str = "I1",
    ) -> None:
        self.spec = doc if isinstance(doc, FlowSpec) else compile_flow(doc, "test.flow", 1)
        self.tables, self.calendars = tables or {}, calendars or {}
        self.now = now
        self.state: InstanceState = new_state(instance_id)
        self.effects: list[Effect] = []
        self.log: list[LogRecord] = []
        self.last: Step | None = None

    def env(self, at: datetime | None = None) -> Environment:
        return Environment(now=at or self.now, tables=self.tables, calendars=self.calendars)

    def send(self, event: Event, at: datetime | None = None) -> Step:
        at = at or self.now
        self.now = max(self.now, at)
        event = replace(event, at=at)
        step = advance(self.spec, self.state, event, self.env(at))
        self.state, self.last = step.state, step
        self.effects.extend(step.effects)
        self.log.extend(step.log)
        return step

    def start(self, **variables: Any) -> Step:
        return self.send(Started(variables=variables, actor="tester"))

    def task(self, node_id: str, index: int | None = None):
        tasks = [t for t in self.state.tasks if t.node_id == node_id and t.kind == "task"]
        if index is not None:
            tasks = [t for t in tasks if t.index == index]
        assert tasks, f"no open task at {node_id}: {self.state.tasks}"
        return tasks[0]

    def complete(
        self,
        node_id: str,
        outcome: str,
        index: int | None = None,
        data: dict | None = None,
        actor: str = "ana@example.com",
    ) -> Step:
        task = self.task(node_id, index)
        return self.send(
            TaskCompleted(
                node_id=task.node_id,
                activation=task.activation,
                task_key=task.key,
                outcome=outcome,
                data=data or {},
                actor=actor,
            )
        )

    def timer(self, purpose: str, node_id: str | None = None):
        found = [
            t
            for t in self.state.timers
            if t.purpose == purpose and (node_id is None or t.node_id == node_id)
        ]
        assert found, f"no {purpose} timer: {self.state.timers}"
        return found[0]

    def fire(self, purpose: str, node_id: str | None = None) -> Step:
        timer = self.timer(purpose, node_id)
        return self.send(TimerFired(timer_key=timer.key), at=datetime.fromisoformat(timer.due_at))

    def step_effects(self, kind: str) -> list[Effect]:
        assert self.last is not None
        return [e for e in self.last.effects if e.type.value == kind]

    def all_effects(self, kind: str) -> list[Effect]:
        return [e for e in self.effects if e.type.value == kind]

    def replayed(self) -> InstanceState:
        def env_at(at: datetime) -> Environment:
            return self.env(at)

        return replay(
            self.spec, events_from_log(self.log), env_at, instance_id=self.state.instance_id
        )


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
