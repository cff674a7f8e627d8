"""`compile_flow`: a flow body (builder/schemas/flow.json) into a frozen `FlowSpec`.

Every error is collected and raised at once as `DefinitionInvalid`, each at its JSON
pointer into the body (`/nodes/3/config/timeout/after`, `/edges/5/to`), so the builder
can mark them all. Conditions compile with runtime.rules, durations with
runtime.timeutil. `lint_flow` finds what is legal but probably wrong (warnings).

Conditions are those of runtime.rules plus `{"expr": "<path>"}`: the expression
language is, for now, a variable path, true when the value is present and not
`false`, `0` or empty.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from runtime.exceptions import DefinitionInvalid, ErrorDetail
from runtime.flows.nodes import NODE_TYPES, NodeSpec, UserTaskNode, WaitingNode
from runtime.flows.nodes.config import IDENTIFIER, Config
from runtime.flows.records import json_copy
from runtime.flows.spec import EdgeSpec, FlowSpec
from runtime.rules import Condition, compile_condition
from runtime.rules.errors import join_pointer
from runtime.rules.safety import path_problem

NODE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
#: "portal" is read by the app's portal (app/portal/offers.py), "columns" by the staff
#: inbox (app/inbox/columns.py); the engine reads neither.
TOP_KEYS = frozenset({"description", "variables", "case_number", "portal", "columns", "nodes",
                      "edges"})
NODE_KEYS = frozenset({"id", "type", "name", "description", "config", "position"})
EDGE_KEYS = frozenset({"id", "from", "to", "label", "condition", "outcome", "on", "default"})
MAX_NODES, MAX_EDGES = 1000, 5000
VARIABLE_TYPES = (
    "string",
    "number",
    "integer",
    "boolean",
    "date",
    "datetime",
    "object",
    "array",
    "money",
)


def compile_flow(doc: Any, key: str = "", version: int = 0) -> FlowSpec:
    """Compile and check a flow body; `DefinitionInvalid` lists every problem."""
    errors: list[ErrorDetail] = []
    if not isinstance(doc, dict):
        raise DefinitionInvalid([ErrorDetail("", "a flow is a JSON object")])
    for name in sorted(set(doc) - TOP_KEYS, key=str):
        errors.append(ErrorDetail(join_pointer("", name), "unknown field"))
    nodes = _nodes(doc.get("nodes"), errors)
    ids = {node.id for node in nodes}
    edges = _edges(doc.get("edges"), ids, errors)
    starts = [node for node in nodes if node.type == "start"]
    if not starts and nodes:
        errors.append(ErrorDetail("/nodes", "a flow needs a start node"))
    for extra in starts[1:]:
        errors.append(
            ErrorDetail(
                f"{extra.pointer}/type",
                f"a flow has one start node (the first is {starts[0].pointer})",
            )
        )
    defaults = _defaults(doc.get("variables", {}), errors)
    start = starts[0].id if starts else ""
    spec = FlowSpec(key, version, tuple(nodes), tuple(edges), start, defaults)
    for node in nodes:  # graph checks run even after other errors: report them all at once
        node.check_graph(spec, errors)
        _check_exits(spec, node, errors)
    if errors:
        raise DefinitionInvalid(sort_errors(errors))
    return spec


def lint_flow(spec: FlowSpec) -> list[ErrorDetail]:
    """Warnings a publish should show: unreachable nodes, dead ends, tasks for nobody."""
    warnings = []
    seen, queue = {spec.start}, deque([spec.start])
    while queue:
        for edge in spec.outgoing(queue.popleft()):
            if edge.target not in seen:
                seen.add(edge.target)
                queue.append(edge.target)
    for node in spec.nodes:
        if node.id not in seen:
            warnings.append(
                ErrorDetail(node.pointer, f"node {node.id!r} cannot be reached from the start")
            )
        if not node.has_exit(spec):
            warnings.append(
                ErrorDetail(
                    node.pointer,
                    f"node {node.id!r} is a dead end: only end nodes may have no outgoing edge",
                )
            )
        if isinstance(node, UserTaskNode) and node.assignee is None and node.approvers is None:
            warnings.append(
                ErrorDetail(f"{node.pointer}/config", "a user task with no assignee goes to nobody")
            )
        if (
            node.type == "decision"
            and spec.outgoing(node.id)
            and not any(e.default or e.condition is None for e in spec.outgoing(node.id))
        ):
            warnings.append(
                ErrorDetail(
                    node.pointer,
                    "when no condition holds, the instance "
                    "stops in an incident: add a default edge",
                )
            )
        if (
            node.type == "parallel"
            and getattr(node, "mode", "") == "join"
            and len(spec.incoming(node.id)) < 2
        ):
            warnings.append(ErrorDetail(node.pointer, "a join with fewer than two incoming edges"))
    return sort_errors(warnings)


def sort_errors(errors: list[ErrorDetail]) -> list[ErrorDetail]:
    def key(error: ErrorDetail) -> tuple[Any, ...]:
        parts = error.pointer.split("/")[1:]
        return (tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts), error.reason)

    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=key)


def _nodes(doc: Any, errors: list[ErrorDetail]) -> list[NodeSpec]:
    if not isinstance(doc, list) or not 1 <= len(doc) <= MAX_NODES:
        errors.append(ErrorDetail("/nodes", f"nodes is a list of 1 to {MAX_NODES} nodes"))
        return []
    nodes: list[NodeSpec] = []
    first: dict[str, int] = {}
    for i, item in enumerate(doc):
        at = f"/nodes/{i}"
        if not isinstance(item, dict):
            errors.append(ErrorDetail(at, "a node is an object with an id and a type"))
            continue
        for name in sorted(set(item) - NODE_KEYS, key=str):
            errors.append(ErrorDetail(join_pointer(at, name), "unknown field"))
        node_id, kind = item.get("id"), item.get("type")
        ok = isinstance(node_id, str) and bool(NODE_ID.match(node_id))
        if not ok:
            errors.append(
                ErrorDetail(
                    f"{at}/id",
                    "a node id starts with a letter or _ and holds letters, digits, _ and -",
                )
            )
        elif node_id in first:
            errors.append(
                ErrorDetail(
                    f"{at}/id", f"duplicate node id {node_id!r} (also at /nodes/{first[node_id]})"
                )
            )
            ok = False
        else:
            first[node_id] = i
        cls = NODE_TYPES.get(kind) if isinstance(kind, str) else None
        if cls is None:
            errors.append(
                ErrorDetail(f"{at}/type", f"unknown node type; use one of: {', '.join(NODE_TYPES)}")
            )
            continue
        name = item.get("name", "")
        if not isinstance(name, str) or len(name) > 300:
            errors.append(ErrorDetail(f"{at}/name", "a name is text of up to 300 characters"))
            name = ""
        node = cls.compile(
            node_id if ok else f"#{i}",
            i,
            name,
            Config(item.get("config"), f"{at}/config", errors, cls.config_keys),
        )
        if ok:
            nodes.append(node)
    return nodes


def _edges(doc: Any, ids: set[str], errors: list[ErrorDetail]) -> list[EdgeSpec]:
    if not isinstance(doc, list) or len(doc) > MAX_EDGES:
        errors.append(ErrorDetail("/edges", f"edges is a list of up to {MAX_EDGES} edges"))
        return []
    edges = []
    for j, item in enumerate(doc):
        at = f"/edges/{j}"
        if not isinstance(item, dict):
            errors.append(ErrorDetail(at, "an edge is an object with 'from' and 'to'"))
            continue
        for name in sorted(set(item) - EDGE_KEYS, key=str):
            errors.append(ErrorDetail(join_pointer(at, name), "unknown field"))
        ends = {}
        for end in ("from", "to"):
            value = item.get(end)
            if not isinstance(value, str):
                errors.append(
                    ErrorDetail(
                        f"{at}/{end}" if end in item else at,
                        f"'{end}' names a node" if end in item else f"'{end}' is required",
                    )
                )
            elif value not in ids:
                errors.append(ErrorDetail(f"{at}/{end}", f"no node has the id {value[:64]!r}"))
            ends[end] = value
        condition = (
            _condition(item["condition"], f"{at}/condition", errors)
            if "condition" in item
            else None
        )
        c = Config(item, at, errors, frozenset(item))
        outcome = c.text("outcome", pattern=IDENTIFIER, what="an outcome name")
        on = c.choice("on", ("error", "timeout"))
        default = c.boolean("default", False)
        edge_id = c.text("id", pattern=NODE_ID, what="an edge id")
        label = c.text("label", what="a label of up to 300 characters", max_length=300) or ""
        if outcome is not None and on is not None:
            errors.append(
                ErrorDetail(f"{at}/outcome", "an edge has an outcome or an 'on', not both")
            )
        if default and condition is not None:
            errors.append(ErrorDetail(f"{at}/condition", "a default edge has no condition"))
        if ends.get("from") in ids and ends.get("to") in ids:  # other errors are reported
            edges.append(
                EdgeSpec(
                    j, ends["from"], ends["to"], edge_id, label, condition, outcome, on, default
                )
            )
    return edges


def _condition(doc: Any, pointer: str, errors: list[ErrorDetail]) -> Condition | None:
    try:
        return compile_condition(_expand_expr(doc, pointer, errors), pointer)
    except DefinitionInvalid as exc:
        errors.extend(exc.errors)
        return None


def _expand_expr(doc: Any, pointer: str, errors: list[ErrorDetail]) -> Any:
    """Rewrite `{"expr": path}` into the comparisons it means (truthiness of the path)."""
    if not isinstance(doc, dict):
        return doc
    if set(doc) == {"expr"}:
        problem = path_problem(doc["expr"])
        if problem:
            errors.append(ErrorDetail(f"{pointer}/expr", problem))
            return True
        path = doc["expr"]
        return {
            "all": [
                {"var": path, "op": "is_not_empty"},
                {"var": path, "op": "!=", "value": False},
                {"var": path, "op": "!=", "value": 0},
            ]
        }
    if set(doc) in ({"all"}, {"any"}) and isinstance(next(iter(doc.values())), list):
        ((name, items),) = doc.items()
        return {
            name: [
                _expand_expr(item, f"{pointer}/{name}/{i}", errors) for i, item in enumerate(items)
            ]
        }
    if set(doc) == {"not"}:
        return {"not": _expand_expr(doc["not"], f"{pointer}/not", errors)}
    return doc


def _defaults(doc: Any, errors: list[ErrorDetail]) -> dict[str, Any]:
    if not isinstance(doc, dict):
        errors.append(ErrorDetail("/variables", "variables is an object of declarations"))
        return {}
    defaults = {}
    for name, decl in doc.items():
        at = join_pointer("/variables", name)
        if not (isinstance(name, str) and IDENTIFIER.match(name) and len(name) <= 64):
            errors.append(
                ErrorDetail(at, "a variable name is a letter or _ then letters, digits and _")
            )
        elif not isinstance(decl, dict):
            errors.append(ErrorDetail(at, "a variable is declared with an object"))
        else:
            c = Config(decl, at, errors, frozenset({"type", "description", "default"}))
            c.choice("type", VARIABLE_TYPES)
            c.text("description", what="text of up to 5000 characters")
            if "default" in decl:
                defaults[name] = json_copy(decl["default"])
    return defaults


def _check_exits(spec: FlowSpec, node: NodeSpec, errors: list[ErrorDetail]) -> None:
    defaults = 0
    follow = (
        isinstance(node, WaitingNode)
        and node.timeout is not None
        and node.timeout.action == "follow_edge"
    )
    for edge in spec.outgoing(node.id):
        if edge.default:
            defaults += 1
            if defaults > 1:
                errors.append(
                    ErrorDetail(
                        f"{edge.pointer}/default", f"node {node.id!r} already has a default edge"
                    )
                )
        if edge.outcome is not None and not isinstance(node, UserTaskNode):
            errors.append(
                ErrorDetail(
                    f"{edge.pointer}/outcome",
                    f"only user tasks have outcomes; {node.id!r} is a {node.type}",
                )
            )
        if edge.on == "error" and not node.error_edges:
            errors.append(
                ErrorDetail(
                    f"{edge.pointer}/on",
                    f"a {node.type} node has no error exit (service, subflow do)",
                )
            )
        if edge.on == "timeout" and not follow:
            errors.append(
                ErrorDetail(
                    f"{edge.pointer}/on",
                    f"node {node.id!r} has no timeout with action 'follow_edge'",
                )
            )
