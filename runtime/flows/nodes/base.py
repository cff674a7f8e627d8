"""The node spec base class: how a node type compiles, checks its edges, and runs.

A node type is one subclass with `type = "..."` and one line in `NODE_TYPES`
(nodes/__init__.py). The engine calls, on the node a token is at:

* `arrive(run, token, edge)` - a token comes in over `edge`; by default it enters
  the node with the next activation number (a join overrides this);
* `enter(run, token)` - do the node's work: emit effects, then either park the token
  (a waiting node) or route it on. Raise `NodeFailed` (or let a `RuleError` through)
  *before* changing anything, and the token is held in an incident to be re-entered;
* `leave(run, token, outcome, on)` - route the token over the matching edges;
* the `on_*` handlers of the events a waiting node answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from runtime.exceptions import ErrorDetail
from runtime.flows.nodes.config import Config

if TYPE_CHECKING:
    from runtime.flows.run import Run
    from runtime.flows.spec import EdgeSpec, FlowSpec
    from runtime.flows.state import Token


@dataclass(frozen=True, kw_only=True)
class NodeSpec:
    type: ClassVar[str] = ""
    #: The config keys this type accepts (the rest are errors, as in the meta-schema).
    config_keys: ClassVar[frozenset[str]] = frozenset()
    #: True when a token parks here until an event arrives.
    waits: ClassVar[bool] = False
    #: True when the node may have `on: error` edges.
    error_edges: ClassVar[bool] = False

    id: str
    index: int = 0
    name: str = ""

    # -- compiling -------------------------------------------------------------------

    @classmethod
    def compile(cls, node_id: str, index: int, name: str, config: Config) -> NodeSpec:
        return cls(id=node_id, index=index, name=name, **cls.parse(config))

    @classmethod
    def parse(cls, config: Config) -> dict[str, Any]:
        """The subclass's own fields from its config (errors go to `config.errors`)."""
        return {}

    @property
    def pointer(self) -> str:
        return f"/nodes/{self.index}"

    def check_graph(self, spec: FlowSpec, errors: list[ErrorDetail]) -> None:
        """Errors that need the edges (e.g. an outcome edge the task does not offer)."""

    def var_paths(self) -> set[str]:
        """Variables this node reads, for the linter."""
        return set()

    def has_exit(self, spec: FlowSpec) -> bool:
        """False for a node that can never route on (a dead end that is not an end)."""
        return bool(spec.outgoing(self.id))

    # -- running ---------------------------------------------------------------------

    def arrive(self, run: Run, token: Token, edge: EdgeSpec) -> None:
        run.enqueue(self.id, token.id)

    def enter(self, run: Run, token: Token) -> None:
        self.leave(run, token)

    def leave(
        self, run: Run, token: Token, outcome: str | None = None, on: str | None = None
    ) -> None:
        run.route(token, outcome=outcome, on=on)
