"""`decision`: an exclusive branch - by edge conditions, optionally after a table.

    {"decision_table": "returns.policy", "input": {"reason": "request.reason"},
     "output": "policy"}

With a table, the node evaluates it (from `Environment.tables`) on the variables plus
the `input` mapping, stores the outputs under `output` (default: the node id) and then,
like any decision, takes the first outgoing edge (in edge order) whose condition holds,
else the `default` edge. A table that gives no answer, or a missing table, holds the
token in an incident (`incident_retried` evaluates again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.exceptions import ErrorDetail
from runtime.flows.mapping import NO_MAPPING, TARGET, VarMapping, write_var
from runtime.flows.nodes.base import NodeSpec
from runtime.flows.nodes.config import DEFINITION_KEY, Config
from runtime.flows.records import json_copy

if TYPE_CHECKING:
    from runtime.flows.run import Run
    from runtime.flows.spec import FlowSpec
    from runtime.flows.state import Token


@dataclass(frozen=True, kw_only=True)
class DecisionNode(NodeSpec):
    type = "decision"
    config_keys = frozenset({"decision_table", "input", "output"})
    table: str | None = None
    input: VarMapping = NO_MAPPING
    output: str | None = None

    @classmethod
    def parse(cls, config: Config) -> dict[str, Any]:
        table = config.text("decision_table", pattern=DEFINITION_KEY, what="a decision table key")
        output = config.text("output", pattern=TARGET, what="a variable name", max_length=256)
        if not table and (config.has("input") or config.has("output")):
            config.error(None, "'input' and 'output' go with a 'decision_table'")
        return {"table": table, "input": config.mapping("input"), "output": output}

    def check_graph(self, spec: FlowSpec, errors: list[ErrorDetail]) -> None:
        if not spec.outgoing(self.id):
            errors.append(ErrorDetail(self.pointer, "a decision needs at least one outgoing edge"))

    def enter(self, run: Run, token: Token) -> None:
        if self.table is not None:
            table = run.table(self.table)
            data = self.input.write_into(run.variables, run.variables)
            decision = table.evaluate(data, run.now)
            run.variables = write_var(
                run.variables, self.output or self.id, json_copy(decision.outputs)
            )
            run.record(
                "decision_made",
                token,
                table=self.table,
                rules=list(decision.matched_rule_ids),
                default=decision.used_default,
            )
        self.leave(run, token)

    def var_paths(self) -> set[str]:
        return set(self.input.var_paths())
