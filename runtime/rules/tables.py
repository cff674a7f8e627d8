"""DMN-like decision tables: the return policy, routing and refund rules (DESIGN §6).

A table is JSON, compiled once into a frozen `DecisionTable`::

    {"hit_policy": "first",
     "inputs":  [{"id": "days", "label": "Days since delivery",
                  "var": "days_since_delivery", "type": "number"},
                 {"id": "reason", "var": "reason", "type": "string"}],
     "outputs": [{"id": "decision", "type": "string",
                  "values": ["auto_approve", "manual_review", "reject"]}],
     "rules": [{"id": "late", "when": {"days": {"op": ">", "value": 30}},
                "then": {"decision": "reject"}, "annotation": "outside the window"},
               {"id": "faulty", "when": {"reason": ["defective", "damaged"], "days": "-"},
                "then": {"decision": "manual_review"}}],
     "default": {"decision": "auto_approve"}}

* **inputs** name a variable each (`var`, default: the id) and a `type`
  (`string|number|boolean|date|any`, default `any`) that literal cells are checked
  against. **outputs** have a `type` (`…|list|any`) and optionally allowed `values`.
* A **cell** (`when[input_id]`) is `"-"` or absent (any value), a literal (equals, with
  the number rules of values.py), a list (one of), or a small condition on that input
  without `var`: `{"op": "<=", "value": 30}`, `{"op": "between", "value": [15, 30]}`,
  `{"any": [{"op": "is_null"}, {"op": "<", "value": 0}]}` - every operator of
  conditions.py. A rule matches when all its cells do.
* `then` gives output values: literals or `{"var": "path"}` (copied from the
  variables; missing gives null). Outputs a rule leaves out are null.
* **Hit policies**: `first` - the first matching rule in order; `unique` - at most one
  rule may match, more raise `RuleConflict` naming them (rules with identical cells are
  refused at compile time); `collect` - every matching rule, in table order, as a list.
  When nothing matches, `default` answers; without one, `first`/`unique` raise
  `NoRuleMatched` and `collect` answers an empty list (as DMN's collect does).

`Decision.matched_rule_ids` says which rows decided, for explanations and the audit trail.
"""

from __future__ import annotations

import json
import re
from typing import Any

from runtime.exceptions import DefinitionInvalid, ErrorDetail
from runtime.rules.conditions import Comparison, Condition, ConditionCompiler
from runtime.rules.decisions import (
    Decision,
    DecisionTable,
    HitPolicy,
    TableInput,
    TableOutput,
    TableRule,
)
from runtime.rules.errors import join_pointer
from runtime.rules.operands import Literal, ValueList, Var
from runtime.rules.operators import var_reference
from runtime.rules.safety import MISSING, path_problem, scan_document
from runtime.rules.values import equal, is_number, to_decimal, to_temporal

__all__ = [
    "Decision",
    "DecisionTable",
    "HitPolicy",
    "TableInput",
    "TableOutput",
    "TableRule",
    "compile_table",
]

INPUT_TYPES = ("string", "number", "boolean", "date", "any")
OUTPUT_TYPES = ("string", "number", "boolean", "date", "list", "any")
MAX_INPUTS = MAX_OUTPUTS = 50
MAX_RULES = 2_000
_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_RULE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$")
_TABLE_KEYS = {
    "hit_policy",
    "inputs",
    "outputs",
    "rules",
    "default",
    "description",
    "schema_version",
}


def compile_table(doc: Any, pointer: str = "", name: str = "") -> DecisionTable:
    """Compile decision-table JSON, or raise `DefinitionInvalid` with every error."""
    errors, fatal = scan_document(doc, pointer)
    if fatal:
        raise DefinitionInvalid(errors)
    builder = _TableCompiler(ConditionCompiler(errors), pointer)
    table = builder.table(doc, name)
    if builder.cc.errors or table is None:
        raise DefinitionInvalid(builder.cc.errors)
    return table


class _TableCompiler:
    def __init__(self, cc: ConditionCompiler, pointer: str) -> None:
        self.cc, self.root = cc, pointer

    def at(self, *keys: str | int) -> str:
        pointer = self.root
        for key in keys:
            pointer = join_pointer(pointer, key)
        return pointer

    def table(self, doc: Any, name: str) -> DecisionTable | None:
        if not isinstance(doc, dict):
            self.cc.error(self.root, "a decision table is a JSON object")
            return None
        for key in sorted(set(doc) - _TABLE_KEYS, key=str):
            self.cc.error(self.at(key), f"unknown key {key!r} in a decision table")
        policy = doc.get("hit_policy")
        if policy not in tuple(HitPolicy):
            self.cc.error(self.at("hit_policy"), "hit_policy is 'first', 'unique' or 'collect'")
        inputs = self._columns(doc, "inputs", MAX_INPUTS, self._input)
        outputs = self._columns(doc, "outputs", MAX_OUTPUTS, self._output)
        rules_doc = doc.get("rules")
        if not isinstance(rules_doc, list) or len(rules_doc) > MAX_RULES:
            self.cc.error(self.at("rules"), f"rules is a list of up to {MAX_RULES} rules")
            rules_doc = []
        rules = [self._rule(item, i, inputs, outputs) for i, item in enumerate(rules_doc)]
        default = None
        if doc.get("default") is not None:
            default = self._then(doc["default"], self.at("default"), outputs)
        self._check_rule_set(rules_doc, rules, policy)
        if self.cc.errors or None in rules or (doc.get("default") is not None and default is None):
            return None
        return DecisionTable(
            HitPolicy(policy),
            tuple(inputs.values()),
            tuple(outputs.values()),
            tuple(r for r in rules if r is not None),
            default,
            name,
        )

    def _columns(self, doc: dict, key: str, limit: int, make: Any) -> dict[str, Any]:
        items = doc.get(key)
        if not isinstance(items, list) or not 1 <= len(items) <= limit:
            self.cc.error(self.at(key), f"{key} is a list of 1 to {limit} columns")
            return {}
        columns: dict[str, Any] = {}
        for i, item in enumerate(items):
            column = make(item, self.at(key, i))
            if column is not None and column.id in columns:
                self.cc.error(self.at(key, i, "id"), f"duplicate id {column.id!r}")
            elif column is not None:
                columns[column.id] = column
        return columns

    def _column_base(self, item: Any, pointer: str, keys: set[str], types: tuple) -> dict | None:
        if not isinstance(item, dict):
            self.cc.error(pointer, "a column is an object with an 'id'")
            return None
        for key in sorted(set(item) - keys, key=str):
            self.cc.error(join_pointer(pointer, key), f"unknown key {key!r} in a column")
        ok = True
        if not (isinstance(item.get("id"), str) and _ID.match(item["id"])):
            self.cc.error(join_pointer(pointer, "id"), "id is a name of letters, digits and _")
            ok = False
        if item.get("type", "any") not in types:
            self.cc.error(join_pointer(pointer, "type"), f"type is one of {', '.join(types)}")
            ok = False
        if not isinstance(item.get("label", ""), str):
            self.cc.error(join_pointer(pointer, "label"), "label is text")
            ok = False
        return item if ok else None

    def _input(self, item: Any, pointer: str) -> TableInput | None:
        item = self._column_base(item, pointer, {"id", "label", "var", "type"}, INPUT_TYPES)
        if item is None:
            return None
        problem = path_problem(item.get("var", item["id"]))
        if problem:
            self.cc.error(join_pointer(pointer, "var"), problem)
            return None
        var = Var(item.get("var", item["id"]))
        return TableInput(item["id"], var, item.get("type", "any"), item.get("label", ""))

    def _output(self, item: Any, pointer: str) -> TableOutput | None:
        keys = {"id", "label", "type", "values"}
        item = self._column_base(item, pointer, keys, OUTPUT_TYPES)
        if item is None:
            return None
        values = item.get("values")
        if values is not None and not (isinstance(values, list) and values):
            self.cc.error(join_pointer(pointer, "values"), "values is a non-empty list")
            return None
        return TableOutput(
            item["id"],
            item.get("type", "any"),
            item.get("label", ""),
            tuple(values) if values is not None else None,
        )

    def _rule(self, item: Any, index: int, inputs: dict, outputs: dict) -> TableRule | None:
        pointer = self.at("rules", index)
        if not isinstance(item, dict):
            self.cc.error(pointer, 'a rule is {"id", "when", "then", "annotation"?}')
            return None
        for key in sorted(set(item) - {"id", "when", "then", "annotation"}, key=str):
            self.cc.error(join_pointer(pointer, key), f"unknown key {key!r} in a rule")
        rule_id = item.get("id")
        if not (isinstance(rule_id, str) and _RULE_ID.match(rule_id)):
            self.cc.error(
                join_pointer(pointer, "id"), "a rule needs an id (letters, digits, _ . : -)"
            )
        annotation = item.get("annotation", "")
        if not isinstance(annotation, str):
            self.cc.error(join_pointer(pointer, "annotation"), "annotation is text")
        when = item.get("when", {})
        cells = []
        if not isinstance(when, dict):
            self.cc.error(join_pointer(pointer, "when"), "when maps input ids to cells")
            when = {}
        for input_id, cell_doc in when.items():
            cell_at = join_pointer(join_pointer(pointer, "when"), input_id)
            if input_id not in inputs:
                self.cc.error(cell_at, f"unknown input {input_id!r}; declared: {', '.join(inputs)}")
                continue
            cell = self._cell(cell_doc, cell_at, inputs[input_id])
            if cell is not None:
                cells.append((input_id, cell))
        then = self._then(item.get("then"), join_pointer(pointer, "then"), outputs)
        if then is None or not isinstance(rule_id, str):
            return None
        return TableRule(
            rule_id, tuple(cells), then, annotation if isinstance(annotation, str) else ""
        )

    def _cell(self, doc: Any, pointer: str, column: TableInput) -> Condition | None:
        if doc == "-":
            return None
        if doc is None:
            self.cc.error(pointer, 'use "-" for any value, or {"op": "is_null"} for a missing one')
            return None
        if isinstance(doc, dict):
            return self.cc.compile(doc, pointer, implicit_var=column.var.path)
        if isinstance(doc, list):
            items = [
                self._literal_cell(v, join_pointer(pointer, i), column) for i, v in enumerate(doc)
            ]
            if any(v is MISSING for v in items):
                return None
            return Comparison(column.var, "in", ValueList(tuple(items)), pointer=pointer)
        value = self._literal_cell(doc, pointer, column)
        if value is MISSING:
            return None
        return Comparison(column.var, "==", Literal(value), pointer=pointer)

    def _literal_cell(self, value: Any, pointer: str, column: TableInput) -> Any:
        kind = column.type
        if isinstance(value, list | dict) or value is None:
            self.cc.error(pointer, "a list item is text, a number or true/false")
            return MISSING
        if kind == "date":
            moment = to_temporal(value)
            if moment is None:
                self.cc.error(pointer, f"input {column.id!r} is a date: use 'YYYY-MM-DD'")
                return MISSING
            return moment
        if not _fits(value, kind):
            self.cc.error(pointer, f"input {column.id!r} is of type {kind}; {value!r} is not")
            return MISSING
        return value

    def _then(self, doc: Any, pointer: str, outputs: dict) -> tuple[Var | Literal, ...] | None:
        if not isinstance(doc, dict):
            self.cc.error(pointer, "expected an object mapping output ids to values")
            return None
        for key in doc:
            if key not in outputs:
                self.cc.error(join_pointer(pointer, key), f"output {key!r} is not declared")
        values: list[Var | Literal] = []
        for output in outputs.values():
            at = join_pointer(pointer, output.id)
            value = doc.get(output.id)
            if isinstance(value, dict):
                found: list[ErrorDetail] = []
                var = var_reference(value, at, found)
                for problem in found:
                    self.cc.error(problem.pointer, problem.reason)
                values.append(var or Literal(None))
                continue
            if value is not None and not _fits(value, output.type):
                self.cc.error(
                    at, f"output {output.id!r} is of type {output.type}; {value!r} is not"
                )
            elif (
                value is not None
                and output.values is not None
                and not any(equal(value, allowed) for allowed in output.values)
            ):
                self.cc.error(at, f"{value!r} is not one of the values allowed for {output.id!r}")
            values.append(Literal(value))
        return tuple(values)

    def _check_rule_set(self, docs: list, rules: list, policy: Any) -> None:
        seen_ids: dict[str, int] = {}
        seen_cells: dict[str, str] = {}
        catch_all = None
        for index, (doc, rule) in enumerate(zip(docs, rules, strict=True)):
            rule_id = doc.get("id") if isinstance(doc, dict) else None
            if isinstance(rule_id, str) and rule_id in seen_ids:
                first = self.at("rules", seen_ids[rule_id])
                self.cc.error(
                    self.at("rules", index, "id"),
                    f"duplicate rule id {rule_id!r} (also at {first})",
                )
            elif isinstance(rule_id, str):
                seen_ids[rule_id] = index
            if rule is None:
                continue
            if catch_all is not None and policy == HitPolicy.FIRST:
                self.cc.error(
                    self.at("rules", index),
                    f"rule {rule.id!r} can never match: rule {catch_all!r} above matches anything",
                )
            if not rule.cells:
                catch_all = catch_all or rule.id
            if policy == HitPolicy.UNIQUE:
                cells = doc.get("when", {})
                when = (
                    {k: v for k, v in cells.items() if v != "-"} if isinstance(cells, dict) else {}
                )
                key = json.dumps(when, sort_keys=True, default=str)
                if key in seen_cells:
                    self.cc.error(
                        self.at("rules", index, "when"),
                        f"rules {seen_cells[key]!r} and {rule.id!r} have the same cells; "
                        "with hit policy 'unique' at most one rule may match",
                    )
                seen_cells.setdefault(key, rule.id)


def _fits(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        return is_number(value) or (isinstance(value, str) and to_decimal(value) is not None)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "date":
        return to_temporal(value) is not None
    if kind == "list":
        return isinstance(value, list)
    return True
