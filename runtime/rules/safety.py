"""Guards that keep rule documents away from Python internals, plus size limits.

Rules are data, never code: nothing in `runtime/rules` calls `eval`, `exec`, `compile`,
`getattr` or `str.format` (a test reads the source to keep it so), and variables are
read only by indexing dicts and lists. These guards are defence in depth on top of that,
and they make the classic sandbox-escape probes fail loudly (CHECKLIST 19):

* a **var path** must match `^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z0-9_]+|\\[\\d+\\])*$` and no
  segment may contain `__` or be an interpreter internal (`mro`, `f_globals`, …);
* **every key and string** in a rule document is refused when it names a dunder
  (`__class__`, `__globals__`, `__subclasses__`, `__builtins__`), reaches an internal
  (`.mro`, `[f_globals]`), uses format-string field access (`{0.__class__}`,
  `{x[key]}`) or template syntax (`{{`, `{%`, `{#`, `${`, `#{`, `<%`);
* the same checks run again when a compiled variable is read (`read_path`), so a spec
  built or altered outside `compile_*` still cannot walk into internals.

Limits bound the work of compiling and evaluating a document; they are constants here
so the builder can show them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from runtime.exceptions import ErrorDetail
from runtime.rules.errors import UnsafeRule, join_pointer

MAX_DOCUMENT_DEPTH = 100
"""JSON nesting depth of a whole rule document (a condition may nest 32 logic levels)."""
MAX_DOCUMENT_NODES = 50_000
"""JSON values in one rule document (a decision table with a few thousand rows)."""
MAX_STRING_LENGTH = 10_000
MAX_DOCUMENT_CHARS = 1_000_000
MAX_VAR_PATH_LENGTH = 200
MAX_ERRORS = 100
"""Errors reported at once; more would only bury the first ones."""

VAR_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+|\[\d+\])*$")
_SEGMENTS = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
_HEAD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*")

INTERNAL_NAMES = frozenset(
    {
        "mro",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_back",
        "f_code",
        "gi_frame",
        "gi_code",
        "cr_frame",
        "cr_code",
        "ag_frame",
        "ag_code",
        "co_code",
        "co_consts",
        "tb_frame",
        "tb_next",
        "func_globals",
        "func_code",
        "im_func",
        "im_self",
        "im_class",
    }
)
_NAMES = "|".join(sorted(INTERNAL_NAMES))
_DUNDER = re.compile(r"(?<![A-Za-z0-9])__[A-Za-z]\w*")
_INTERNAL = re.compile(rf"(?:\.|\[\s*['\"]?)\s*(?:{_NAMES})\b|\bmro\s*\(|^\s*(?:{_NAMES})\s*$")
_FORMAT_FIELD = re.compile(r"\{[A-Za-z0-9_\s]*(?:\.\s*[A-Za-z_]|\[[^\]{}]*\])[^{}]*\}")
_TEMPLATE = re.compile(r"\{\{|\{%|\{#|\$\{|#\{|<%")

_REACH = "internals are not reachable from rules"


class _Missing:
    """The value of a variable that is absent or null (see conditions.py on nulls)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


def string_problem(text: str) -> str | None:
    """Why `text` may not appear in a rule document, or None when it is fine."""
    if len(text) > MAX_STRING_LENGTH:
        return f"text longer than {MAX_STRING_LENGTH} characters"
    found = _DUNDER.search(text)
    if found:
        return f"{found.group()!r} names a Python internal; {_REACH}"
    found = _INTERNAL.search(text)
    if found:
        return f"{found.group().strip()!r} reaches a Python internal; {_REACH}"
    found = _FORMAT_FIELD.search(text)
    if found:
        return f"format-string field access {found.group()!r} is not allowed; {_REACH}"
    found = _TEMPLATE.search(text)
    if found:
        return f"template syntax {found.group()!r} is not allowed in rules"
    return None


def path_problem(path: Any) -> str | None:
    """Why `path` is not a readable variable path, or None when it is fine."""
    if not isinstance(path, str) or not path:
        return "var must be a non-empty string path such as 'order.country'"
    if len(path) > MAX_VAR_PATH_LENGTH:
        return f"var path longer than {MAX_VAR_PATH_LENGTH} characters"
    for segment in re.split(r"[.\[\]]+", path):
        if "__" in segment or segment in INTERNAL_NAMES:
            return f"var path {path[:60]!r} refers to {segment!r}; {_REACH}"
    if any(mark in path for mark in "{}%$#<>"):
        return f"template or format syntax is not allowed in var paths; {_REACH}"
    if not VAR_PATH.match(path):
        return (
            f"var path {path[:60]!r} is not valid: use names of letters, digits and _ "
            "joined by dots, with [n] for list items (e.g. 'items[0].sku')"
        )
    return None


def parse_var_path(path: str) -> tuple[str | int, ...]:
    """Split a valid path into mapping keys (str) and list indexes (int)."""
    problem = path_problem(path)
    if problem:
        raise UnsafeRule(problem)
    head = _HEAD.match(path)
    assert head is not None  # guaranteed by VAR_PATH
    segments: list[str | int] = [head.group()]
    for name, index in _SEGMENTS.findall(path[head.end() :]):
        segments.append(name if name else int(index))
    return tuple(segments)


def check_segments(segments: tuple[str | int, ...]) -> None:
    """Evaluation-time re-check of a compiled path (defence in depth)."""
    for segment in segments:
        if isinstance(segment, bool) or not isinstance(segment, str | int):
            raise UnsafeRule(f"var path segment {segment!r} is not a name or an index")
        if isinstance(segment, str) and ("__" in segment or segment in INTERNAL_NAMES):
            raise UnsafeRule(f"var path segment {segment!r} is refused; {_REACH}")


#: Paths `check_segments` has passed. A path is a tuple of str/int, so it cannot change
#: after the check; remembering it keeps the defence-in-depth check off the hot path of
#: every rule evaluation. Bounded, since paths come from a finite set of definitions.
_CHECKED_PATHS: set[tuple[str | int, ...]] = set()
_MAX_CHECKED_PATHS = 10_000


def _names_and_indexes(segments: Any) -> bool:
    """Exactly str and int items (True == 1 and 1.0 == 1 must not match a cached path)."""
    if type(segments) is not tuple:
        return False
    for segment in segments:
        kind = type(segment)
        if kind is not str and kind is not int:
            return False
    return True


def read_path(variables: Mapping[str, Any], segments: tuple[str | int, ...]) -> Any:
    """Follow `segments` through dicts and lists only; MISSING when absent or null.

    Never `getattr`: an object met on the way is a leaf, not something to walk into.
    A numeric `.3` segment indexes a list like `[3]` does.
    """
    if not (_names_and_indexes(segments) and segments in _CHECKED_PATHS):
        check_segments(segments)
        if len(_CHECKED_PATHS) < _MAX_CHECKED_PATHS:
            _CHECKED_PATHS.add(segments)
    current: Any = variables
    for segment in segments:
        if type(current) is dict or isinstance(current, Mapping):
            is_name = type(segment) is str or isinstance(segment, str)
            current = current.get(segment, MISSING) if is_name else MISSING
        elif isinstance(current, list | tuple):
            index = segment if isinstance(segment, int) else _index(segment)
            current = current[index] if index is not None and index < len(current) else MISSING
        else:
            return MISSING
        if current is MISSING or current is None:
            return MISSING
    return current


def _index(segment: str) -> int | None:
    return int(segment) if segment.isdigit() else None


def scan_document(doc: Any, pointer: str = "") -> tuple[list[ErrorDetail], bool]:
    """Check every key and value of a raw rule document, without recursion.

    Returns (errors, fatal): `fatal` means a size limit was hit and compiling the
    document further would only waste work.
    """
    errors: list[ErrorDetail] = []
    stack: list[tuple[Any, str, int]] = [(doc, pointer, 1)]
    nodes = chars = 0
    while stack:
        value, at, depth = stack.pop()
        nodes += 1
        if nodes > MAX_DOCUMENT_NODES:
            return [
                ErrorDetail(pointer, f"document has more than {MAX_DOCUMENT_NODES} values")
            ], True
        if depth > MAX_DOCUMENT_DEPTH:
            return [
                ErrorDetail(at, f"document nests deeper than {MAX_DOCUMENT_DEPTH} levels")
            ], True
        if isinstance(value, dict):
            for key, item in value.items():
                child = join_pointer(at, key)
                if not isinstance(key, str):
                    errors.append(ErrorDetail(child, "object keys must be strings"))
                    continue
                chars += len(key)
                problem = string_problem(key)
                if problem:
                    errors.append(ErrorDetail(child, f"key: {problem}"))
                stack.append((item, child, depth + 1))
        elif isinstance(value, list | tuple):
            stack.extend((item, join_pointer(at, i), depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            chars += len(value)
            problem = string_problem(value)
            if problem:
                errors.append(ErrorDetail(at, problem))
        elif isinstance(value, float | Decimal) and not _finite(value):
            errors.append(ErrorDetail(at, "numbers must be finite"))
        elif value is not None and not isinstance(value, bool | int | float | Decimal):
            errors.append(ErrorDetail(at, f"{type(value).__name__} is not a JSON value"))
        if chars > MAX_DOCUMENT_CHARS:
            return [
                ErrorDetail(pointer, f"document has more than {MAX_DOCUMENT_CHARS} characters")
            ], True
        if len(errors) >= MAX_ERRORS:
            return errors, True
    errors.sort(key=lambda e: e.pointer)
    return errors, False


def _finite(value: float | Decimal) -> bool:
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
