"""Definition documents: check them against their kind's meta-schema, then freeze them.

A document is the envelope `{kind, key, title, schema_version, body}` (DESIGN §2). Every
check reports *all* problems at once, each with an RFC 6901 JSON pointer into the
envelope (`/body/nodes/2/type`), so the builder can mark every node or field in one
round trip instead of making the user fix errors one by one.

The size and depth limits run before jsonschema sees the body: a hostile document must
not make the validator (or the JSON encoder) recurse until the process falls over.

The checksum is what makes a published version verifiable: sha256 over the canonical
JSON of `{title, body, schema_version}`. Canonical means sorted keys, no whitespace,
UTF-8, and integral floats written as integers, because PostgreSQL's JSONB does not
preserve the difference between `1e2` and `100` and the checksum must not depend on
which database stored the row.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from builder.metaschemas import KINDS, SCHEMA_DIR, meta_schema, schema_errors
from builder.pointers import (
    MAX_ERRORS,
    escape_token,
    pointer_sort_key,
    sort_errors,
    to_pointer,
)
from runtime.exceptions import DefinitionInvalid, ErrorDetail

__all__ = [
    "CURRENT_SCHEMA_VERSION",
    "ENVELOPE_FIELDS",
    "KEY_PATTERN",
    "KINDS",
    "MAX_BODY_BYTES",
    "MAX_DEPTH",
    "MAX_ERRORS",
    "MAX_KEY_LENGTH",
    "MAX_TITLE_LENGTH",
    "SCHEMA_DIR",
    "SUPPORTED_SCHEMA_VERSIONS",
    "DefinitionDocument",
    "canonical_json",
    "check_document",
    "check_envelope",
    "compute_checksum",
    "escape_token",
    "meta_schema",
    "parse_document",
    "parse_envelope",
    "pointer_sort_key",
    "sort_errors",
    "starter_body",
    "to_pointer",
    "unknown_fields",
]

#: The envelope format this code reads and writes; older ones go through a migration table.
CURRENT_SCHEMA_VERSION = 1
SUPPORTED_SCHEMA_VERSIONS = frozenset({1})
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
MAX_KEY_LENGTH = 128
MAX_TITLE_LENGTH = 300
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
ENVELOPE_FIELDS = ("kind", "key", "title", "schema_version", "body")



@dataclass(frozen=True)
class DefinitionDocument:
    """A checked definition. Treat `body` as read-only: the checksum was computed from it."""

    kind: str
    key: str
    title: str
    body: dict[str, Any]
    schema_version: int = CURRENT_SCHEMA_VERSION

    @property
    def checksum(self) -> str:
        return compute_checksum(self.title, self.body, self.schema_version)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "title": self.title,
            "schema_version": self.schema_version,
            "body": self.body,
        }


# --- checks ---------------------------------------------------------------------------


def check_document(
    kind: Any, key: Any, title: Any, body: Any, schema_version: Any = CURRENT_SCHEMA_VERSION
) -> list[ErrorDetail]:
    """Every problem with one definition, sorted by pointer; empty when it is valid."""
    errors = [*_check_kind(kind), *_check_key(key), *_check_title(title)]
    errors += _check_schema_version(schema_version)
    if not isinstance(body, dict):
        errors.append(ErrorDetail("/body", _missing_or("must be an object", body)))
        return sort_errors(errors)
    shape = _check_shape(body, ("body",))
    if shape:
        return sort_errors(errors + shape)
    size = len(canonical_json(body))
    if size > MAX_BODY_BYTES:
        reason = f"is {size:,} bytes; a definition body may hold at most {MAX_BODY_BYTES:,}"
        return sort_errors([*errors, ErrorDetail("/body", reason)])
    if kind in KINDS:
        found = schema_errors(kind, body)
        if kind == "form" and not found:
            found = _form_errors(body)
        errors += found
    return sort_errors(errors)


def _form_errors(body: dict[str, Any]) -> list[ErrorDetail]:
    """What the meta-schema cannot see: sections, widgets and rules naming real fields,
    widget types fitting their JSON types, conditions that compile (runtime.forms)."""
    from runtime.forms import compile_form

    try:
        compile_form(body, "check", 0, "")
    except DefinitionInvalid as exc:
        return [ErrorDetail(f"/body{e.pointer}", e.reason) for e in exc.errors]
    return []


def parse_document(
    kind: Any, key: Any, title: Any, body: Any, schema_version: Any = CURRENT_SCHEMA_VERSION
) -> DefinitionDocument:
    """Check, then freeze; raises DefinitionInvalid carrying every error."""
    errors = check_document(kind, key, title, body, schema_version)
    if errors:
        raise DefinitionInvalid(errors)
    return DefinitionDocument(kind, key, title, body, schema_version)


def unknown_fields(
    data: Mapping[str, Any], allowed: Iterable[str], at: str = ""
) -> list[ErrorDetail]:
    """Fields nobody asked for are refused, never silently trusted (CHECKLIST 24)."""
    allowed = set(allowed)
    return [
        ErrorDetail(f"{at}/{escape_token(k)}", "unknown field") for k in data if k not in allowed
    ]


def check_envelope(data: Any) -> list[ErrorDetail]:
    """Every problem with a whole envelope, e.g. one file of a bundle."""
    if not isinstance(data, dict):
        return [ErrorDetail("", "must be an object with kind, key, title, schema_version, body")]
    errors = unknown_fields(data, ENVELOPE_FIELDS)
    errors += check_document(
        data.get("kind"),
        data.get("key"),
        data.get("title"),
        data.get("body"),
        data.get("schema_version", _MISSING),
    )
    return sort_errors(errors)


def parse_envelope(data: Any) -> DefinitionDocument:
    errors = check_envelope(data)
    if errors:
        raise DefinitionInvalid(errors)
    return DefinitionDocument(
        data["kind"], data["key"], data["title"], data["body"], data["schema_version"]
    )


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


def _missing_or(reason: str, value: Any) -> str:
    return "is required" if value is None or value is _MISSING else reason


def _check_kind(kind: Any) -> list[ErrorDetail]:
    if isinstance(kind, str) and kind in KINDS:
        return []
    return [ErrorDetail("/kind", _missing_or("must be one of: " + ", ".join(KINDS), kind))]


def _check_key(key: Any) -> list[ErrorDetail]:
    if isinstance(key, str) and len(key) <= MAX_KEY_LENGTH and KEY_PATTERN.match(key):
        return []
    reason = (
        "must be lower-case words of letters, digits and _ separated by dots, e.g. returns.request"
    )
    if isinstance(key, str) and len(key) > MAX_KEY_LENGTH:
        reason = f"must be at most {MAX_KEY_LENGTH} characters"
    return [ErrorDetail("/key", _missing_or(reason, key))]


def _check_title(title: Any) -> list[ErrorDetail]:
    if not isinstance(title, str) or not title.strip():
        return [ErrorDetail("/title", _missing_or("must be a non-empty string", title))]
    if len(title) > MAX_TITLE_LENGTH:
        return [ErrorDetail("/title", f"must be at most {MAX_TITLE_LENGTH} characters")]
    if "\x00" in title:
        return [ErrorDetail("/title", "must not contain NUL characters")]
    return []


def _check_schema_version(value: Any) -> list[ErrorDetail]:
    if value is _MISSING:
        return [ErrorDetail("/schema_version", "is required")]
    if isinstance(value, bool) or not isinstance(value, int):
        return [ErrorDetail("/schema_version", "must be an integer")]
    if value not in SUPPORTED_SCHEMA_VERSIONS:
        supported = ", ".join(map(str, sorted(SUPPORTED_SCHEMA_VERSIONS)))
        return [
            ErrorDetail("/schema_version", f"{value} is not supported (supported: {supported})")
        ]
    return []


def _check_shape(value: Any, root: tuple[object, ...]) -> list[ErrorDetail]:
    """Depth, NUL characters and non-finite numbers, walked without recursion.

    PostgreSQL refuses NUL in JSONB text and NaN is not JSON, so either would fail
    later as a database error instead of a clear message at the right pointer.
    """
    errors: list[ErrorDetail] = []
    stack: list[tuple[Any, tuple[object, ...]]] = [(value, root)]
    while stack:
        item, path = stack.pop()
        if len(path) - len(root) > MAX_DEPTH:
            errors.append(ErrorDetail(to_pointer(path), f"nests deeper than {MAX_DEPTH} levels"))
            continue
        if isinstance(item, dict):
            for name, child in item.items():
                if not isinstance(name, str):
                    errors.append(ErrorDetail(to_pointer(path), "object keys must be strings"))
                elif "\x00" in name:
                    errors.append(ErrorDetail(to_pointer(path), "keys must not contain NUL"))
                else:
                    stack.append((child, (*path, name)))
        elif isinstance(item, list):
            stack.extend((child, (*path, i)) for i, child in enumerate(item))
        elif isinstance(item, str):
            if "\x00" in item:
                errors.append(ErrorDetail(to_pointer(path), "must not contain NUL characters"))
        elif isinstance(item, float):
            if not math.isfinite(item):
                errors.append(ErrorDetail(to_pointer(path), "must be a finite number"))
        elif item is not None and not isinstance(item, bool | int):
            errors.append(ErrorDetail(to_pointer(path), "is not a JSON value"))
        if len(errors) > MAX_ERRORS:
            break
    return errors


# --- canonical form -------------------------------------------------------------------


def _normalise(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def canonical_json(value: Any) -> bytes:
    """One byte string per JSON value, whatever the key order or database it came from."""
    return json.dumps(
        _normalise(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def compute_checksum(title: str, body: Any, schema_version: int) -> str:
    payload = {"title": title, "body": body, "schema_version": schema_version}
    return hashlib.sha256(canonical_json(payload)).hexdigest()


# --- starting points ------------------------------------------------------------------

_STARTER_BODIES: dict[str, dict[str, Any]] = {
    "form": {
        "schema": {"type": "object", "properties": {}, "required": []},
        "ui": {"sections": [{"id": "main", "title": "Details", "fields": []}]},
        "i18n": {"en": {}},
    },
    "flow": {
        "nodes": [
            {"id": "start", "type": "start", "config": {"trigger": {"type": "manual"}}},
            {"id": "end", "type": "end", "config": {"status": "completed"}},
        ],
        "edges": [{"from": "start", "to": "end"}],
    },
    "decision_table": {
        "hit_policy": "first",
        "inputs": [{"id": "input", "var": "input"}],
        "outputs": [{"id": "result"}],
        "rules": [],
    },
    "dashboard": {
        "widgets": [
            {
                "id": "total",
                "title": "Cases",
                "dataset": "tasks",
                "chart": "kpi",
                "measures": [{"id": "count", "agg": "count"}],
            }
        ]
    },
    "connector": {
        "type": "http",
        "base_url": "https://api.example.com",
        "auth": {"type": "none"},
        "actions": {"ping": {"method": "GET", "path": "/"}},
    },
}


def starter_body(kind: str) -> dict[str, Any]:
    """A small valid body to begin a new definition from (a fresh copy each call)."""
    return json.loads(json.dumps(_STARTER_BODIES[kind]))
