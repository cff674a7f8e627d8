"""The compiled flow: frozen specs made once by `compile_flow`, read by the engine.

A `FlowSpec` holds node specs (one class per node type, nodes/) and edge specs, plus
lookup tables built at construction. Nothing in the engine reads raw JSON again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from runtime.exceptions import FlowError
from runtime.rules import Condition

if TYPE_CHECKING:
    from runtime.flows.nodes.base import NodeSpec


@dataclass(frozen=True)
class EdgeSpec:
    """One arrow. `on` is "error" or "timeout" for the special exits, else None."""

    index: int
    source: str
    target: str
    id: str | None = None
    label: str = ""
    condition: Condition | None = None
    outcome: str | None = None
    on: str | None = None
    default: bool = False

    @property
    def pointer(self) -> str:
        return f"/edges/{self.index}"

    def holds(self, variables: Mapping[str, Any], now: datetime) -> bool:
        return self.condition is None or self.condition.evaluate(variables, now)


@dataclass(frozen=True)
class FlowSpec:
    key: str
    version: int
    nodes: tuple[NodeSpec, ...]
    edges: tuple[EdgeSpec, ...]
    start: str
    defaults: dict[str, Any] = field(default_factory=dict)
    _by_id: dict[str, NodeSpec] = field(init=False, repr=False, compare=False)
    _out: dict[str, tuple[EdgeSpec, ...]] = field(init=False, repr=False, compare=False)
    _in: dict[str, tuple[EdgeSpec, ...]] = field(init=False, repr=False, compare=False)
    _exits: dict[tuple[str, str | None, str | None], tuple[EdgeSpec, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        by_id = {node.id: node for node in self.nodes}
        out: dict[str, list[EdgeSpec]] = {node.id: [] for node in self.nodes}
        into: dict[str, list[EdgeSpec]] = {node.id: [] for node in self.nodes}
        for edge in self.edges:
            out.setdefault(edge.source, []).append(edge)
            into.setdefault(edge.target, []).append(edge)
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_out", {k: tuple(v) for k, v in out.items()})
        object.__setattr__(self, "_in", {k: tuple(v) for k, v in into.items()})
        exits: dict[tuple[str, str | None, str | None], list[EdgeSpec]] = {}
        for edge in self.edges:
            exits.setdefault((edge.source, edge.on, edge.outcome), []).append(edge)
        object.__setattr__(self, "_exits", {k: tuple(v) for k, v in exits.items()})

    def node(self, node_id: str) -> NodeSpec:
        try:
            return self._by_id[node_id]
        except KeyError:
            raise FlowError(f"flow {self.key or '?'} has no node {node_id!r}") from None

    def has_node(self, node_id: str) -> bool:
        return node_id in self._by_id

    def outgoing(self, node_id: str) -> tuple[EdgeSpec, ...]:
        return self._out.get(node_id, ())

    def exits(self, node_id: str, on: str | None, outcome: str | None) -> tuple[EdgeSpec, ...]:
        """The edges leaving `node_id` over `on` with `outcome`, in edge order (routing)."""
        return self._exits.get((node_id, on, outcome), ())

    def incoming(self, node_id: str) -> tuple[EdgeSpec, ...]:
        return self._in.get(node_id, ())
