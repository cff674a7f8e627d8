"""Who a task is for: the engine records an assignment *request*; the app picks people.

An assignee in a flow is one of::

    {"user": "ana@example.com"}
    {"role": "cs_agent", "strategy": "pool"}            # pool | round_robin | least_loaded
    {"expression": "parcel.warehouse_team", "strategy": "round_robin"}
    {"expression": {"table": "returns.routing", "output": "team"}, "strategy": "least_loaded"}

An expression is a variable path, or a decision-table lookup: the table (from the
Environment) is evaluated on the variables and one output taken. The value found must be a role key
(`warehouse_eu`), a user (text with `@`), or `{"role": …}` / `{"user": …}`.

The request the engine emits in `create_task.assignee` is `{"user": u}` or
`{"role": r, "strategy": s}`, plus `"source": "var:<path>"` or `"table:<key>#<output>"`
when it was computed. Round robin and least loaded need the database (who got the last
one, who has fewest open tasks), so the app resolves them; the engine never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.flows.errors import NodeFailed
from runtime.flows.mapping import read_var
from runtime.flows.nodes.config import ADDRESS, DEFINITION_KEY, IDENTIFIER, ROLE, Config

if TYPE_CHECKING:
    from runtime.flows.run import Run

STRATEGIES = ("pool", "round_robin", "least_loaded")
KEYS = frozenset({"user", "role", "expression", "strategy"})
TARGETS = ("user", "role", "expression")


@dataclass(frozen=True)
class AssigneeSpec:
    user: str | None = None
    role: str | None = None
    expression: str | None = None
    table: str | None = None
    output: str | None = None
    strategy: str = "pool"

    def resolve(self, run: Run) -> dict[str, Any]:
        """The assignment request for now; NodeFailed when an expression finds nothing."""
        if self.user is not None:
            return {"user": self.user}
        if self.role is not None:
            return {"role": self.role, "strategy": self.strategy}
        if self.expression is not None:
            value, source = read_var(run.variables, self.expression), f"var:{self.expression}"
        else:
            assert self.table is not None and self.output is not None
            decision = run.table(self.table).evaluate(run.variables, run.now)
            outputs = decision.outputs if isinstance(decision.outputs, dict) else {}
            value, source = outputs.get(self.output), f"table:{self.table}#{self.output}"
        request = as_request(value, self.strategy)
        if request is None:
            raise NodeFailed(
                f"assignee {source} gave {value!r}, not a role or a user", "no_assignee"
            )
        return {**request, "source": source}

    def var_paths(self) -> set[str]:
        return {self.expression} if self.expression else set()


def as_request(value: Any, strategy: str) -> dict[str, Any] | None:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, name),) = value.items()
        value = name if kind in ("user", "role") else None
        if kind == "user" and isinstance(name, str):
            return {"user": name}
    if isinstance(value, str) and ADDRESS.match(value) and len(value) <= 254:
        return {"user": value}
    if isinstance(value, str) and ROLE.match(value) and len(value) <= 64:
        return {"role": value, "strategy": strategy}
    return None


def compile_assignee(config: Config) -> AssigneeSpec | None:
    """Read an assignee object (`config` is positioned on it)."""
    doc = config.doc
    named = [key for key in TARGETS if key in doc]
    if len(named) != 1:
        config.error(None, "an assignee names exactly one of user, role or expression")
        return None
    strategy = config.choice("strategy", STRATEGIES, "pool") or "pool"
    kind = named[0]
    if kind == "user":
        user = config.text("user", what="a user (3 to 254 characters)", max_length=254)
        return AssigneeSpec(user=user, strategy=strategy) if user and len(user) >= 3 else None
    if kind == "role":
        role = config.text("role", pattern=ROLE, what="a role or team key", max_length=64)
        return AssigneeSpec(role=role, strategy=strategy) if role else None
    if kind == "expression" and isinstance(doc["expression"], dict):
        c = config.sub("expression", frozenset({"table", "output"}))
        table = c.text("table", required=True, pattern=DEFINITION_KEY, what="a table key")
        output = c.text("output", required=True, pattern=IDENTIFIER, what="an output id")
        return (
            AssigneeSpec(table=table, output=output, strategy=strategy)
            if table and output
            else None
        )
    path = config.var_path("expression")
    return AssigneeSpec(expression=path, strategy=strategy) if path else None


def escalation_target(to: str, current: dict[str, Any] | None) -> dict[str, Any]:
    """Where a timeout sends a task: a role, a user, or the manager of its assignee."""
    if to == "manager":
        current = current or {}
        if current.get("role"):
            return {"manager_of": current["role"]}
        if current.get("user"):
            return {"manager_of_user": current["user"]}
        return {"manager_of": None}
    if ADDRESS.match(to):
        return {"user": to}
    return {"role": to, "strategy": "pool"}
