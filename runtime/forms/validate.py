"""Server-side validation of one submission: parse, apply rules, validate, map errors.

The JSON Schema is compiled once per definition checksum (`compiled_validator`), so a
busy form pays for `Draft202012Validator(...)` once per version, not per request. Hidden
fields are dropped *before* validation and errors under them are ignored, so a hidden
field is never required; computed fields are recomputed by the rules (rules.py) and
never taken from the client.

Errors come back as `{key: message}` with keys like `email`, `address/city`,
`items/0/qty` (and `""` for the form as a whole), in the user's locale: the form's own
`<field>.error.<code>` text when it has one, else the built-in text (messages.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator

from runtime.forms.fastcheck import Check, compile_check
from runtime.forms.messages import builtin_text, lookup
from runtime.forms.parse import Problem, RawInput, parse_input
from runtime.forms.rules import RuleOutcome, is_under
from runtime.forms.spec import FormSpec
from runtime.rules.values import is_empty

MAX_VALIDATORS = 256
_validators: OrderedDict[str, Draft202012Validator] = OrderedDict()
_lock = threading.Lock()


@dataclass
class Checked:
    """Typed, rule-applied data and its problems (`problems` empty when valid)."""

    data: dict[str, Any]
    problems: dict[str, Problem] = field(default_factory=dict)
    outcome: RuleOutcome | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def compiled_validator(spec: FormSpec) -> Draft202012Validator:
    """The cached validator for this definition version (keyed by its checksum).

    The spec keeps its own reference too, so a submit to a cached spec skips the lock
    and the LRU bookkeeping (the shared cache still gives every spec of one version the
    same compiled validator).
    """
    own = spec.__dict__.get("_validator")
    if own is not None:
        return own
    validator = _shared_validator(spec)
    object.__setattr__(spec, "_validator", validator)  # frozen: a memo, not state
    return validator


def fast_check(spec: FormSpec) -> Check | None:
    """The form's compiled yes/no schema check (runtime.forms.fastcheck), memoised on the spec."""
    memo = spec.__dict__.get("_fast_check", _UNSET)
    if memo is _UNSET:
        memo = compile_check(spec.schema)
        object.__setattr__(spec, "_fast_check", memo)  # frozen: a memo, not state
    return memo


_UNSET = object()


def _shared_validator(spec: FormSpec) -> Draft202012Validator:
    cache_key = spec.checksum or f"{spec.key}:{spec.version}"
    with _lock:
        validator = _validators.get(cache_key)
        if validator is not None:
            _validators.move_to_end(cache_key)
            return validator
    validator = Draft202012Validator(
        spec.schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    with _lock:
        _validators[cache_key] = validator
        while len(_validators) > MAX_VALIDATORS:
            _validators.popitem(last=False)
    return validator


def check_input(
    spec: FormSpec,
    raw: RawInput,
    *,
    files: Mapping[str, list[dict[str, Any]]] | None = None,
    context: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Checked:
    """Parse `raw` (multipart text fields), add `files` metadata, then `check_data`."""
    data, problems = parse_input(spec, raw)
    for path, items in (files or {}).items():
        if items:
            _assign(data, path, list(items))
    return check_data(spec, data, problems, context=context, now=now)


def check_data(
    spec: FormSpec,
    data: dict[str, Any],
    problems: dict[str, Problem] | None = None,
    *,
    context: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Checked:
    """Apply rules to typed `data` (in place) and validate what remains visible."""
    outcome = spec.rules.apply(data, context, now)
    hidden = outcome.hidden
    for path in hidden:
        _remove(data, path)
    if problems and hidden:
        problems = {k: p for k, p in problems.items() if not is_under(_dotted(k), hidden)}
    else:
        problems = dict(problems or {})
    valid = fast_check(spec)
    if valid is None or not valid(data):  # jsonschema explains what is wrong
        for error in compiled_validator(spec).iter_errors(data):
            for key, problem in _schema_problems(error):
                if not is_under(_dotted(key), hidden):
                    problems.setdefault(key, problem)
    for path in outcome.required:
        if is_empty(_read(data, path)):
            problems.setdefault(path.replace(".", "/"), Problem("required"))
    for rows in spec.line_items:
        # An absent list is zero rows: `minItems` must hold even when nothing was sent.
        if rows.min_items and rows.path not in outcome.hidden and rows.path not in data:
            problems.setdefault(rows.key, Problem("minItems", rows.min_items))
    for consent in spec.consents:
        required = consent.required or consent.path in outcome.required
        if required and consent.path not in outcome.hidden and data.get(consent.path) is not True:
            problems[consent.key] = Problem("consent")
    return Checked(data, problems, outcome)


def messages_for(spec: FormSpec, problems: Mapping[str, Problem], locale: str) -> dict[str, str]:
    """`{key: message}` in `locale`, the form's own texts first."""
    out: dict[str, str] = {}
    for key, problem in problems.items():
        field_path = ".".join(part for part in key.split("/") if not part.isdigit())
        own = lookup(spec.i18n, locale, f"{field_path}.error.{problem.code}")
        if own:
            out[key] = own
        else:
            out[key] = builtin_text(locale, problem.code, limit=_limit(problem.limit))
    return out


def _schema_problems(error: Any) -> list[tuple[str, Problem]]:
    path = [str(p) for p in error.absolute_path]
    keyword = error.validator
    if keyword == "required":
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        return [
            ("/".join([*path, name]), Problem("required"))
            for name in error.validator_value
            if name not in instance
        ]
    if keyword == "additionalProperties":
        extras = [n for n in error.instance if n not in (error.schema.get("properties") or {})]
        return [("/".join([*path, str(n)]), Problem("additionalProperties")) for n in extras]
    code = keyword if keyword in _KEYWORDS else "invalid"
    limit = error.validator_value if code in _LIMITED else None
    return [("/".join(path), Problem(code, limit))]


_KEYWORDS = frozenset(
    {
        "type",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "enum",
        "const",
        "minItems",
        "maxItems",
        "uniqueItems",
    }
)
_LIMITED = frozenset(
    {
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
    }
)


def _limit(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _dotted(key: str) -> str:
    return key.replace("/", ".")


def _read(data: Mapping[str, Any], path: str) -> Any:
    current: Any = data
    for name in path.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(name)
    return current


def _assign(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for name in parents:
        data = data.setdefault(name, {})
    data[last] = value


def _remove(data: dict[str, Any], path: str) -> None:
    *parents, last = path.split(".")
    current: Any = data
    for name in parents:
        current = current.get(name) if isinstance(current, dict) else None
    if isinstance(current, dict):
        current.pop(last, None)
