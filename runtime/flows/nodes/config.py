"""Reading one node's `config` object while collecting every error with its pointer."""

from __future__ import annotations

import re
from typing import Any

from runtime.exceptions import DefinitionError, ErrorDetail
from runtime.flows.mapping import Source, VarMapping, compile_mapping, compile_source
from runtime.rules.errors import join_pointer
from runtime.timeutil import BusinessDuration, Duration, compile_duration_spec

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEFINITION_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
ROLE = re.compile(r"^[a-z][a-z0-9_]*$")
ADDRESS = re.compile(r"^[^\s@]+@[^\s@]+$")
#: Where a timeout sends tasks: a role or team key ("manager" is one), or a user.
TARGET_TO = re.compile(r"^(?:[a-z][a-z0-9_]{0,63}|[^\s@]+@[^\s@]+)$")


class Config:
    """A node's config, read key by key; unknown keys are errors (as in the meta-schema)."""

    def __init__(
        self, doc: Any, pointer: str, errors: list[ErrorDetail], allowed: frozenset[str]
    ) -> None:
        self.pointer, self.errors = pointer, errors
        if doc is None:
            doc = {}
        if not isinstance(doc, dict):
            errors.append(ErrorDetail(pointer, "config is an object"))
            doc = {}
        self.doc: dict[str, Any] = doc
        for key in sorted(set(doc) - allowed, key=str):
            self.error(key, f"unknown key {key!r} for this node type")

    def at(self, *keys: str | int) -> str:
        pointer = self.pointer
        for key in keys:
            pointer = join_pointer(pointer, key)
        return pointer

    def error(self, key: str | int | None, reason: str) -> None:
        self.errors.append(ErrorDetail(self.at(key) if key is not None else self.pointer, reason))

    def has(self, key: str) -> bool:
        return key in self.doc

    def get(self, key: str, default: Any = None) -> Any:
        return self.doc.get(key, default)

    def sub(self, key: str, allowed: frozenset[str]) -> Config:
        return Config(self.doc.get(key), self.at(key), self.errors, allowed)

    def text(
        self,
        key: str,
        *,
        required: bool = False,
        pattern: re.Pattern[str] | None = None,
        what: str = "text",
        max_length: int = 5000,
    ) -> str | None:
        value = self.doc.get(key)
        if value is None:
            if required:
                self.error(None, f"'{key}' is required")
            return None
        if not isinstance(value, str) or not value or len(value) > max_length:
            self.error(key, f"'{key}' must be {what}")
            return None
        if pattern is not None and not pattern.match(value):
            self.error(key, f"'{key}' must be {what}")
            return None
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.doc.get(key, default)
        if value is None:
            return None
        if value not in choices:
            self.error(key, f"'{key}' is one of: {', '.join(choices)}")
            return default
        return value

    def integer(self, key: str, minimum: int = 0, default: int | None = None) -> int | None:
        value = self.doc.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.error(key, f"'{key}' is a whole number of at least {minimum}")
            return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.doc.get(key, default)
        if not isinstance(value, bool):
            self.error(key, f"'{key}' is true or false")
            return default
        return value

    def duration(self, key: str, *, required: bool = False) -> Duration | BusinessDuration | None:
        if key not in self.doc:
            if required:
                self.error(None, f"'{key}' is required")
            return None
        return self.duration_at(self.doc[key], self.at(key))

    def duration_at(self, doc: Any, pointer: str) -> Duration | BusinessDuration | None:
        try:
            return compile_duration_spec(doc, pointer)
        except DefinitionError as exc:
            self.errors.append(ErrorDetail(exc.pointer, exc.reason))
            return None

    def mapping(self, key: str) -> VarMapping:
        if key not in self.doc:
            return VarMapping()
        return compile_mapping(self.doc[key], self.at(key), self.errors) or VarMapping()

    def source(self, key: str) -> Source | None:
        if key not in self.doc:
            return None
        return compile_source(self.doc[key], self.at(key), self.errors)

    def var_path(self, key: str, *, required: bool = False) -> str | None:
        source = self.source(key)
        if source is None:
            if required and key not in self.doc:
                self.error(None, f"'{key}' is required")
            return None
        if source.path is None or source.path == "$":
            self.error(key, f"'{key}' is a variable path such as 'order.number'")
            return None
        return source.path
