"""Form rules: show / hide / require a field, or compute its value, on a JSON condition.

    {"when": {"var": "reason", "op": "==", "value": "damaged"}, "effect": "show",
     "fields": ["photos"]}
    {"when": true, "effect": "compute", "field": "total",
     "value": {"sum": "items", "product": ["qty", "unit_price"]}}

Conditions are runtime.rules conditions (the flows' language, compiled once). The same
rule JSON goes to the browser (static/js/forms.js), which applies it with a faithful
port of the evaluator; the server applies it again on submit and trusts nothing the
browser computed.

Semantics, in this order, in one pass (the browser does the same):

1. **compute** rules run first, in document order; a holding rule sets its field to the
   computed value, and a computed field no rule set is absent. Client values for a
   computed field are always discarded.
2. **show / hide**: a field named by any `show` rule is hidden unless one of its show
   rules holds; a holding `hide` rule hides it. Children of a hidden group are hidden.
3. **require**: a holding rule makes its (visible) fields required.

Computed values (no `eval`, no expression strings): a literal; `{"var": path}`;
`{"sum": list_path, "field": f}` or `{"sum": list_path, "product": [f, g]}` over line
items; `{"add": [...]}`, `{"sub": [a, b]}`, `{"mul": [...]}` over operands of the same
kinds; `{"round": operand, "places": n}`. Arithmetic is Decimal; a missing operand of
add/sub/mul makes the result absent, a missing cell in a sum counts as nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from typing import Any

from runtime.exceptions import DefinitionInvalid, ErrorDetail
from runtime.rules import Condition, compile_condition, referenced_vars
from runtime.rules.operands import Context
from runtime.rules.safety import MISSING, parse_var_path, path_problem, read_path
from runtime.rules.values import to_decimal

MAX_COMPUTE_DEPTH = 10
_OPS = ("add", "sub", "mul")


@dataclass(frozen=True)
class FormRule:
    effect: str
    condition: Condition
    fields: tuple[str, ...]
    value: Any = None


@dataclass(frozen=True)
class RuleOutcome:
    hidden: frozenset[str]
    required: frozenset[str]
    computed: Mapping[str, Any]


@dataclass(frozen=True)
class FormRules:
    rules: tuple[FormRule, ...]
    documents: tuple[Mapping[str, Any], ...]
    computed_fields: frozenset[str]
    shown_by_rule: frozenset[str]
    external_vars: frozenset[str]
    currencies: Mapping[str, str | None]
    target_types: Mapping[str, str]

    def shape(self, path: str, value: Any) -> Any:
        """A computed Decimal in the form its field stores (money object, int/float, text)."""
        if not isinstance(value, Decimal):
            return value
        kind = self.target_types.get(path)
        if kind == "money":
            amount = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            return {"amount": str(amount), "currency": self.currencies.get(path) or ""}
        if kind == "number":
            return int(value) if value == value.to_integral_value() else float(value)
        return str(value)

    def apply(
        self,
        data: dict[str, Any],
        context: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> RuleOutcome:
        """Set computed fields in `data` (in place) and say what is hidden and required."""
        # Conditions read the data itself unless outside variables join it: every change
        # below is made to both, so without a context one dict serves (no copy).
        variables: dict[str, Any] = {**context, **data} if context else data
        separate = variables is not data
        scope = Context(variables, now)  # one evaluation context for every rule
        computed: dict[str, Any] = {}
        for path in self.computed_fields:
            _remove(data, path)
            if separate:
                _remove(variables, path)
        for rule in self.compute_rules:
            if rule.condition.test(scope):
                path = rule.fields[0]
                value = self.shape(path, evaluate_value(rule.value, variables))
                if value is MISSING:
                    _remove(data, path)
                    if separate:
                        _remove(variables, path)
                    computed.pop(path, None)
                else:
                    _assign(data, path, value)
                    if separate:
                        _assign(variables, path, value)
                    computed[path] = value
        hidden = set(self.shown_by_rule)
        hiding: set[str] = set()
        required: set[str] = set()
        for rule in self.field_rules:
            if not rule.condition.test(scope):
                continue
            if rule.effect == "show":
                hidden.difference_update(rule.fields)
            elif rule.effect == "hide":
                hiding.update(rule.fields)
            else:
                required.update(rule.fields)
        hidden |= hiding
        if hidden and required:
            required = {p for p in required if not is_under(p, hidden)}
        return RuleOutcome(frozenset(hidden), frozenset(required), computed)

    @cached_property
    def compute_rules(self) -> tuple[FormRule, ...]:
        """The compute rules, in document order (they run first)."""
        return tuple(rule for rule in self.rules if rule.effect == "compute")

    @cached_property
    def field_rules(self) -> tuple[FormRule, ...]:
        """The show / hide / require rules, in document order."""
        return tuple(rule for rule in self.rules if rule.effect != "compute")

    def client_document(self) -> list[Mapping[str, Any]]:
        """The rule JSON the browser enhancer applies (the definition's own rules)."""
        return list(self.documents)


def compile_rules(docs: Any, fields: Mapping[str, Any], errors: list[ErrorDetail]) -> FormRules:
    rules: list[FormRule] = []
    computed: set[str] = set()
    shown: set[str] = set()
    external: set[str] = set()
    for index, doc in enumerate(docs):
        pointer = f"/rules/{index}"
        try:
            condition = compile_condition(doc.get("when", True), f"{pointer}/when")
        except DefinitionInvalid as exc:
            errors.extend(exc.errors)
            continue
        external.update(v for v in referenced_vars(condition) if _head(v) not in fields)
        effect = doc.get("effect")
        if effect == "compute":
            if "expression" in doc:
                errors.append(
                    ErrorDetail(
                        f"{pointer}/expression",
                        "form rules compute with a value such as "
                        '{"sum": "items", "product": ["qty", "price"]}; expressions are not '
                        "supported in forms",
                    )
                )
                continue
            targets = (doc.get("field", ""),)
            _check_value(doc.get("value"), f"{pointer}/value", errors, 0)
            computed.update(targets)
        else:
            targets = tuple(doc.get("fields") or ())
        for at, path in enumerate(targets):
            if path not in fields:
                where = f"{pointer}/field" if effect == "compute" else f"{pointer}/fields/{at}"
                errors.append(ErrorDetail(where, f"{path!r} is not a field of this form"))
        if effect == "show":
            shown.update(targets)
        rules.append(FormRule(effect, condition, targets, doc.get("value")))
    return FormRules(
        tuple(rules),
        tuple(docs),
        frozenset(computed),
        frozenset(shown),
        frozenset(external),
        {p: fields[p].widget.currency for p in computed if p in fields},
        {p: fields[p].type for p in computed if p in fields},
    )


def evaluate_value(doc: Any, variables: Mapping[str, Any]) -> Any:
    """A computed value (see the module docstring); MISSING when it cannot be computed."""
    if not isinstance(doc, dict):
        return doc
    if "var" in doc:
        return read_path(variables, _segments(doc["var"]))
    if "sum" in doc:
        rows = read_path(variables, _segments(doc["sum"]))
        total = Decimal(0)
        if isinstance(rows, list):
            for row in rows:
                total += _row_value(row, doc)
        return total
    if "round" in doc:
        value = _number(evaluate_value(doc["round"], variables))
        if value is MISSING:
            return MISSING
        places = Decimal(1).scaleb(-int(doc.get("places", 2)))
        return value.quantize(places, rounding=ROUND_HALF_UP)
    op = next(name for name in _OPS if name in doc)
    values = [_number(evaluate_value(item, variables)) for item in doc[op]]
    if any(v is MISSING for v in values):
        return MISSING
    result = values[0]
    for value in values[1:]:
        if op == "add":
            result += value
        elif op == "sub":
            result -= value
        else:
            result *= value
    return result


@lru_cache(maxsize=4096)
def _segments(path: str) -> tuple[str | int, ...]:
    return parse_var_path(path)


def _row_value(row: Any, doc: Mapping[str, Any]) -> Decimal:
    if type(row) is not dict and not isinstance(row, Mapping):  # dict first: no ABC check
        return Decimal(0)
    names = doc.get("product") or [doc.get("field")]
    result = Decimal(1)
    for name in names:
        value = _number(row.get(name, MISSING))
        if value is MISSING:
            return Decimal(0)
        result *= value
    return result


def _number(value: Any) -> Any:
    # Exact types first: line-item cells are ints and floats, and an ABC isinstance
    # check per cell costs more than the arithmetic (a bool is neither: type() is bool).
    kind = type(value)
    if kind is int:
        return Decimal(value)
    if kind is float:
        number = to_decimal(value)
        return MISSING if number is None else number
    if isinstance(value, Mapping) and "amount" in value:
        value = value["amount"]
    if value is MISSING or value is None:
        return MISSING
    number = to_decimal(value)
    return MISSING if number is None else number


def _check_value(doc: Any, pointer: str, errors: list[ErrorDetail], depth: int) -> None:
    if depth > MAX_COMPUTE_DEPTH:
        reason = f"computed values nest at most {MAX_COMPUTE_DEPTH} deep"
        errors.append(ErrorDetail(pointer, reason))
        return
    if not isinstance(doc, dict):
        if isinstance(doc, list):
            errors.append(ErrorDetail(pointer, "a computed value is a literal or an object"))
        return
    keys = set(doc)
    if keys == {"var"} or keys in ({"sum", "field"}, {"sum", "product"}):
        for key in ("var", "sum"):
            if key in doc and path_problem(doc[key]):
                errors.append(ErrorDetail(f"{pointer}/{key}", path_problem(doc[key]) or ""))
        names = doc.get("product", [doc.get("field", "x")])
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            errors.append(ErrorDetail(pointer, "a sum names line-item fields"))
        return
    if keys in ({"round"}, {"round", "places"}):
        if not isinstance(doc.get("places", 2), int) or not 0 <= doc.get("places", 2) <= 10:
            errors.append(ErrorDetail(f"{pointer}/places", "places is a whole number 0-10"))
        _check_value(doc["round"], f"{pointer}/round", errors, depth + 1)
        return
    if len(keys) == 1 and keys <= set(_OPS) and isinstance(doc[next(iter(keys))], list):
        op = next(iter(keys))
        items = doc[op]
        if not items or (op == "sub" and len(items) != 2):
            errors.append(ErrorDetail(f"{pointer}/{op}", f"'{op}' needs its operands"))
        for i, item in enumerate(items):
            _check_value(item, f"{pointer}/{op}/{i}", errors, depth + 1)
        return
    errors.append(
        ErrorDetail(pointer, "a computed value is a literal, var, sum, add, sub, mul or round")
    )


def is_under(path: str, hidden: set[str] | frozenset[str]) -> bool:
    """True when `path` or one of its parent groups is hidden."""
    return path in hidden or any(path.startswith(h + ".") for h in hidden)


def _head(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


def _assign(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for name in parents:
        data = data.setdefault(name, {})
    data[last] = value


def _remove(data: dict[str, Any], path: str) -> None:
    *parents, last = path.split(".")
    for name in parents:
        data = data.get(name) if isinstance(data, dict) else None  # type: ignore[assignment]
        if not isinstance(data, dict):
            return
    data.pop(last, None)
