"""Compiled decision tables and their answers (the format is described in tables.py).

These are the frozen specs `compile_table` produces; evaluation only walks them. The
hit policy decides how many matching rows count, and `Decision.matched_rule_ids`
records which rows decided, for the explanation shown to staff and the audit trail.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from runtime.rules.conditions import Condition, referenced_vars
from runtime.rules.errors import NoRuleMatched, RuleConflict
from runtime.rules.operands import Context, Literal, Var
from runtime.rules.safety import MISSING


class HitPolicy(StrEnum):
    FIRST = "first"
    UNIQUE = "unique"
    COLLECT = "collect"


@dataclass(frozen=True)
class TableInput:
    id: str
    var: Var
    type: str = "any"
    label: str = ""


@dataclass(frozen=True)
class TableOutput:
    id: str
    type: str = "any"
    label: str = ""
    values: tuple[Any, ...] | None = None


#: Output values that need no copy (they cannot be changed in place).
_IMMUTABLE = frozenset({str, int, float, bool, type(None)})


@dataclass(frozen=True)
class TableRule:
    """One row: conditions per input (absent = any) and one value per declared output."""

    id: str
    cells: tuple[tuple[str, Condition], ...]
    then: tuple[Var | Literal, ...]
    annotation: str = ""

    def matches(self, context: Context) -> bool:
        for _, cell in self.cells:  # noqa: SIM110 - a plain loop: all(genexpr) costs a frame per cell
            if not cell.test(context):
                return False
        return True


@dataclass(frozen=True)
class Decision:
    """`outputs` is a dict for first/unique and a list of dicts for collect."""

    hit_policy: HitPolicy
    outputs: dict[str, Any] | list[dict[str, Any]]
    matched_rule_ids: tuple[str, ...]
    used_default: bool = False


@dataclass(frozen=True)
class DecisionTable:
    hit_policy: HitPolicy
    inputs: tuple[TableInput, ...]
    outputs: tuple[TableOutput, ...]
    rules: tuple[TableRule, ...]
    default: tuple[Var | Literal, ...] | None = None
    name: str = ""

    def evaluate(self, variables: Mapping[str, Any], now: datetime | None = None) -> Decision:
        """Decide for these variables; `now` feeds relative date cells (`within_last`)."""
        context = Context(variables, now)
        if self.hit_policy is HitPolicy.FIRST:
            matched = []
            for rule in self.rules:
                if rule.matches(context):
                    matched.append(rule)
                    break
        else:
            matched = [r for r in self.rules if r.matches(context)]
        ids = tuple(r.id for r in matched)
        if self.hit_policy is HitPolicy.COLLECT:
            if matched or self.default is None:
                return Decision(
                    self.hit_policy, [self._values(r.then, context) for r in matched], ids
                )
            return Decision(self.hit_policy, [self._values(self.default, context)], (), True)
        if len(matched) > 1:
            raise RuleConflict(
                f"{self._label()}hit policy 'unique' allows one matching rule, but "
                f"{', '.join(map(repr, ids))} all match",
                rule_ids=ids,
            )
        if matched:
            return Decision(self.hit_policy, self._values(matched[0].then, context), ids)
        if self.default is None:
            raise NoRuleMatched(f"{self._label()}no rule matched and the table has no default")
        return Decision(self.hit_policy, self._values(self.default, context), (), True)

    def rule(self, rule_id: str) -> TableRule:
        """The row with this id (for explanations); KeyError when there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def referenced_vars(self) -> set[str]:
        """Every variable the table reads: inputs, `{"var"}` values in cells and outputs."""
        paths = {inp.var.path for inp in self.inputs}
        for rule in self.rules:
            for _, cell in rule.cells:
                paths |= referenced_vars(cell)
        for value in [v for r in self.rules for v in r.then] + list(self.default or ()):
            paths.update(value.var_paths())
        return paths

    def _values(self, then: tuple[Var | Literal, ...], context: Context) -> dict[str, Any]:
        result = {}
        for output, value in zip(self.outputs, then, strict=True):
            resolved = value.resolve(context)
            if resolved is MISSING:
                resolved = None
            elif type(resolved) not in _IMMUTABLE:  # a list or object: the caller's own copy
                resolved = copy.deepcopy(resolved)
            result[output.id] = resolved
        return result

    def _label(self) -> str:
        return f"decision table {self.name!r}: " if self.name else ""
