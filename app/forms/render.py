"""Render a compiled form to accessible HTML (the fields only; the caller owns <form>).

A view model is built here in Python - each field's id, name, label, help, value,
error and options in the user's locale - and the Jinja templates under
templates/forms/ only lay it out, with autoescaping: labels, help and option texts are
designed by users and are never marked safe. Errors get `aria-invalid` and an
`aria-describedby` pointing at the message, and a summary at the top links to each
field. The rules travel to the browser as JSON in a `<script type="application/json">`
block (Flask's `tojson` escapes `<`, `>` and `&`), read by static/js/forms.js; there is
no inline JavaScript anywhere (the CSP forbids it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import render_template
from markupsafe import Markup

from runtime.forms import FieldSpec, FormSpec, builtin_text, lookup
from runtime.forms.countries import country_names
from runtime.forms.parse import MAX_TEXT
from runtime.forms.spec import option_token

DEFAULT_MAX_FILES = 5


@dataclass
class FieldView:
    spec: FieldSpec
    id: str
    name: str
    label: str
    help: str | None
    placeholder: str | None
    value: Any
    error: str | None
    required: bool
    options: list[tuple[str, str]] = field(default_factory=list)
    children: list[FieldView] = field(default_factory=list)
    rows: list[list[FieldView]] = field(default_factory=list)
    template_row: list[FieldView] = field(default_factory=list)
    computed: bool = False
    rule_target: bool = False

    @property
    def type(self) -> str:
        return self.spec.type

    @property
    def described_by(self) -> str:
        ids = [f"{self.id}-help"] if self.help else []
        if self.error:
            ids.append(f"{self.id}-error")
        return " ".join(ids)


def render_form(
    form: FormSpec,
    *,
    locale: str,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    id_prefix: str = "f",
    context: Mapping[str, Any] | None = None,
    max_upload_mb: float | None = None,
    max_files: int | None = None,
) -> Markup:
    """The fields of `form` as HTML in `locale`, with `values` filled in and `errors` shown."""
    builder = _ViewBuilder(form, locale, dict(values or {}), dict(errors or {}), id_prefix)
    sections = [
        {
            "id": section.id,
            "title": lookup(form.i18n, locale, f"section.{section.id}.title") or section.title,
            "description": lookup(form.i18n, locale, f"section.{section.id}.description")
            or section.description,
            "fields": [
                builder.view(f, f.key, _value_at(builder.values, f.path)) for f in section.fields
            ],
        }
        for section in form.sections
    ]
    summary = [
        {
            "href": f"#{builder.id_for(key)}" if key else None,
            "label": builder.label_for_key(key),
            "message": message,
        }
        for key, message in (errors or {}).items()
    ]
    client = {
        "rules": form.rules.client_document(),
        "computed": sorted(form.rules.computed_fields),
        "fields": builder.client_fields,
        "messages": {k: builtin_text(locale, k) for k in _CLIENT_MESSAGES},
        "locale": locale,
        # Only the instance variables the rules read go to the browser, nothing else.
        "context": _external_values(form, context or {}),
    }
    # render_template autoescapes: the result is already safe HTML, every value escaped.
    return Markup(  # noqa: S704
        render_template(
            "forms/_form.html",
            form=form,
            prefix=id_prefix,
            sections=sections,
            summary=summary,
            summary_title=builtin_text(locale, "summary"),
            client=client,
            text=lambda key, **kw: builtin_text(locale, key, **kw),
            max_upload_mb=max_upload_mb,
            max_files=max_files or DEFAULT_MAX_FILES,
        )
    )


_CLIENT_MESSAGES = (
    "required",
    "number",
    "integer",
    "email",
    "phone",
    "date",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "consent",
    "money",
    "file_count",
    "file_size",
    "file_type",
    "summary",
)


class _ViewBuilder:
    def __init__(
        self,
        form: FormSpec,
        locale: str,
        values: dict[str, Any],
        errors: dict[str, str],
        prefix: str,
    ) -> None:
        self.form, self.locale, self.values, self.errors, self.prefix = (
            form,
            locale,
            values,
            errors,
            prefix,
        )
        self.targets = {p for rule in form.rules.rules for p in rule.fields}
        self.client_fields: dict[str, dict[str, Any]] = {}

    def id_for(self, key: str) -> str:
        return f"{self.prefix}-{key.replace('/', '-')}"

    def label_for_key(self, key: str) -> str:
        path = ".".join(p for p in key.split("/") if not p.isdigit())
        spec = self.form.field(path)
        return self.label(spec) if spec is not None else ""

    def label(self, spec: FieldSpec) -> str:
        own = lookup(self.form.i18n, self.locale, f"{spec.path}.label") or spec.widget.label
        if own:
            return own
        if spec.name in ("amount", "street", "city", "postal_code", "region"):
            return builtin_text(self.locale, spec.name)
        return spec.name.replace("_", " ").capitalize()

    def view(self, spec: FieldSpec, key: str, value: Any) -> FieldView:
        i18n, locale = self.form.i18n, self.locale
        required = spec.required or (spec.type == "consent" and spec.required)
        view = FieldView(
            spec=spec,
            id=self.id_for(key),
            name=key,
            label=self.label(spec),
            help=lookup(i18n, locale, f"{spec.path}.help") or spec.widget.help,
            placeholder=lookup(i18n, locale, f"{spec.path}.placeholder") or spec.widget.placeholder,
            value=value,
            error=self.errors.get(key),
            required=required and spec.path not in self.targets,
            computed=spec.path in self.form.rules.computed_fields,
            rule_target=spec.path in self.targets,
        )
        if spec.options:
            view.options = [
                (
                    o.token,
                    lookup(i18n, locale, f"{spec.path}.option.{o.token}") or o.label or o.token,
                )
                for o in spec.options
            ]
        elif spec.type == "country":
            view.options = list(country_names(locale))
        if spec.type in ("address", "money"):
            group = value if isinstance(value, Mapping) else {}
            view.children = [
                self.view(child, f"{key}/{child.name}", group.get(child.name))
                for child in spec.children
                if not (spec.type == "money" and child.name == "currency")
            ]
        if spec.type == "line_items":
            rows = [r for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []
            count = max(len(rows), spec.min_items or 1)
            if spec.max_items is None or count < spec.max_items:
                count += 1 if not rows else 0
            view.rows = [
                [
                    self.view(
                        child,
                        f"{key}/{i}/{child.name}",
                        (rows[i] if i < len(rows) else {}).get(child.name),
                    )
                    for child in spec.children
                ]
                for i in range(count)
            ]
            view.template_row = [
                self.view(child, f"{key}/__row__/{child.name}", None) for child in spec.children
            ]
        if "/" not in key or spec.type in ("address", "money"):
            self.client_fields.setdefault(spec.path, _client_field(spec, view))
        return view


def _client_field(spec: FieldSpec, view: FieldView) -> dict[str, Any]:
    """What live validation needs to know about one field (no labels: those are in the DOM)."""
    schema = spec.schema
    out: dict[str, Any] = {"type": spec.type, "key": view.name, "required": spec.required}
    for name in ("minLength", "maxLength", "minimum", "maximum", "pattern", "minItems", "maxItems"):
        if name in schema:
            out[name] = schema[name]
    if spec.widget.minimum is not None:
        out["minimum"] = spec.widget.minimum
    if spec.widget.maximum is not None:
        out["maximum"] = spec.widget.maximum
    if spec.is_file:
        out["maxFiles"] = spec.widget.max_files
        out["maxSizeMb"] = spec.widget.max_size_mb
    if spec.schema.get("type") == "integer":
        out["integer"] = True
    if spec.options:
        out["options"] = [[o.token, o.value] for o in spec.options]
    if spec.type == "money":
        out["currency"] = spec.widget.currency
    if spec.type in ("address", "line_items"):
        out["children"] = {c.name: _client_field(c, view) for c in spec.children}
    return out


def _external_values(form: FormSpec, context: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in sorted(form.rules.external_vars):
        head = path.split(".", 1)[0].split("[", 1)[0]
        if head in context and _json_safe(context[head]):
            out[head] = context[head]
    return out


def _json_safe(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict)


def _value_at(values: Mapping[str, Any], path: str) -> Any:
    if path in values:
        return values[path]
    current: Any = values
    for name in path.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(name)
    return current


def display_value(value: Any) -> str:
    """A stored value as it appears in an input (`True` -> `true`, None -> empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return option_token(value)
    text = str(value)
    return text[:MAX_TEXT]
