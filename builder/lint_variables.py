"""Which variables a flow knows, and the reads no form, start variable or step defines.

A case's variables come from four places (runtime/flows): the start (the start form's
fields at the top level, the flow's declared `variables`, `case_number` from the app),
form steps (fields under `output`, or merged at the top level without one), the outputs
of tasks, services, decisions, subflows and waits, and error outputs. The designer's
pickers offer that list; the linter warns when an edge condition or a decision table's
input reads a path none of them defines (DESIGN §2 "a condition that reads a field no
form defines").

Only a warning: a flow started through the API or as a subflow may be handed variables
nobody declared. When part of the picture is unknown (a form that is not published, so
its fields are not known, or no form knowledge at all) the check says nothing rather
than guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runtime.exceptions import DefinitionInvalid
from runtime.rules import referenced_vars
from runtime.rules.conditions import compile_condition
from runtime.rules.errors import RuleError

if TYPE_CHECKING:
    from builder.lint import LintContext

WARNING = "warning"
#: Set by the app on every start (app/flows/service.py) for flows that number their cases.
ENGINE_VARIABLES = {"case_number": "the case number"}
#: What a user task's `output` receives (runtime/flows/nodes/user_task.py).
TASK_RESULT = ("outcome", "actor", "votes")
_INDEX = re.compile(r"\[\d*\]")
_MAX_DEPTH = 6


@dataclass(frozen=True)
class TableShape:
    """A published decision table as the flow sees it: what it reads and what it gives."""

    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()


@dataclass
class KnownVariables:
    """Defined paths (`items[].sku` for a list's items) with where each comes from.

    `open` paths may hold anything below them (a connector's whole answer, a message's
    data); `complete` is False when some source's contents are unknown.
    """

    paths: dict[str, str] = field(default_factory=dict)
    open: set[str] = field(default_factory=set)
    complete: bool = True

    def add(self, path: str, source: str, *, is_open: bool = False) -> None:
        self.paths.setdefault(path, source)
        if is_open:
            self.open.add(_plain(path))

    def defines(self, read: str) -> bool:
        """True when `read` is a defined path, lies under an open one, or is a parent."""
        wanted = _plain(read)
        for path in self.paths:
            plain = _plain(path)
            if wanted == plain or plain.startswith(wanted + "."):
                return True
        return any(wanted.startswith(p + ".") for p in self.open)

    def as_list(self) -> list[dict[str, str]]:
        """For the designer's pickers, sorted, list items shown as `items[0].sku`."""
        return [
            {"path": path.replace("[]", "[0]"), "source": source}
            for path, source in sorted(self.paths.items())
        ]


def form_field_paths(form_body: Any) -> tuple[str, ...]:
    """Every field path of a form body's JSON schema: `reason`, `items`, `items[].sku`."""
    schema = form_body.get("schema") if isinstance(form_body, dict) else None
    return tuple(_schema_paths(schema, "", 0))


def _schema_paths(schema: Any, prefix: str, depth: int) -> Iterator[str]:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict) or depth > _MAX_DEPTH:
        return
    for name, prop in properties.items():
        path = f"{prefix}{name}"
        yield path
        if not isinstance(prop, dict):
            continue
        yield from _schema_paths(prop, path + ".", depth + 1)
        items = prop.get("items")
        if isinstance(items, dict):
            yield from _schema_paths(items, path + "[].", depth + 1)


def table_shape(table_body: Any) -> TableShape:
    """The input variables (`var`, else the column id) and output ids of a table body."""
    body = table_body if isinstance(table_body, dict) else {}

    def columns(name: str) -> list[dict[str, Any]]:
        items = body.get(name)
        return [c for c in items if isinstance(c, dict)] if isinstance(items, list) else []

    inputs = [c.get("var", c.get("id")) for c in columns("inputs")]
    outputs = [c.get("id") for c in columns("outputs")]
    return TableShape(
        tuple(v for v in inputs if isinstance(v, str)),
        tuple(v for v in outputs if isinstance(v, str)),
    )


def known_variables(body: Any, ctx: LintContext) -> KnownVariables:
    """Every variable the flow defines, as far as the context lets us know."""
    known = KnownVariables()
    if not isinstance(body, dict):
        return known
    for name, source in ENGINE_VARIABLES.items():
        known.add(name, source)
    declared = body.get("variables")
    for name in declared if isinstance(declared, dict) else ():
        if isinstance(name, str):
            known.add(name, "start variable")
    nodes = body.get("nodes") if isinstance(body.get("nodes"), list) else []
    for node in nodes:
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            _node_defines(node, ctx, known)
    return known


def _node_defines(node: dict[str, Any], ctx: LintContext, known: KnownVariables) -> None:
    config = node.get("config") if isinstance(node.get("config"), dict) else {}
    node_type, node_id = node.get("type"), node["id"]
    step = f"step {node_id}"
    output = config.get("output")
    if node_type == "start":
        trigger = config.get("trigger") if isinstance(config.get("trigger"), dict) else {}
        if trigger.get("form") is not None:
            _form_fields(trigger["form"], "", f"start form {trigger['form']}", ctx, known)
    elif node_type == "form":
        prefix = f"{output}." if isinstance(output, str) and output else ""
        if prefix:
            known.add(output, step)
        _form_fields(config.get("form"), prefix, f"form {config.get('form')}", ctx, known)
    elif node_type == "user_task" and isinstance(output, str) and output:
        known.add(output, step)
        for key in TASK_RESULT:
            known.add(f"{output}.{key}", step)
        form = config.get("form")
        if isinstance(form, str):
            known.add(f"{output}.data", step)
            _form_fields(form, f"{output}.data.", f"task form {form}", ctx, known)
        else:
            known.add(f"{output}.data", step, is_open=True)
    elif node_type == "decision" and isinstance(config.get("decision_table"), str):
        _decision_defines(node_id, config, ctx, known)
    elif node_type in ("service", "subflow") and isinstance(output, dict):
        for target in output:
            known.add(target, step, is_open=True)
    if node_type == "service" and isinstance(config.get("error_output"), str):
        known.add(config["error_output"], f"error of {step}", is_open=True)
    message = config.get("message")
    if node_type == "wait" and isinstance(message, dict) and isinstance(message.get("output"), str):
        known.add(message["output"], f"message to {step}", is_open=True)


def _decision_defines(
    node_id: str, config: dict[str, Any], ctx: LintContext, known: KnownVariables
) -> None:
    table = config["decision_table"]
    output = config.get("output") if isinstance(config.get("output"), str) else node_id
    shape = (ctx.tables_shape or {}).get(table)
    if shape is None:
        known.add(output, f"table {table}", is_open=True)
        return
    known.add(output, f"table {table}")
    for column in shape.outputs:
        known.add(f"{output}.{column}", f"table {table}")


def _form_fields(
    form: Any, prefix: str, source: str, ctx: LintContext, known: KnownVariables
) -> None:
    fields = (ctx.form_fields or {}).get(form) if isinstance(form, str) else None
    if fields is None:
        known.complete = False  # a form whose fields we cannot see: anything may come
        return
    for path in fields:
        known.add(prefix + path, source)


def variable_issues(body: dict[str, Any], ctx: LintContext) -> list[tuple[str, str, str]]:
    """Warnings for reads nothing defines: edge conditions, decision tables' inputs, and
    what steps read (mapping sources, assignee expressions, a wait's date or correlation,
    notify recipients, as the engine's own `var_paths` lists them)."""
    if ctx.form_fields is None:
        return []
    known = known_variables(body, ctx)
    if not known.complete:
        return []
    found: list[tuple[str, str, str]] = []
    edges = body.get("edges") if isinstance(body.get("edges"), list) else []
    for j, edge in enumerate(edges):
        if isinstance(edge, dict) and edge.get("condition") is not None:
            for read in sorted(_condition_reads(edge["condition"])):
                if not known.defines(read):
                    what = f"the condition reads {read!r}"
                    found.append((WARNING, f"/edges/{j}/condition", _unknown(what)))
    nodes = body.get("nodes") if isinstance(body.get("nodes"), list) else []
    for i, node in enumerate(nodes):
        if isinstance(node, dict) and node.get("type") == "decision":
            found += _table_issues(i, node, ctx, known)
    for index, reads in _step_reads(body):
        unknown = [read for read in sorted(reads) if not known.defines(read)]
        if unknown:
            what = "this step reads " + ", ".join(repr(read) for read in unknown)
            found.append((WARNING, f"/nodes/{index}/config", _unknown(what)))
    return found


def _step_reads(body: dict[str, Any]) -> list[tuple[int, set[str]]]:
    """(node index, paths it reads) from the compiled flow; nothing while it does not
    compile (the compiler's errors come first)."""
    from runtime.flows.compile import compile_flow

    try:
        spec = compile_flow(body, "lint", 0)
    except DefinitionInvalid:
        return []
    return [(node.index, node.var_paths()) for node in spec.nodes]


def _table_issues(
    i: int, node: dict[str, Any], ctx: LintContext, known: KnownVariables
) -> list[tuple[str, str, str]]:
    config = node.get("config") if isinstance(node.get("config"), dict) else {}
    shape = (ctx.tables_shape or {}).get(config.get("decision_table"))
    if shape is None:
        return []
    mapped = config.get("input") if isinstance(config.get("input"), dict) else {}
    found = []
    for read in shape.inputs:
        if not known.defines(read) and not any(_under(read, target) for target in mapped):
            what = f"decision table {config['decision_table']!r} reads {read!r}"
            found.append((WARNING, f"/nodes/{i}/config/decision_table", _unknown(what)))
    return found


def _condition_reads(condition: Any) -> set[str]:
    try:
        return referenced_vars(compile_condition(condition))
    except (DefinitionInvalid, RuleError):
        return set()  # the compiler layer reports a broken condition


def _unknown(what: str) -> str:
    return (
        f"{what}, which no form, start variable or step defines: "
        "check the spelling, or declare it under the flow's variables if its starter passes it"
    )


def _under(read: str, target: str) -> bool:
    plain, target = _plain(read), _plain(target)
    return plain == target or plain.startswith(target + ".") or target.startswith(plain + ".")


def _plain(path: str) -> str:
    """`items[0].sku` and `items[].sku` both read as `items.sku`."""
    return _INDEX.sub("", path)
