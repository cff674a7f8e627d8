"""Reading and writing instance variables by path, and the `{target: source}` mappings.

Paths use the rules' var syntax (runtime/rules/safety.py): `order.items[0].sku`, read
through dicts and lists only; nothing is ever evaluated. A *source* is:

* a string - a variable path (`"customer.email"`), or `"$"` for the whole object read;
* `{"var": "path"}` - the same, spelled out;
* `{"value": <any JSON>}` - a literal (the only way to give a literal string);
* any other JSON value (number, true/false, null, list) - a literal.

A *mapping* is `{target: source}`; targets are dotted names (`refund.amount`) and
writing one creates the objects on the way. Where a mapping reads (the instance's
variables for a service's `input`, the connector's answer for its `output`) is decided
by the node that holds it. A path that does not resolve reads as null.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from runtime.exceptions import ErrorDetail
from runtime.flows.records import json_copy
from runtime.rules.errors import join_pointer
from runtime.rules.safety import MISSING, parse_var_path, path_problem, read_path

TARGET = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
WHOLE = "$"
MAX_ITEMS = 500


@dataclass(frozen=True)
class Source:
    """Where one value comes from: a path (`path`), the whole object, or a literal."""

    path: str | None = None
    value: Any = None
    #: `path` parsed once when the spec is compiled, not on every read.
    segments: tuple[str | int, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        if self.path not in (None, WHOLE):
            object.__setattr__(self, "segments", parse_var_path(self.path))

    def read(self, data: Mapping[str, Any]) -> Any:
        if self.path is None:
            return json_copy(self.value)
        if self.path == WHOLE:
            return json_copy(data)
        value = read_path(data, self.segments)
        return None if value is MISSING else json_copy(value)

    def var_paths(self) -> Iterator[str]:
        if self.path not in (None, WHOLE):
            yield self.path  # type: ignore[misc]


@dataclass(frozen=True)
class VarMapping:
    items: tuple[tuple[str, Source], ...] = ()

    def build(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """A new object with every target set from `data`."""
        return self.write_into({}, data)

    def write_into(self, target: dict[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
        """`target` (not modified) with every mapped value written into a copy."""
        for path, source in self.items:
            target = write_var(target, path, source.read(data))
        return target

    def var_paths(self) -> Iterator[str]:
        for _, source in self.items:
            yield from source.var_paths()

    def __bool__(self) -> bool:
        return bool(self.items)


NO_MAPPING = VarMapping()


def read_var(data: Mapping[str, Any], path: str) -> Any:
    """The JSON value at `path`, copied; None when it does not resolve."""
    value = read_path(data, parse_var_path(path))
    return None if value is MISSING else json_copy(value)


def write_var(data: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `data` with `path` (dotted names) set to `value`; `data` is untouched."""
    head, _, rest = path.partition(".")
    out = dict(data)
    if not rest:
        out[head] = value
        return out
    child = out.get(head)
    out[head] = write_var(child if isinstance(child, dict) else {}, rest, value)
    return out


def compile_source(doc: Any, pointer: str, errors: list[ErrorDetail]) -> Source | None:
    if isinstance(doc, str):
        return _path_source(doc, pointer, errors)
    if isinstance(doc, dict):
        if set(doc) == {"var"} and isinstance(doc["var"], str):
            return _path_source(doc["var"], join_pointer(pointer, "var"), errors)
        if set(doc) == {"value"}:
            return Source(value=json_copy(doc["value"]))
        errors.append(ErrorDetail(pointer, 'a source is a path, {"var": path} or {"value": ...}'))
        return None
    return Source(value=json_copy(doc))


def compile_mapping(doc: Any, pointer: str, errors: list[ErrorDetail]) -> VarMapping | None:
    if not isinstance(doc, dict) or len(doc) > MAX_ITEMS:
        errors.append(ErrorDetail(pointer, f"a mapping is an object of up to {MAX_ITEMS} targets"))
        return None
    items = []
    before = len(errors)
    for target, source_doc in doc.items():
        at = join_pointer(pointer, target)
        if not (isinstance(target, str) and TARGET.match(target) and not path_problem(target)):
            errors.append(ErrorDetail(at, "a target is a name, with dots for nested fields"))
            continue
        source = compile_source(source_doc, at, errors)
        if source is not None:
            items.append((target, source))
    return VarMapping(tuple(items)) if len(errors) == before else None


def _path_source(path: str, pointer: str, errors: list[ErrorDetail]) -> Source | None:
    if path == WHOLE:
        return Source(path=WHOLE)
    problem = path_problem(path)
    if problem:
        errors.append(ErrorDetail(pointer, problem))
        return None
    return Source(path=path)
