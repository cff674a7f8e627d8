"""A yes/no check of a form's schema, compiled into closures: jsonschema only explains a no.

Most submissions are valid, and for a valid one `Draft202012Validator.iter_errors`
spent most of a submit's validation time walking the schema (a new evolved validator
and a resolver lookup per keyword and property). The schemas a form compiles to use a
small set of keywords, so each compiles here, once per form version, into nested
closures that answer "valid?" in a fraction of that time.

The contract is one-sided and that is what makes it safe: `compile_check` returns
`None` for a schema using anything it does not know (then jsonschema runs every time),
and a compiled check answers True only when jsonschema would find no error; it may say
False where jsonschema would accept (an integral float as an integer, a non-string
enum), which only costs the slow path. On False the caller runs jsonschema as before,
so every problem and message comes from the same validator as ever. Formats are checked
by the same format checker jsonschema uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator

Check = Callable[[Any], bool]
_FORMATS = Draft202012Validator.FORMAT_CHECKER
_TYPES: dict[str, Check] = {
    "string": lambda v: type(v) is str,
    "integer": lambda v: type(v) is int,
    "number": lambda v: type(v) in (int, float, Decimal),
    "boolean": lambda v: type(v) is bool,
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "null": lambda v: v is None,
}
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment"})


class _Unknown(Exception):
    """The schema uses something this module does not check."""


def compile_check(schema: Mapping[str, Any]) -> Check | None:
    """A closure answering "does jsonschema accept this?" conservatively, or None."""
    try:
        return _compile(schema)
    except (_Unknown, KeyError, re.error, TypeError, ValueError):
        return None


def _compile(schema: Any) -> Check:
    if schema is True or schema == {}:
        return lambda v: True
    if not isinstance(schema, Mapping):
        raise _Unknown(schema)
    checks: list[Check] = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        make = _KEYWORDS.get(keyword)
        if make is None:
            raise _Unknown(keyword)
        checks.append(make(value, schema))
    checks = [c for c in checks if c is not None]
    if not checks:
        return lambda v: True
    combined = checks[0]
    for check in checks[1:]:
        combined = _both(combined, check)
    return combined


def _both(first: Check, second: Check) -> Check:
    return lambda v: first(v) and second(v)


def _type(value: Any, schema: Mapping) -> Check:
    if isinstance(value, str):
        return _TYPES[value]
    if isinstance(value, list) and value:
        checks = [_TYPES[name] for name in value]
        return lambda v: any(check(v) for check in checks)
    raise _Unknown("type")


def _properties(value: Any, schema: Mapping) -> Check:
    subs = {name: _compile(sub) for name, sub in value.items()}

    def check(v: Any) -> bool:
        if type(v) is not dict:
            return True  # jsonschema: `properties` only applies to objects
        for name, sub in subs.items():  # noqa: SIM110  (a loop: no generator per object)
            if name in v and not sub(v[name]):
                return False
        return True

    return check


def _required(value: Any, schema: Mapping) -> Check:
    names = tuple(value)
    return lambda v: type(v) is not dict or all(name in v for name in names)


def _items(value: Any, schema: Mapping) -> Check:
    if "prefixItems" in schema:
        raise _Unknown("prefixItems")
    sub = _compile(value)
    return lambda v: type(v) is not list or all(sub(item) for item in v)


def _enum(value: Any, schema: Mapping) -> Check:
    if not all(type(item) is str for item in value):
        raise _Unknown("enum")
    allowed = frozenset(value)
    return lambda v: type(v) is str and v in allowed


def _const(value: Any, schema: Mapping) -> Check:
    if type(value) is not str:
        raise _Unknown("const")
    return lambda v: type(v) is str and v == value


def _length(limit: int, longest: bool) -> Check:
    if longest:
        return lambda v: type(v) is not str or len(v) <= limit
    return lambda v: type(v) is not str or len(v) >= limit


def _count(limit: int, most: bool) -> Check:
    if most:
        return lambda v: type(v) is not list or len(v) <= limit
    return lambda v: type(v) is not list or len(v) >= limit


def _bound(limit: Any, kind: str) -> Check:
    if type(limit) not in (int, float) or type(limit) is bool:
        raise _Unknown(kind)
    numeric = (int, float, Decimal)
    compare = {
        "minimum": lambda v: v >= limit, "maximum": lambda v: v <= limit,
        "exclusiveMinimum": lambda v: v > limit, "exclusiveMaximum": lambda v: v < limit,
    }[kind]
    return lambda v: type(v) not in numeric or compare(v)


def _pattern(value: Any, schema: Mapping) -> Check:
    search = re.compile(value).search
    return lambda v: type(v) is not str or search(v) is not None


def _unique(value: Any, schema: Mapping) -> Check | None:
    if value is not True:
        return None
    # Strings only: jsonschema's equality (1 == True is not a duplicate) is not Python's.
    return lambda v: type(v) is not list or (
        all(type(item) is str for item in v) and len(set(v)) == len(v)
    )


def _format(value: Any, schema: Mapping) -> Check:
    return lambda v: _FORMATS.conforms(v, value)


_KEYWORDS: dict[str, Callable[[Any, Mapping], Check | None]] = {
    "type": _type,
    "properties": _properties,
    "required": _required,
    "items": _items,
    "enum": _enum,
    "const": _const,
    "minLength": lambda value, schema: _length(value, False),
    "maxLength": lambda value, schema: _length(value, True),
    "minItems": lambda value, schema: _count(value, False),
    "maxItems": lambda value, schema: _count(value, True),
    "minimum": lambda value, schema: _bound(value, "minimum"),
    "maximum": lambda value, schema: _bound(value, "maximum"),
    "exclusiveMinimum": lambda value, schema: _bound(value, "exclusiveMinimum"),
    "exclusiveMaximum": lambda value, schema: _bound(value, "exclusiveMaximum"),
    "pattern": _pattern,
    "uniqueItems": _unique,
    "format": _format,
}
