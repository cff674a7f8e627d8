"""The frozen field model a form definition compiles into (STYLE 4: parse once, then freeze).

A form body is `schema` + `ui` + `i18n` + `rules` + `prefill` (builder/schemas/form.json).
Compiling walks the schema's properties in section order and gives every field one
`FieldSpec`: its path, its type (from `ui.widgets` or inferred from the schema), the
schema fragment it must satisfy and the widget settings that shape its input. Groups
(address, money) and line items carry their child fields. Runtime code reads these
specs, never the raw JSON.

Paths: a field's `path` is dotted (`address.city`) as in rules and widgets; error keys
and HTML names use the JSON-pointer-like `address/city` and `items/0/qty` form the
forms API promises (contract in app/forms/__init__.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

GROUP_TYPES = frozenset({"address", "money"})
FILE_TYPES = frozenset({"file", "photo"})
CHOICE_TYPES = frozenset({"select", "radio", "multiselect"})
BOOLEAN_TYPES = frozenset({"checkbox", "consent"})


@dataclass(frozen=True)
class Option:
    value: Any
    label: str | None = None

    @property
    def token(self) -> str:
        """The option's value as it travels in HTML (`true`, `3`, `size`)."""
        return option_token(self.value)


@dataclass(frozen=True)
class Widget:
    """What `ui.widgets[path]` says about one field, typed."""

    label: str | None = None
    placeholder: str | None = None
    help: str | None = None
    rows: int | None = None
    currency: str | None = None
    accept: tuple[str, ...] = ()
    max_size_mb: float | None = None
    max_files: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    autocomplete: str | None = None
    readonly: bool = False


@dataclass(frozen=True)
class FieldSpec:
    path: str
    type: str
    schema: Mapping[str, Any]
    widget: Widget
    required: bool = False
    options: tuple[Option, ...] = ()
    children: tuple[FieldSpec, ...] = ()
    min_items: int | None = None
    max_items: int | None = None

    @cached_property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @cached_property
    def key(self) -> str:
        """The error key / HTML name of this field (`address/city`)."""
        return self.path.replace(".", "/")

    @property
    def is_group(self) -> bool:
        return self.type in GROUP_TYPES

    @property
    def is_file(self) -> bool:
        return self.type in FILE_TYPES

    @property
    def is_multiple(self) -> bool:
        return self.type == "multiselect" or self.is_file


@dataclass(frozen=True)
class Section:
    id: str
    title: str | None
    description: str | None
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True)
class FormSpec:
    """One compiled form version. `rules` is a runtime.forms.rules.FormRules."""

    key: str
    version: int
    checksum: str
    schema: Mapping[str, Any]
    sections: tuple[Section, ...]
    i18n: Mapping[str, Mapping[str, str]]
    rules: Any
    prefill: tuple[Any, ...] = ()
    submit_label: str | None = None
    by_path: Mapping[str, FieldSpec] = field(default_factory=dict)
    #: One parser per top-level field, chosen at compile time (runtime.forms.parse).
    parse_plan: tuple[Any, ...] = field(default=(), compare=False, repr=False)

    @cached_property
    def consents(self) -> tuple[FieldSpec, ...]:
        """Top-level consent fields: required means ticked, not merely answered."""
        return tuple(f for f in self.fields() if f.type == "consent")

    @cached_property
    def line_items(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields() if f.type == "line_items")

    @cached_property
    def upload_fields(self) -> tuple[FieldSpec, ...]:
        """File fields outside line items: the ones a submit reads file parts for."""
        return tuple(f for f in walk(self.fields()) if f.is_file and "." not in f.path)

    def fields(self) -> tuple[FieldSpec, ...]:
        """Top-level fields in display order."""
        return self._fields

    @cached_property
    def _fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for section in self.sections for f in section.fields)

    def field(self, path: str) -> FieldSpec | None:
        return self.by_path.get(path)


def option_token(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def walk(fields: tuple[FieldSpec, ...]):
    """Every field and nested field, depth first."""
    for spec in fields:
        yield spec
        yield from walk(spec.children)
