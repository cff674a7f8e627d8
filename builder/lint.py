"""The flow linter: every problem with a flow draft, as errors and warnings on the canvas.

The flow designer calls it on every change (through `POST /api/v1/builder/lint`) and
publishing from the designer refuses while any *error* remains (DESIGN §2). Each issue
carries a JSON pointer into the flow body (`/nodes/2/config/form`) and, when it belongs
to one, the id of the node and the index (and id) of the edge, so the designer can
draw it on the right shape without parsing pointers.

Three layers, reported together so a builder fixes everything in one pass:

1. the meta-schema (`builder/schemas/flow.json`): shape errors;
2. the flow compiler (`runtime.flows.compile_flow`): what the engine would refuse;
3. graph and reference checks here, on the raw JSON so they work even while the draft
   does not compile: a missing end, unreachable nodes, dead ends, task outcomes that
   lead nowhere, decisions without a default edge, joins without a split, tasks for
   nobody, and forms, decision tables, connectors, actions and roles that do not exist;
4. conditions and decision-table inputs that read a variable nothing defines
   (`builder.lint_variables`, warnings only).

The function is pure: what exists (forms, tables, connector actions, roles) comes in a
`LintContext`; a `None` field means "not known", and that check is skipped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from builder.lint_variables import TableShape, variable_issues
from builder.metaschemas import schema_errors
from builder.pointers import pointer_sort_key
from runtime.exceptions import DefinitionInvalid, ErrorDetail

ERROR, WARNING = "error", "warning"
#: Assignee targets that are not roles (users have an @, `manager` is the line manager).
_NOT_ROLES = frozenset({"manager"})


@dataclass(frozen=True)
class LintContext:
    """What exists around the flow. `None` = unknown: that reference check is skipped."""

    forms: frozenset[str] | None = None
    tables: frozenset[str] | None = None
    flows: frozenset[str] | None = None
    connectors: Mapping[str, frozenset[str]] | None = None  # key -> action names
    roles: frozenset[str] | None = None
    #: form key -> its field paths (`builder.lint_variables.form_field_paths`)
    form_fields: Mapping[str, tuple[str, ...]] | None = None
    #: decision table key -> the variables it reads and the outputs it gives
    tables_shape: Mapping[str, TableShape] | None = None


@dataclass(frozen=True)
class LintIssue:
    severity: str
    pointer: str
    message: str
    node: str | None = None
    edge: int | None = None
    edge_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "pointer": self.pointer,
            "message": self.message,
            "node": self.node,
            "edge": self.edge,
            "edge_id": self.edge_id,
        }


@dataclass
class _Graph:
    """The raw body read tolerantly: whatever is malformed is simply left out."""

    nodes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    edges: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    by_id: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    def outgoing(self, node_id: str) -> list[tuple[int, dict[str, Any]]]:
        return [(j, e) for j, e in self.edges if e.get("from") == node_id]

    def incoming(self, node_id: str) -> list[tuple[int, dict[str, Any]]]:
        return [(j, e) for j, e in self.edges if e.get("to") == node_id]


def lint_flow_body(body: Any, context: LintContext | None = None) -> list[LintIssue]:
    """Every error and warning for one flow body, errors first, each sorted by pointer."""
    context = context or LintContext()
    if not isinstance(body, dict):
        return [LintIssue(ERROR, "", "a flow is a JSON object with nodes and edges")]
    found: list[tuple[str, str, str]] = []  # (severity, pointer, message)
    for detail in schema_errors("flow", body):
        found.append((ERROR, _strip_body(detail.pointer), detail.reason))
    found += [(ERROR, d.pointer, d.reason) for d in _compile_errors(body)]
    graph = _read_graph(body)
    found += _graph_issues(graph)
    found += _reference_issues(graph, context)
    found += variable_issues(body, context)
    return _finish(found, graph, body)


# --- layers -----------------------------------------------------------------------------


def _strip_body(pointer: str) -> str:
    return pointer[len("/body") :] if pointer.startswith("/body") else pointer


def _compile_errors(body: dict[str, Any]) -> list[ErrorDetail]:
    from runtime.flows.compile import compile_flow

    try:
        compile_flow(body, "lint", 0)
    except DefinitionInvalid as exc:
        return list(exc.errors)
    return []


def _read_graph(body: dict[str, Any]) -> _Graph:
    graph = _Graph()
    nodes = body.get("nodes") if isinstance(body.get("nodes"), list) else []
    edges = body.get("edges") if isinstance(body.get("edges"), list) else []
    for i, node in enumerate(nodes):
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            graph.nodes.append((i, node))
            graph.by_id.setdefault(node["id"], (i, node))
    for j, edge in enumerate(edges):
        if not isinstance(edge, dict):
            continue
        if edge.get("from") in graph.by_id and edge.get("to") in graph.by_id:
            graph.edges.append((j, edge))
    return graph


def _config(node: dict[str, Any]) -> dict[str, Any]:
    config = node.get("config")
    return config if isinstance(config, dict) else {}


def _graph_issues(graph: _Graph) -> list[tuple[str, str, str]]:
    issues: list[tuple[str, str, str]] = []
    if not graph.nodes:
        return issues
    starts = [(i, n) for i, n in graph.nodes if n.get("type") == "start"]
    if not any(n.get("type") == "end" for _, n in graph.nodes):
        issues.append((ERROR, "/nodes", "the flow has no end node: add one and connect it"))
    reached = _reachable(graph, [n["id"] for _, n in starts])
    for i, node in graph.nodes:
        at, node_type, node_id = f"/nodes/{i}", node.get("type"), node["id"]
        out = graph.outgoing(node_id)
        if starts and node_id not in reached:
            issues.append((ERROR, at, f"{_label(node)} cannot be reached from the start"))
        if node_type != "end" and not out:
            issues.append((ERROR, at, f"{_label(node)} is a dead end: connect it to a next step"))
        if node_type == "user_task":
            issues += _task_issues(at, node, out)
        elif node_type == "decision" and out:
            if not any(e.get("default") is True for _, e in out):
                issues.append(
                    (ERROR, at, "a decision needs a default edge, taken when no condition holds")
                )
        elif node_type == "parallel" and _config(node).get("mode") == "join":
            issues += _join_issues(graph, at, node)
    return issues


def _reachable(graph: _Graph, roots: list[str]) -> set[str]:
    seen, queue = set(roots), deque(roots)
    while queue:
        for _, edge in graph.outgoing(queue.popleft()):
            if edge["to"] not in seen:
                seen.add(edge["to"])
                queue.append(edge["to"])
    return seen


def _task_issues(
    at: str, node: dict[str, Any], out: list[tuple[int, dict[str, Any]]]
) -> list[tuple[str, str, str]]:
    issues: list[tuple[str, str, str]] = []
    config = _config(node)
    if "assignee" not in config and "approvers" not in config:
        issues.append((ERROR, f"{at}/config", "a user task needs an assignee: a user or a role"))
    outcomes = config.get("outcomes")
    if not (isinstance(outcomes, list) and outcomes):
        outcomes = ["complete"]
    outcomes = [o for o in outcomes if isinstance(o, str)]
    routed = [e for _, e in out if e.get("on") is None]
    fallback = [j for j, e in out if e.get("on") is None and "outcome" not in e]
    if not routed:
        return issues
    for outcome in outcomes:
        if not fallback and not any(e.get("outcome") == outcome for e in routed):
            issues.append(
                (ERROR, f"{at}/config/outcomes", f"outcome {outcome!r} has no edge to follow")
            )
    if len(outcomes) > 1:
        for j in fallback:
            issues.append(
                (
                    WARNING,
                    f"/edges/{j}",
                    "this edge has no outcome: it is taken for every outcome without an edge",
                )
            )
    return issues


def _join_issues(graph: _Graph, at: str, node: dict[str, Any]) -> list[tuple[str, str, str]]:
    issues: list[tuple[str, str, str]] = []
    if len(graph.incoming(node["id"])) < 2:
        issues.append((WARNING, at, "a join with fewer than two incoming edges waits for nothing"))
    seen, queue = {node["id"]}, deque([node["id"]])
    while queue:  # walk backwards looking for a split
        for _, edge in graph.incoming(queue.popleft()):
            source = graph.by_id[edge["from"]][1]
            if source.get("type") == "parallel" and _config(source).get("mode") == "split":
                return issues
            if edge["from"] not in seen:
                seen.add(edge["from"])
                queue.append(edge["from"])
    issues.append((ERROR, at, "a join needs a parallel split before it"))
    return issues


def _reference_issues(graph: _Graph, ctx: LintContext) -> list[tuple[str, str, str]]:
    issues: list[tuple[str, str, str]] = []

    def check(known: frozenset[str] | None, value: Any, at: str, what: str) -> None:
        if known is not None and isinstance(value, str) and value not in known:
            where = "" if what == "team" else "published "
            issues.append((ERROR, at, f"there is no {where}{what} {value!r}"))

    for i, node in graph.nodes:
        config, at = _config(node), f"/nodes/{i}/config"
        node_type = node.get("type")
        trigger = config.get("trigger") if isinstance(config.get("trigger"), dict) else {}
        check(ctx.forms, trigger.get("form"), f"{at}/trigger/form", "form")
        if node_type in ("form", "user_task"):
            check(ctx.forms, config.get("form"), f"{at}/form", "form")
        if node_type == "decision":
            table = config.get("decision_table")
            check(ctx.tables, table, f"{at}/decision_table", "decision table")
        if node_type == "subflow":
            check(ctx.flows, config.get("flow"), f"{at}/flow", "flow")
        if node_type == "service":
            issues += _service_issues(config, at, ctx)
        for pointer, role in _roles_of(config, at):
            check(ctx.roles, role, pointer, "team")
    return issues


_Found = list[tuple[str, str, str]]


def _service_issues(config: dict[str, Any], at: str, ctx: LintContext) -> _Found:
    connector, action = config.get("connector"), config.get("action")
    if ctx.connectors is None or not isinstance(connector, str):
        return []
    if connector not in ctx.connectors:
        return [(ERROR, f"{at}/connector", f"there is no published connector {connector!r}")]
    if isinstance(action, str) and action not in ctx.connectors[connector]:
        actions = ", ".join(sorted(ctx.connectors[connector])) or "none"
        return [
            (ERROR, f"{at}/action", f"connector {connector!r} has no action {action!r} ({actions})")
        ]
    return []


def _roles_of(config: dict[str, Any], at: str) -> list[tuple[str, Any]]:
    """Every role a task names: its assignee, each approver, and a timeout's target."""
    found: list[tuple[str, Any]] = []
    assignee = config.get("assignee")
    if isinstance(assignee, dict) and "role" in assignee:
        found.append((f"{at}/assignee/role", assignee["role"]))
    approvers = config.get("approvers")
    if isinstance(approvers, dict) and isinstance(approvers.get("assignees"), list):
        for k, item in enumerate(approvers["assignees"]):
            if isinstance(item, dict) and "role" in item:
                found.append((f"{at}/approvers/assignees/{k}/role", item["role"]))
    timeout = config.get("timeout")
    if isinstance(timeout, dict):
        target = timeout.get("to")
        if isinstance(target, str) and "@" not in target and target not in _NOT_ROLES:
            found.append((f"{at}/timeout/to", target))
    return found


# --- shaping ----------------------------------------------------------------------------


def _label(node: dict[str, Any]) -> str:
    name = node.get("name")
    return f"{node.get('type', 'node')} {name or node['id']!r}"


def _finish(
    found: list[tuple[str, str, str]], graph: _Graph, body: dict[str, Any]
) -> list[LintIssue]:
    nodes = body.get("nodes") if isinstance(body.get("nodes"), list) else []
    edges = body.get("edges") if isinstance(body.get("edges"), list) else []
    issues: dict[tuple[str, str], LintIssue] = {}
    for severity, pointer, message in found:
        if (pointer, message) in issues:
            continue
        node_id, edge, edge_id = _owner(pointer, nodes, edges)
        issues[(pointer, message)] = LintIssue(severity, pointer, message, node_id, edge, edge_id)
    return sorted(
        issues.values(),
        key=lambda x: (x.severity != ERROR, pointer_sort_key(x.pointer), x.message),
    )


def _owner(
    pointer: str, nodes: list[Any], edges: list[Any]
) -> tuple[str | None, int | None, str | None]:
    """The node id, or edge index and id, a pointer such as `/nodes/2/config` is about."""
    parts = pointer.split("/")
    if len(parts) < 3 or not parts[2].isdigit():
        return None, None, None
    index = int(parts[2])
    if parts[1] == "nodes" and index < len(nodes) and isinstance(nodes[index], dict):
        node_id = nodes[index].get("id")
        return (node_id if isinstance(node_id, str) else None), None, None
    if parts[1] == "edges" and index < len(edges):
        edge = edges[index]
        edge_id = edge.get("id") if isinstance(edge, dict) else None
        return None, index, edge_id if isinstance(edge_id, str) else None
    return None, None, None


def has_errors(issues: list[LintIssue]) -> bool:
    return any(issue.severity == ERROR for issue in issues)
