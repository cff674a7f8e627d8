"""The reference return-approval flow in memory: Formloom's `advance` vs. SpiffWorkflow 3.

Both engines get the same cases and the same four answers from outside: start with the
case's variables, approve the task, then the CRM and the ERP call succeed (ERP returns
an id that the flow maps into a variable). Both compile their definition once; a run is
one complete instance, checked to end as completed.

* Formloom: `compile_flow` + `compile_table` once, then `advance` per event, exactly
  as `app.flows.service` calls it (minus the database).
* SpiffWorkflow: `SpiffBpmnParser` parses data/returns_approval.bpmn and data/refund.dmn
  once; each instance is a `BpmnWorkflow` driven with `do_engine_steps`, the user task
  and the two manual tasks (our service calls) completed with `task.run()`.

`with_state_io=True` also stores the state as JSON and reads it back between events,
as a persisted engine must: ours `to_dict`/`from_dict`, Spiff's `BpmnWorkflowSerializer`
(whose document carries the process spec: that is how its serializer works).
"""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runtime.flows import (
    Environment,
    InstanceState,
    InstanceStatus,
    ServiceSucceeded,
    Started,
    TaskCompleted,
    advance,
    compile_flow,
    new_state,
)
from runtime.rules import compile_table

DATA = Path(__file__).resolve().parent / "data"
FLOW_KEY, TABLE_KEY = "bench.returns_approval", "bench.refund"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REASONS = ("size", "defective", "changed_mind", "damaged", "wrong_item")


def load_json(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def case(i: int) -> dict[str, Any]:
    """The variables of case `i`: every case reaches the approval (no reject route)."""
    return {
        "rma": f"RMA-{i:06d}",
        "order_number": f"SO-{i:06d}",
        "reason": REASONS[i % len(REASONS)],
        "days_since_delivery": 3 + (i * 7) % 90,
        "item_value_eur": 20 + (i * 13) % 280,
        "customer": {"email": f"c{i}@example.test", "locale": "de"},
    }


class Ours:
    name = "formloom advance"

    def __init__(self) -> None:
        self.spec = compile_flow(load_json("returns_approval.flow.json"), FLOW_KEY, 1)
        table = compile_table(load_json("refund.table.json"), name=TABLE_KEY)
        self.env = Environment(now=T0, tables={TABLE_KEY: table})

    def until_task(self, i: int) -> InstanceState:
        started = Started(variables=case(i), actor="bench", at=T0)
        return advance(self.spec, new_state(f"B{i}"), started, self.env).state

    def run(self, i: int, with_state_io: bool = False) -> None:
        io: Callable[[InstanceState], InstanceState] = _json_round_trip if with_state_io else _same
        state = io(self.until_task(i))
        [task] = state.tasks
        done = TaskCompleted(node_id=task.node_id, activation=task.activation,
                             task_key=task.key, outcome="approve", actor="ana@example.test",
                             at=T0)
        state = io(advance(self.spec, state, done, self.env).state)
        for node_id, output in (("crm", {}), ("erp", {"id": i})):
            answer = ServiceSucceeded(node_id=node_id, activation=1, output=output, at=T0)
            state = io(advance(self.spec, state, answer, self.env).state)
        assert state.status is InstanceStatus.COMPLETED, state.status
        assert state.variables["erp"] == {"return_id": i}

    def state_bytes(self, i: int) -> int:
        return len(json.dumps(self.until_task(i).to_dict()))


def _same(state: InstanceState) -> InstanceState:
    return state


def _json_round_trip(state: InstanceState) -> InstanceState:
    return InstanceState.from_dict(json.loads(json.dumps(state.to_dict())))


class Spiff:
    name = "SpiffWorkflow 3"

    def __init__(self) -> None:
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
        from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
        from SpiffWorkflow.util.task import TaskState

        parser = SpiffBpmnParser()
        parser.add_dmn_file(str(DATA / "refund.dmn"))
        parser.add_bpmn_file(str(DATA / "returns_approval.bpmn"))
        self.spec = parser.get_spec("returns_approval")
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.ready = TaskState.READY

    def until_task(self, i: int) -> Any:
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

        workflow = BpmnWorkflow(self.spec)
        workflow.get_tasks(state=self.ready)[0].data.update(case(i))
        workflow.do_engine_steps()
        return workflow

    def run(self, i: int, with_state_io: bool = False) -> None:
        io = self._json_round_trip if with_state_io else _same
        workflow = io(self.until_task(i))
        [task] = workflow.get_tasks(state=self.ready, manual=True)
        task.data["approval"] = {"outcome": "approve", "actor": "ana@example.test"}
        task.run()
        workflow.do_engine_steps()
        workflow = io(workflow)
        for node_id, output in (("crm", {}), ("erp", {"return_id": i})):
            [call] = [t for t in workflow.get_tasks(state=self.ready, manual=True)
                      if t.task_spec.bpmn_id == node_id]
            if output:
                call.data[node_id] = output
            call.run()
            workflow.do_engine_steps()
            workflow = io(workflow)
        assert workflow.is_completed()
        assert workflow.data["erp"] == {"return_id": i}

    def state_bytes(self, i: int) -> int:
        document = self.serializer.to_dict(self.until_task(i))
        document.pop("spec", None)  # counted without the spec it carries
        return len(json.dumps(document))

    def _json_round_trip(self, workflow: Any) -> Any:
        return self.serializer.deserialize_json(self.serializer.serialize_json(workflow))


def rate(run: Callable[[int], None], seconds: float, limit: int) -> tuple[float, int]:
    """Complete instances per second over at least `seconds` (at most `limit` instances)."""
    done, start = 0, time.perf_counter()
    while done < limit and (done < 5 or time.perf_counter() - start < seconds):
        run(done)
        done += 1
    return done / (time.perf_counter() - start), done


def interleaved_rates(runs: dict[str, Callable[[int], None]], seconds: float,
                      rounds: int = 10) -> dict[str, tuple[float, float, int]]:
    """Per engine: (per second of CPU time, per second of wall time, instances).

    The engines take turns in `rounds` short rounds, so a change in the machine's load
    hits both alike; CPU time of this process (`time.process_time`) leaves out the time
    the machine gave to other processes, which wall time on a shared machine does not.
    """
    totals = {name: [0.0, 0.0, 0] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            total = totals[name]
            wall, cpu = time.perf_counter(), time.process_time()
            end = wall + seconds / rounds
            while True:
                run(total[2])
                total[2] += 1
                if time.perf_counter() >= end:
                    break
            total[0] += time.process_time() - cpu
            total[1] += time.perf_counter() - wall
    return {name: (n / cpu, n / wall, n) for name, (cpu, wall, n) in totals.items()}


def bytes_per_waiting_instance(engine: Ours | Spiff, count: int) -> float:
    """Python heap per instance held in memory while it waits at the approval task."""
    engine.until_task(0)  # warm caches before measuring
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        held = [engine.until_task(i) for i in range(count)]
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del held
    return used / count


def profile_hot_spots(engine: Ours, instances: int = 500, top: int = 8) -> list[tuple[str, float]]:
    """The engine functions with the largest cumulative share of an instance's time."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(instances):
        engine.run(i)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(tottime for (_cc, _nc, tottime, _ct, _callers) in stats.values())
    rows = [(f"{Path(filename).parent.name}/{Path(filename).name}:{name}", cumtime / total)
            for (filename, _line, name), (_cc, _nc, _tt, cumtime, _callers) in stats.items()
            if "/runtime/" in filename and name not in ("advance", "drain", "<genexpr>")]
    return sorted(rows, key=lambda row: -row[1])[:top]
