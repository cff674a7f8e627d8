"""Compile a form definition body into a `FormSpec`, reporting every problem at once.

The meta-schema (builder/schemas/form.json) has already checked the body's shape; this
step checks what a schema cannot: that every section field and widget names a schema
property, that a widget's type fits the property's JSON type, that rules name fields
the form has, and that conditions compile (runtime.rules, the same language as flows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.exceptions import DefinitionInvalid, ErrorDetail
from runtime.forms.parse import compile_plan
from runtime.forms.rules import compile_rules
from runtime.forms.spec import (
    CHOICE_TYPES,
    FieldSpec,
    FormSpec,
    Option,
    Section,
    Widget,
    walk,
)

#: Which JSON type each field type stores (checked against the schema at compile time).
JSON_TYPES: dict[str, tuple[str, ...]] = {
    "text": ("string",),
    "textarea": ("string",),
    "email": ("string",),
    "phone": ("string",),
    "barcode": ("string",),
    "date": ("string",),
    "country": ("string",),
    "hidden": ("string", "number", "integer", "boolean"),
    "signature": ("string",),
    "select": ("string", "number", "integer", "boolean"),
    "radio": ("string", "number", "integer", "boolean"),
    "number": ("number", "integer"),
    "checkbox": ("boolean",),
    "consent": ("boolean",),
    "multiselect": ("array",),
    "file": ("array",),
    "photo": ("array",),
    "line_items": ("array",),
    "address": ("object",),
    "money": ("object",),
}


def compile_form(body: Mapping[str, Any], key: str, version: int, checksum: str) -> FormSpec:
    """The frozen spec for one form version, or `DefinitionInvalid` with JSON pointers."""
    errors: list[ErrorDetail] = []
    schema = body.get("schema") or {}
    ui = body.get("ui") or {}
    widgets = ui.get("widgets") or {}
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    sections: list[Section] = []
    placed: set[str] = set()
    for s_index, section in enumerate(ui.get("sections") or ()):
        fields = []
        for f_index, path in enumerate(section.get("fields") or ()):
            pointer = f"/ui/sections/{s_index}/fields/{f_index}"
            if path not in properties:
                errors.append(ErrorDetail(pointer, f"{path!r} is not a property of the schema"))
                continue
            if path in placed:
                errors.append(ErrorDetail(pointer, f"{path!r} is already in a section"))
                continue
            placed.add(path)
            fields.append(_field(path, properties[path], path in required, widgets, errors))
        sections.append(
            Section(section["id"], section.get("title"), section.get("description"), tuple(fields))
        )
    rest = [name for name in (ui.get("order") or properties) if name not in placed]
    rest += [name for name in properties if name not in placed and name not in rest]
    if rest:
        extra = tuple(
            _field(name, properties[name], name in required, widgets, errors)
            for name in rest
            if name in properties
        )
        sections.append(Section("more", None, None, extra))
    by_path = {f.path: f for s in sections for f in walk(s.fields)}
    for path in widgets:
        if path not in by_path and not _is_item_path(path, by_path):
            errors.append(ErrorDetail(f"/ui/widgets/{path}", f"{path!r} is not a form field"))
    rules = compile_rules(body.get("rules") or (), by_path, errors)
    if errors:
        raise DefinitionInvalid(errors)
    return FormSpec(
        key=key,
        version=version,
        checksum=checksum,
        schema=schema,
        sections=tuple(sections),
        i18n=body.get("i18n") or {},
        rules=rules,
        prefill=tuple(body.get("prefill") or ()),
        submit_label=ui.get("submit_label"),
        by_path=by_path,
        parse_plan=compile_plan(tuple(f for s in sections for f in s.fields)),
    )


def infer_type(schema: Mapping[str, Any]) -> str:
    """The field type a property gets when no widget names one."""
    kind = schema.get("type")
    if kind == "boolean":
        return "checkbox"
    if kind in ("number", "integer"):
        return "number"
    if kind == "array":
        items = schema.get("items") or {}
        if items.get("type") == "object":
            return "line_items"
        return "multiselect"
    if kind == "object":
        props = schema.get("properties") or {}
        return "money" if {"amount", "currency"} <= set(props) else "address"
    if "enum" in schema:
        return "select"
    return {"email": "email", "date": "date"}.get(schema.get("format", ""), "text")


def _field(
    path: str,
    schema: Mapping[str, Any],
    required: bool,
    widgets: Mapping[str, Any],
    errors: list[ErrorDetail],
    widget_doc: Mapping[str, Any] | None = None,
) -> FieldSpec:
    doc = widget_doc if widget_doc is not None else widgets.get(path) or {}
    kind = doc.get("type") or infer_type(schema)
    declared = schema.get("type")
    pointer = f"/ui/widgets/{path}/type" if "type" in doc else f"/schema/properties/{path}"
    if declared is not None and declared not in JSON_TYPES.get(kind, ()):
        expected = " or ".join(JSON_TYPES.get(kind, ("?",)))
        errors.append(ErrorDetail(pointer, f"a {kind} field stores {expected}, not {declared}"))
    children: tuple[FieldSpec, ...] = ()
    if kind in ("address", "money"):
        props = schema.get("properties") or {}
        inner = set(schema.get("required") or ())
        children = tuple(
            _field(f"{path}.{name}", sub, name in inner, widgets, errors)
            for name, sub in props.items()
        )
    elif kind == "line_items":
        items = schema.get("items") or {}
        props = items.get("properties") or {}
        inner = set(items.get("required") or ())
        item_widgets = doc.get("item_fields") or {}
        children = tuple(
            _field(f"{path}.{name}", sub, name in inner, widgets, errors, item_widgets.get(name))
            for name, sub in props.items()
        )
    return FieldSpec(
        path=path,
        type=kind,
        schema=schema,
        widget=_widget(doc),
        required=required,
        options=_options(kind, schema, doc) if kind in CHOICE_TYPES else (),
        children=children,
        min_items=schema.get("minItems"),
        max_items=schema.get("maxItems"),
    )


def _widget(doc: Mapping[str, Any]) -> Widget:
    return Widget(
        label=doc.get("label"),
        placeholder=doc.get("placeholder"),
        help=doc.get("help"),
        rows=doc.get("rows"),
        currency=doc.get("currency"),
        accept=tuple(doc.get("accept") or ()),
        max_size_mb=doc.get("max_size_mb"),
        max_files=doc.get("max_files"),
        minimum=doc.get("min"),
        maximum=doc.get("max"),
        step=doc.get("step"),
        autocomplete=doc.get("autocomplete"),
        readonly=bool(doc.get("readonly")),
    )


def _options(kind: str, schema: Mapping[str, Any], doc: Mapping[str, Any]) -> tuple[Option, ...]:
    if doc.get("options"):
        return tuple(Option(o["value"], o.get("label")) for o in doc["options"])
    source = (schema.get("items") or {}) if kind == "multiselect" else schema
    return tuple(Option(value) for value in source.get("enum") or ())


def _is_item_path(path: str, by_path: Mapping[str, FieldSpec]) -> bool:
    return path in by_path or any(path.startswith(p + ".") for p in by_path)
