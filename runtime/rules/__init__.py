"""Rules: JSON conditions and DMN-like decision tables, compiled once, evaluated safely.

    compile_condition(doc, pointer="") -> Condition      .evaluate(variables, now=None) -> bool
    compile_table(doc, pointer="", name="") -> DecisionTable
                                              .evaluate(variables, now=None) -> Decision
    referenced_vars(condition_or_table) -> set[str]      for the linter

No `eval`, `exec` or attribute access anywhere: see safety.py for the guards and limits,
pattern.py for the linear-time `matches`, conditions.py for the null rule.
"""

from __future__ import annotations

from runtime.rules.conditions import (
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Constant,
    Not,
    compile_condition,
    referenced_vars,
)
from runtime.rules.decisions import (
    Decision,
    DecisionTable,
    HitPolicy,
    TableInput,
    TableOutput,
    TableRule,
)
from runtime.rules.errors import NoRuleMatched, RuleConflict, RuleError, UnsafeRule
from runtime.rules.operators import OPERATORS
from runtime.rules.tables import compile_table

__all__ = [
    "OPERATORS",
    "AllOf",
    "AnyOf",
    "Comparison",
    "Condition",
    "Constant",
    "Decision",
    "DecisionTable",
    "HitPolicy",
    "NoRuleMatched",
    "Not",
    "RuleConflict",
    "RuleError",
    "TableInput",
    "TableOutput",
    "TableRule",
    "UnsafeRule",
    "compile_condition",
    "compile_table",
    "referenced_vars",
]
