"""`parallel`: split into branches, or join them when all (or N) have arrived.

    {"mode": "split"}                        every outgoing edge gets a token
    {"mode": "join", "join": "all"}          fire when every incoming edge has arrived
    {"mode": "join", "join": "n", "count": 2}

A join counts *distinct incoming edges* per round. It fires once, when the count is
reached; arrivals after an N-join fired are consumed and logged
(`join_late_arrival`), never re-fire. The round closes once every incoming edge has
arrived; a second arrival over an edge that already came in this round waits for the
next round (`join_arrival_queued`) - that is how a join inside a loop fires again.
Split edges carry no conditions: use a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.exceptions import ErrorDetail
from runtime.flows.errors import NodeFailed
from runtime.flows.nodes.base import NodeSpec
from runtime.flows.nodes.config import Config
from runtime.flows.state import JoinState

if TYPE_CHECKING:
    from runtime.flows.run import Run
    from runtime.flows.spec import EdgeSpec, FlowSpec
    from runtime.flows.state import Token


@dataclass(frozen=True, kw_only=True)
class ParallelNode(NodeSpec):
    type = "parallel"
    config_keys = frozenset({"mode", "join", "count"})
    mode: str = "split"
    join: str = "all"
    count: int | None = None

    @classmethod
    def parse(cls, config: Config) -> dict[str, Any]:
        mode = config.choice("mode", ("split", "join"))
        if mode is None:
            config.error(None, "'mode' is required")
        join = config.choice("join", ("all", "n"), "all") or "all"
        count = config.integer("count", minimum=1)
        if join == "n" and count is None and not config.has("count"):
            config.error(None, "a join of 'n' branches needs 'count'")
        if mode == "split" and (config.has("join") or config.has("count")):
            config.error(None, "'join' and 'count' go with mode 'join'")
        return {"mode": mode or "split", "join": join, "count": count}

    @property
    def required(self) -> int | None:
        return self.count if self.join == "n" else None

    def check_graph(self, spec: FlowSpec, errors: list[ErrorDetail]) -> None:
        incoming = len(spec.incoming(self.id))
        if self.mode == "join" and self.count is not None and self.count > incoming:
            errors.append(
                ErrorDetail(
                    f"{self.pointer}/config/count",
                    f"count {self.count} exceeds the {incoming} incoming edges",
                )
            )
        if self.mode == "split":
            for edge in spec.outgoing(self.id):
                if edge.condition is not None or edge.default:
                    key = "condition" if edge.condition is not None else "default"
                    errors.append(
                        ErrorDetail(
                            f"{edge.pointer}/{key}",
                            "a split takes every edge: use a decision to choose",
                        )
                    )

    def arrive(self, run: Run, token: Token, edge: EdgeSpec) -> None:
        if self.mode == "split":
            run.enqueue(self.id, token.id)
            return
        total = len(run.spec.incoming(self.id))
        state = run.joins.get(self.id) or JoinState(self.id)
        arrived = (*state.arrived, edge.index)
        distinct = list(dict.fromkeys(arrived))
        fired, activation = state.fired, state.activation
        if not fired and len(distinct) >= (self.required or total):
            token = run.enqueue(self.id, token.id)
            fired, activation = True, token.activation
            run.record("join_fired", token, arrived=distinct)
        else:
            kind = "join_arrived"
            if edge.index in state.arrived:
                kind = "join_arrival_queued"  # this edge already came in this round
            elif fired:
                kind = "join_late_arrival"
            run.record(kind, node_id=self.id, edge=edge.index, token_id=token.id)
        if len(distinct) < total:
            run.set_join(JoinState(self.id, arrived, fired, activation), self.id)
            return
        leftover = list(arrived)  # the round is complete: repeats start the next one
        for index in distinct:
            leftover.remove(index)
        run.set_join(JoinState(self.id, tuple(leftover)) if leftover else None, self.id)

    def enter(self, run: Run, token: Token) -> None:
        if self.mode == "join":
            self.leave(run, token)
            return
        edges = [e for e in run.spec.outgoing(self.id) if e.on is None]
        if not edges:
            raise NodeFailed(f"split {self.id!r} has no outgoing edge", "no_route")
        run.record("split", token, edges=[e.index for e in edges])
        for i, edge in enumerate(edges):
            branch = (
                token
                if i == 0
                else type(token)(run.new_token_id(), token.node_id, token.activation)
            )
            run.follow(branch, edge)
