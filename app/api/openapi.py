"""The OpenAPI document, generated from the routes themselves.

Each API view carries an `@operation(...)` with its summary and JSON Schemas; the
document walks the URL map, so a route cannot exist without appearing in it, and its
security requirement comes from the same access declaration the gate enforces.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask

from app.security import access_of

F = TypeVar("F", bound=Callable[..., Any])

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
            },
        }
    },
}


@dataclass(frozen=True)
class Operation:
    summary: str
    tags: tuple[str, ...] = ()
    request: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    status: int = 200
    query: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: tuple[int, ...] = ()


def operation(summary: str, **kwargs: Any) -> Callable[[F], F]:
    def mark(view: F) -> F:
        view._formloom_operation = Operation(summary=summary, **kwargs)  # type: ignore[attr-defined]
        return view

    return mark


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_TYPES = {"int": {"type": "integer"}, None: {"type": "string"}, "string": {"type": "string"}}


def build_document(app: Flask, prefix: str = "/api/v1") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(prefix):
            continue
        view = app.view_functions[rule.endpoint]
        op: Operation | None = getattr(view, "_formloom_operation", None)
        if op is None:
            raise RuntimeError(f"API route {rule.rule} has no @operation")
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        params = [
            {"name": name, "in": "path", "required": True, "schema": _TYPES.get(conv, _TYPES[None])}
            for conv, name in _CONVERTER.findall(rule.rule)
        ]
        params += [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in op.query.items()
        ]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _describe(op, view, params, method)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Formloom API", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": {"Error": ERROR_SCHEMA},
        },
    }


def _describe(op: Operation, view: Any, params: list, method: str) -> dict[str, Any]:
    access = access_of(view)
    error_schema = {"$ref": "#/components/schemas/Error"}
    error_ref = {"content": {"application/json": {"schema": error_schema}}}
    responses: dict[str, Any] = {
        str(op.status): {
            "description": "OK",
            **({"content": {"application/json": {"schema": op.response}}} if op.response else {}),
        }
    }
    codes = set(op.errors)
    if op.request is not None:
        codes |= {400, 422}
    if access is None or not access.public:
        codes |= {401, 403}
    for code in sorted(codes):
        responses[str(code)] = {"description": "Error", **error_ref}
    doc: dict[str, Any] = {
        "summary": op.summary,
        "operationId": view.__name__,
        "tags": list(op.tags),
        "parameters": params,
        "responses": responses,
    }
    if access is not None and not access.public:
        doc["security"] = [{"bearer": []}, {"session": []}]
        if access.roles:
            doc["description"] = "Roles: " + ", ".join(access.roles)
    if op.request is not None and method in {"POST", "PUT", "PATCH"}:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": op.request}},
        }
    return doc
