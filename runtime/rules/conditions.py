"""JSON conditions (DESIGN §6), compiled once into frozen trees and evaluated safely.

A condition is `true`, `false`, a logic node or a comparison::

    {"all": [{"var": "reason", "op": "in", "value": ["size", "changed_mind"]},
             {"var": "days_since_delivery", "op": "<=", "value": 30},
             {"not": {"var": "customer.watchlisted", "op": "==", "value": true}},
             {"var": "order.delivered_at", "op": "within_last", "value": "P30D"},
             {"var": "refund.amount", "op": "<=", "value": {"var": "order.paid"}}]}

* `all` / `any` hold lists (`{"all": []}` is true, `{"any": []}` false); `not` one condition.
* A comparison is `{"var", "op", "value", "ignore_case"?}`. `value` may be
  `{"var": "other.path"}` to compare two variables. Operators are listed in
  operators.py: `== != < <= > >= in not_in contains starts_with ends_with matches
  between is_null is_not_null is_empty is_not_empty before after on_or_before
  on_or_after within_last older_than`. Numbers compare as Decimal (values.py).
* `within_last` / `older_than` take an ISO-8601 duration and compare with the `now`
  handed to `evaluate`; nothing here reads the clock. A date (no time) is compared by
  calendar day: `within_last P30D` holds from `(now - 30 days).date()` to `now.date()`.
* `matches` takes a pattern written in the rule (pattern.py: linear time, no
  backreferences or lookarounds); text longer than 2,000 characters does not match.

**Null rule.** A variable is *missing* when its path does not resolve (absent key,
index out of range, a step through a non-container) or resolves to null. When the
left variable is missing, `is_null` and `is_empty` are true, `!=` is true if the
right side is present, and every other operator is false (including `not_in`,
`older_than` and `is_not_null`). When a `{"var": …}` on the right is missing, every
operator is false except `!=` (true when the left side is present). Values of the
wrong type compare false (`!=` true). `not` is plain negation: `{"not": {"var": "x",
"op": "==", "value": 1}}` is true when `x` is missing.

Compiling refuses, with every error and its JSON pointer at once (`DefinitionInvalid`):
unknown operators and keys, a missing `var`, wrong value types, nesting deeper than 32,
more than 1,000 nodes, and anything safety.py refuses (paths or strings that reach for
Python internals, such as `__class__` or `{0.__globals__}`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runtime.exceptions import DefinitionInvalid, ErrorDetail
from runtime.rules.errors import RuleError, join_pointer
from runtime.rules.operands import Context, Var
from runtime.rules.operators import OPERATORS, Operator, compile_operand, var_reference
from runtime.rules.safety import MISSING, scan_document

MAX_DEPTH = 32
MAX_NODES = 1_000
_COMPARISON_KEYS = {"var", "op", "value", "ignore_case"}
_SHAPE = (
    'expected true, false, {"all": [...]}, {"any": [...]}, {"not": ...} '
    'or a comparison {"var": ..., "op": ..., "value": ...}'
)


class Condition(ABC):
    """Base of the compiled condition tree."""

    def evaluate(self, variables: Mapping[str, Any], now: datetime | None = None) -> bool:
        """True or false for these variables; `now` is needed only by relative date operators."""
        return self.test(Context(variables, now))

    @abstractmethod
    def test(self, context: Context) -> bool:
        """True when the condition holds in `context`."""

    def children(self) -> tuple[Condition, ...]:
        return ()


@dataclass(frozen=True)
class Constant(Condition):
    value: bool

    def test(self, context: Context) -> bool:
        return self.value


@dataclass(frozen=True)
class AllOf(Condition):
    items: tuple[Condition, ...]

    def test(self, context: Context) -> bool:
        return all(item.test(context) for item in self.items)

    def children(self) -> tuple[Condition, ...]:
        return self.items


@dataclass(frozen=True)
class AnyOf(Condition):
    items: tuple[Condition, ...]

    def test(self, context: Context) -> bool:
        return any(item.test(context) for item in self.items)

    def children(self) -> tuple[Condition, ...]:
        return self.items


@dataclass(frozen=True)
class Not(Condition):
    item: Condition

    def test(self, context: Context) -> bool:
        return not self.item.test(context)

    def children(self) -> tuple[Condition, ...]:
        return (self.item,)


@dataclass(frozen=True)
class Comparison(Condition):
    """`var op operand`; `pointer` says where it came from, for errors and audit."""

    var: Var
    op: str
    operand: Any = None
    ignore_case: bool = False
    pointer: str = ""
    operator: Operator = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ValueError(f"unknown operator {self.op!r}")
        object.__setattr__(self, "operator", OPERATORS[self.op])

    def test(self, context: Context) -> bool:
        operator = self.operator
        if operator.needs_now and context.now is None:
            raise RuleError(
                f"{self.pointer or '/'}: operator {self.op!r} compares with 'now', "
                "but the evaluation was given no 'now'",
                pointer=self.pointer,
            )
        left = self.var.resolve(context)
        if operator.null_aware:
            return bool(operator.test(left, None, self.ignore_case))
        right = self.operand.resolve(context)
        if left is MISSING or right is MISSING:
            return self.op == "!=" and (left is not MISSING or right is not MISSING)
        return bool(operator.test(left, right, self.ignore_case))

    def var_paths(self) -> Iterator[str]:
        yield from self.var.var_paths()
        if self.operand is not None:
            yield from self.operand.var_paths()


def compile_condition(doc: Any, pointer: str = "") -> Condition:
    """Compile condition JSON into a frozen `Condition`, or raise `DefinitionInvalid`."""
    errors, fatal = scan_document(doc, pointer)
    if fatal:
        raise DefinitionInvalid(errors)
    compiler = ConditionCompiler(errors)
    condition = compiler.compile(doc, pointer)
    if compiler.errors:
        raise DefinitionInvalid(compiler.errors)
    assert condition is not None
    return condition


def referenced_vars(rule: Any) -> set[str]:
    """Every variable path a compiled condition (or decision table) reads, for the linter."""
    if not isinstance(rule, Condition):
        return rule.referenced_vars()
    paths: set[str] = set()
    stack: list[Condition] = [rule]
    while stack:
        node = stack.pop()
        if isinstance(node, Comparison):
            paths.update(node.var_paths())
        stack.extend(node.children())
    return paths


class ConditionCompiler:
    """Compiles one document, collecting errors; decision tables reuse it for cells.

    Errors at a pointer that the document scan already flagged are not repeated.
    """

    def __init__(self, errors: list[ErrorDetail]) -> None:
        self.errors = list(errors)
        self._flagged = {e.pointer for e in errors}
        self._nodes = 0

    def error(self, pointer: str, reason: str) -> None:
        if pointer not in self._flagged:
            self._flagged.add(pointer)
            self.errors.append(ErrorDetail(pointer, reason))

    def compile(self, doc: Any, pointer: str, implicit_var: str | None = None) -> Condition | None:
        """Compile one condition; in a table cell `implicit_var` is the column's variable.

        The node limit counts per call, so each cell of a large table has its own.
        """
        self._nodes = 0
        return self._compile(doc, pointer, implicit_var, 1)

    def _compile(
        self, doc: Any, pointer: str, implicit_var: str | None, depth: int
    ) -> Condition | None:
        self._nodes += 1
        if self._nodes == MAX_NODES + 1:
            self.error(pointer, f"a condition has at most {MAX_NODES} nodes")
        if self._nodes > MAX_NODES:
            return None
        if depth > MAX_DEPTH:
            self.error(pointer, f"conditions nest at most {MAX_DEPTH} levels deep")
            return None
        if isinstance(doc, bool):
            return Constant(doc)
        if not isinstance(doc, dict):
            self.error(pointer, _SHAPE)
            return None
        logic = {"all", "any", "not"} & set(doc)
        if logic:
            if len(doc) != 1:
                self.error(pointer, "a logic node has exactly one key: 'all', 'any' or 'not'")
                return None
            return self._logic(logic.pop(), doc, pointer, implicit_var, depth)
        if "op" in doc or "var" in doc:
            return self._comparison(doc, pointer, implicit_var)
        self.error(pointer, _SHAPE)
        return None

    def _logic(
        self, key: str, doc: dict, pointer: str, implicit_var: str | None, depth: int
    ) -> Condition | None:
        at = join_pointer(pointer, key)
        if key == "not":
            item = self._compile(doc[key], at, implicit_var, depth + 1)
            return None if item is None else Not(item)
        if not isinstance(doc[key], list):
            self.error(at, f"'{key}' holds a list of conditions")
            return None
        items = [
            self._compile(item, join_pointer(at, i), implicit_var, depth + 1)
            for i, item in enumerate(doc[key])
        ]
        if any(item is None for item in items):
            return None
        return (AllOf if key == "all" else AnyOf)(tuple(items))  # type: ignore[arg-type]

    def _comparison(self, doc: dict, pointer: str, implicit_var: str | None) -> Condition | None:
        before = len(self.errors)
        for key in sorted(set(doc) - _COMPARISON_KEYS, key=str):
            self.error(join_pointer(pointer, key), f"unknown key {key!r} in a comparison")
        op = doc.get("op")
        operator = OPERATORS.get(op) if isinstance(op, str) else None
        if "op" not in doc:
            self.error(pointer, "a comparison needs an 'op'")
        elif operator is None:
            self.error(
                join_pointer(pointer, "op"),
                f"unknown operator {str(op)[:40]!r}; use one of: {', '.join(OPERATORS)}",
            )
        var = self._var(doc, pointer, implicit_var)
        ignore_case = doc.get("ignore_case", False)
        if not isinstance(ignore_case, bool):
            self.error(join_pointer(pointer, "ignore_case"), "ignore_case is true or false")
        elif ignore_case and operator is not None and not operator.text_option:
            self.error(join_pointer(pointer, "ignore_case"), f"{op!r} does not compare text")
        operand = None
        if operator is not None:
            found: list[ErrorDetail] = []
            operand = compile_operand(operator, doc, pointer, found, ignore_case is True)
            for problem in found:
                self.error(problem.pointer, problem.reason)
        if len(self.errors) > before or var is None or operator is None:
            return None
        return Comparison(var, operator.name, operand, ignore_case, pointer)

    def _var(self, doc: dict, pointer: str, implicit_var: str | None) -> Var | None:
        if implicit_var is not None:
            if "var" in doc:
                self.error(
                    join_pointer(pointer, "var"), "a cell tests its column's input; drop 'var'"
                )
                return None
            return Var(implicit_var)
        if "var" not in doc:
            self.error(pointer, "a comparison needs a 'var'")
            return None
        found: list[ErrorDetail] = []
        var = var_reference({"var": doc["var"]}, pointer, found)
        for problem in found:
            self.error(problem.pointer, problem.reason)
        return var
