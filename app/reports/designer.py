"""What the dashboard designer asks of the report runtime: which datasets and fields a
widget may use, which parts of an unsaved board would not run (with JSON pointers), and
one widget of an unsaved board drawn by the same code as `/dashboards`.

The meta-schema checks a board's shape; only the report runtime knows whether a field
exists in a dataset, is a number (for sums) or a date (for buckets), and whether a
condition compiles to SQL. Publishing runs `check_board`, so a board the designer lets
through never shows "this widget cannot be drawn" to a manager.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import render_template
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import SystemRole, Team
from app.reports import boards
from app.reports.datasets import get_dataset
from app.reports.tables import PROJECTIONS
from app.services.lint_context import _published_bodies
from builder.definitions import check_document
from runtime.exceptions import DefinitionError, DefinitionInvalid, ErrorDetail, ValidationFailed
from runtime.reports.compiler import compile_condition
from runtime.reports.datasets import Dataset
from runtime.reports.spec import parse_dashboard

FIXED_DATASETS = ("tasks", "events")
#: dataset prefix -> the definition kind behind it and the prefix of its JSON fields.
JSON_SOURCES = {"instances": ("flow", "variables"), "submissions": ("form", "data")}
NUMERIC_TYPES = ("number", "integer", "money")
FILTER_KINDS = {"date_range": ("datetime",), "number_range": ("number",)}


def catalog() -> list[dict[str, Any]]:
    """Every dataset a widget may name, with its fields (for the designer's pickers)."""
    out = [_describe(get_dataset(name)) for name in (*PROJECTIONS, *FIXED_DATASETS)]
    for kind in ("instances", "submissions"):
        for key in _published_bodies(JSON_SOURCES[kind][0]):
            name = f"{kind}:{key}"
            out.append(_describe(get_dataset(name), _declared_fields(name)))
    return out


def _declared_fields(dataset_name: str) -> list[dict[str, str]]:
    """The JSON fields a published flow declares (`variables`) or a form defines (its
    schema's properties), typed from their declaration."""
    kind, _, key = dataset_name.partition(":")
    if kind not in JSON_SOURCES:
        return []
    definition_kind, prefix = JSON_SOURCES[kind]
    body = _published_bodies(definition_kind).get(key) or {}
    declared = body.get("variables") if kind == "instances" else \
        (body.get("schema") or {}).get("properties")
    return [_json_field(prefix, name, spec.get("type"))
            for name, spec in sorted((declared or {}).items()) if isinstance(spec, dict)]


def known_roles() -> list[str]:
    """What a board's `roles` may name: system roles that open /dashboards, and teams."""
    teams = db.session.scalars(db.select(Team.key).order_by(Team.key))
    return [SystemRole.MANAGER.value, SystemRole.STAFF.value, SystemRole.BUILDER.value, *teams]


def check_board(body: Any) -> list[ErrorDetail]:
    """Every problem publishing would refuse, with pointers into the body."""
    if not isinstance(body, dict):
        return [ErrorDetail("", "must be an object")]
    found = check_document("dashboard", "check.key", "check", body)
    if found:
        return [ErrorDetail(e.pointer.removeprefix("/body"), e.reason) for e in found]
    errors: list[ErrorDetail] = []
    try:
        parse_dashboard("check", body)
    except DefinitionError as exc:
        errors.append(ErrorDetail(exc.pointer, exc.reason))
    datasets: list[Dataset] = []
    for i, widget in enumerate(body["widgets"]):
        dataset, problems = _widget_problems(widget, f"/widgets/{i}")
        errors += problems
        if dataset is not None:
            datasets.append(dataset)
    for i, flt in enumerate(body.get("filters", [])):
        errors += _filter_problems(flt, f"/filters/{i}", datasets)
    roles = set(known_roles())
    for i, role in enumerate(body.get("roles", [])):
        if role not in roles:
            errors.append(ErrorDetail(f"/roles/{i}", f"no role or team is called {role!r}"))
    return _unique(errors)


def preview_widget(title: str, body: Any, widget_id: str) -> dict[str, Any]:
    """One widget of an unsaved board, run with the board's default filters.

    Raises `DefinitionInvalid` with the widget's own errors; broken board filters are
    left out of the preview (and reported by `check_board`) rather than hiding the chart.
    """
    widgets = body.get("widgets") if isinstance(body, dict) else None
    index = next((i for i, w in enumerate(widgets or []) if isinstance(w, dict)
                  and w.get("id") == widget_id), None)
    if index is None:
        raise DefinitionInvalid([ErrorDetail("/widget", f"the board has no widget {widget_id!r}")])
    at = f"/widgets/{index}"
    problems = check_board(body)
    mine = [e for e in problems if e.pointer == at or e.pointer.startswith(at + "/")]
    if mine:
        raise DefinitionInvalid(mine)
    broken_filters = any(e.pointer.startswith("/filters") for e in problems)
    single = {"widgets": [widgets[index]],
              "filters": [] if broken_filters else body.get("filters", [])}
    spec = parse_dashboard(title, single)
    filters = boards.read_filters(spec, MultiDict())
    try:
        view = boards.run_widget(spec.widgets[0], filters)
    except DefinitionError as exc:
        raise DefinitionInvalid([ErrorDetail(at, exc.reason)]) from None
    except ValidationFailed as exc:
        raise DefinitionInvalid([ErrorDetail(at, e.reason) for e in exc.errors]) from None
    except sa.exc.DBAPIError as exc:
        # e.g. a sum over a JSON value that holds text: only the data can tell.
        db.session.rollback()
        reason = str(exc.orig).splitlines()[0][:200] if exc.orig else "the query failed"
        detail = ErrorDetail(at, f"the database cannot run it: {reason}")
        raise DefinitionInvalid([detail]) from None
    table = SimpleNamespace(frame=view.frame, dims=view.dims, drillable=False)
    html = render_template("builder/dashboard_preview.html", view=view, w=view.widget,
                           table=table, filters=spec.filters)
    return {"widget": widget_id, "chart": view.widget.chart, "html": html,
            "figure": None if view.kpi or view.frame.empty else view.figure,
            "rows": len(view.frame.index), "skipped_filters": list(view.skipped_filters)}


# --- helpers ----------------------------------------------------------------------------


def _describe(dataset: Dataset, extra: list[dict[str, str]] = ()) -> dict[str, Any]:
    fields = [{"name": f.name, "kind": f.kind, "label": f.title} for f in dataset.fields.values()]
    return {"name": dataset.name, "title": dataset.title or dataset.name,
            "time_field": dataset.time_field,
            "json_prefix": dataset.json_prefix if dataset.json_column is not None else None,
            "fields": fields + list(extra)}


def _json_field(prefix: str, name: str, json_type: Any) -> dict[str, str]:
    kind = "number" if json_type in NUMERIC_TYPES else "string"
    return {"name": f"{prefix}.{name}", "kind": kind, "label": name.replace("_", " ").capitalize()}


def _widget_problems(widget: dict[str, Any], at: str) -> tuple[Dataset | None, list[ErrorDetail]]:
    try:
        dataset = get_dataset(widget["dataset"])
    except DefinitionError as exc:
        return None, [ErrorDetail(f"{at}/dataset", exc.reason)]
    kind, _, key = widget["dataset"].partition(":")
    if kind in JSON_SOURCES and key not in _published_bodies(JSON_SOURCES[kind][0]):
        what = JSON_SOURCES[kind][0]
        return dataset, [ErrorDetail(f"{at}/dataset", f"no published {what} is called {key!r}")]
    errors = []
    declared = {f["name"]: f["kind"] for f in _declared_fields(widget["dataset"])}
    for j, measure in enumerate(widget["measures"]):
        number = measure["agg"] not in ("count", "rate")
        if measure.get("field"):
            errors += _field(dataset, measure["field"], f"{at}/measures/{j}/field", number)
        if number and declared.get(measure.get("field"), "number") != "number":
            errors.append(ErrorDetail(f"{at}/measures/{j}/field",
                                      f"the field {measure['field']!r} is not a number"))
        if "where" in measure:
            errors += _condition(dataset, measure["where"], f"{at}/measures/{j}/where")
    for j, dim in _dimensions(widget):
        where = f"{at}/{j}"
        errors += _field(dataset, dim["field"], f"{where}/field")
        if dim.get("bucket") and dataset.has_field(dim["field"]) \
                and dataset.field(dim["field"]).kind != "datetime":
            errors.append(ErrorDetail(f"{where}/bucket", "only a date field has day, week or "
                                                        "month buckets"))
    for j, column in enumerate(((widget.get("drill") or {}).get("rows") or {}).get("columns", [])):
        errors += _field(dataset, column, f"{at}/drill/rows/columns/{j}")
    if "where" in widget:
        errors += _condition(dataset, widget["where"], f"{at}/where")
    return dataset, errors


def _dimensions(widget: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for j, dim in enumerate(widget.get("dimensions", [])):
        yield f"dimensions/{j}", dim
    for j, dim in enumerate((widget.get("drill") or {}).get("levels", [])):
        yield f"drill/levels/{j}", dim


def _field(dataset: Dataset, name: str, at: str, number: bool = False) -> list[ErrorDetail]:
    try:
        if number:
            dataset.number(name)
        else:
            dataset.field(name)
    except DefinitionError as exc:
        return [ErrorDetail(at, exc.reason)]
    return []


def _condition(dataset: Dataset, condition: Any, at: str) -> list[ErrorDetail]:
    try:
        compile_condition(condition, dataset)
    except DefinitionError as exc:
        return [ErrorDetail(at, exc.reason)]
    except ValidationFailed as exc:
        return [ErrorDetail(at, e.reason) for e in exc.errors]
    return []


def _filter_problems(flt: dict[str, Any], at: str, datasets: list[Dataset]) -> list[ErrorDetail]:
    having = [d for d in datasets if d.has_field(flt["field"])]
    if datasets and not having:
        return [ErrorDetail(f"{at}/field", f"no widget's dataset has a field {flt['field']!r}")]
    kinds = FILTER_KINDS.get(flt["type"])
    if kinds and any(d.field(flt["field"]).kind not in kinds for d in having):
        return [ErrorDetail(f"{at}/type", f"a {flt['type'].replace('_', ' ')} needs a "
                                          f"{kinds[0]} field")]
    return []


def _unique(errors: list[ErrorDetail]) -> list[ErrorDetail]:
    seen: set[tuple[str, str]] = set()
    out = []
    for e in errors:
        if (e.pointer, e.reason) not in seen:
            seen.add((e.pointer, e.reason))
            out.append(e)
    return out
