"""`subflow`: start another flow, and (with `wait`, the default) wait for it to end.

    {"flow": "returns.quality_claim", "input": {"sku": "item.sku"},
     "output": {"claim": "$"}, "wait": true}

Entering emits `start_subflow` (key `i:n:a`, which the app can use as the child's
idempotent start token). `subflow_ended` for this node and activation maps the child's
output into variables (source paths read the child's output) and routes on; when the
child did not complete and the node has an `on: "error"` edge, the token takes that.
Ending the parent while the child runs emits `cancel_subflow`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.flows.effects import StartSubflow
from runtime.flows.mapping import NO_MAPPING, VarMapping
from runtime.flows.nodes.config import DEFINITION_KEY, Config
from runtime.flows.nodes.waiting import WaitingNode
from runtime.flows.records import json_copy

if TYPE_CHECKING:
    from runtime.flows.events import SubflowEnded
    from runtime.flows.run import Run
    from runtime.flows.state import Token


@dataclass(frozen=True, kw_only=True)
class SubflowNode(WaitingNode):
    type = "subflow"
    error_edges = True
    config_keys = frozenset({"flow", "input", "output", "wait", "timeout", "reminders"})
    flow: str = ""
    input: VarMapping = NO_MAPPING
    output: VarMapping = NO_MAPPING
    wait: bool = True

    @classmethod
    def parse(cls, config: Config) -> dict[str, Any]:
        return {
            "flow": config.text("flow", required=True, pattern=DEFINITION_KEY, what="a flow key")
            or "",
            "input": config.mapping("input"),
            "output": config.mapping("output"),
            "wait": config.boolean("wait", True),
        }

    def enter(self, run: Run, token: Token) -> None:
        data = self.input.build(run.variables)
        run.emit(
            StartSubflow(run.key(token), self.id, token.activation, self.flow, data, self.wait)
        )
        if not self.wait:
            self.leave(run, token)
            return
        run.park(token)
        self.start_timers(run, token)

    def on_subflow_ended(self, run: Run, token: Token, event: SubflowEnded) -> None:
        run.record("subflow_ended", token, status=event.status)
        run.variables = self.output.write_into(run.variables, json_copy(event.output))
        run.close(token, "subflow ended")
        failed = event.status != "completed"
        if failed and any(e.on == "error" for e in run.spec.outgoing(self.id)):
            self.leave(run, token, on="error")
        else:
            self.leave(run, token)

    def var_paths(self) -> set[str]:
        return super().var_paths() | set(self.input.var_paths())
