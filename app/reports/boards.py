"""Boards: load a published dashboard, check who may see it, run its widgets.

Thin views call these functions; everything here reads (SELECT only). Board filters
come from the query string and become `Constraint`s with typed, bound values; the drill
path (values clicked so far) adds one constraint per level.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pandas as pd
from flask import current_app
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Definition, DefinitionKind, DefinitionStatus, utcnow
from app.reports.datasets import dialect_name, get_dataset
from runtime.exceptions import DefinitionError, NotFound, PermissionDenied
from runtime.reports import figures, shape
from runtime.reports.compiler import (
    Constraint,
    compile_rows,
    compile_widget,
    drill_constraints,
    parse_date,
    shift_back,
)
from runtime.reports.spec import DashboardSpec, Dimension, Widget, parse_dashboard

ROWS_PAGE = 50
#: Threads a board's widgets run on (PostgreSQL); `FORMLOOM_REPORTS_BOARD_WORKERS`.
BOARD_WORKERS = 4
#: Rows exported from the last drill level at most (a spreadsheet, not a data dump).
EXPORT_ROWS = 100_000


@dataclass(frozen=True)
class Filters:
    """The board's filters as typed constraints, plus the raw values to refill the form."""

    constraints: tuple[Constraint, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)
    query: tuple[tuple[str, str], ...] = ()


@dataclass
class WidgetView:
    widget: Widget
    depth: int
    dims: tuple[Dimension, ...]
    frame: pd.DataFrame
    figure: dict[str, Any] | None = None
    kpi: shape.Kpi | None = None
    skipped_filters: tuple[str, ...] = ()
    #: Why this widget could not be drawn (a field its dataset lacks, …); the rest of the
    #: board still shows.
    error: str | None = None

    @property
    def drillable(self) -> bool:
        return self.error is None and self.widget.drill_field(self.depth) is not None


@dataclass
class RowsView:
    widget: Widget
    frame: pd.DataFrame
    columns: list[tuple[str, str]]
    total: int
    page: int
    pages: int
    case_field: str | None


def list_boards(user: Any) -> list[tuple[Definition, DashboardSpec]]:
    rows = db.session.scalars(
        db.select(Definition)
        .where(Definition.kind == DefinitionKind.DASHBOARD)
        .where(Definition.status == DefinitionStatus.PUBLISHED)
        .order_by(Definition.key, Definition.version.desc())
    ).all()
    latest: dict[str, Definition] = {}
    for row in rows:
        latest.setdefault(row.key, row)
    out = []
    for row in latest.values():
        spec = parse_dashboard(row.title, row.body)
        if may_view(spec, user):
            out.append((row, spec))
    return out


def get_board(key: str, user: Any) -> tuple[Definition, DashboardSpec]:
    row = db.session.scalars(
        db.select(Definition)
        .where(Definition.kind == DefinitionKind.DASHBOARD, Definition.key == key,
               Definition.status == DefinitionStatus.PUBLISHED)
        .order_by(Definition.version.desc()).limit(1)
    ).first()
    if row is None:
        raise NotFound("no published dashboard with this key")
    spec = parse_dashboard(row.title, row.body)
    if not may_view(spec, user):
        raise PermissionDenied("this board is restricted to other roles")
    return row, spec


def may_view(spec: DashboardSpec, user: Any) -> bool:
    """Admins see every board; others need one of its roles (or team keys) if it names any."""
    if user.has_role("admin") or not spec.roles:
        return True
    return any(user.has_role(r) for r in spec.roles) or bool(set(spec.roles) & user.team_keys)


def read_filters(spec: DashboardSpec, args: MultiDict) -> Filters:
    constraints: list[Constraint] = []
    raw: dict[str, Any] = {}
    query: list[tuple[str, str]] = []
    for f in spec.filters:
        if f.type == "date_range":
            start, end = args.get(f"{f.id}_from", ""), args.get(f"{f.id}_to", "")
            if not start and not end and isinstance(f.default, int):
                today = utcnow().date()
                start, end = (today - timedelta(days=f.default)).isoformat(), today.isoformat()
            raw[f.id] = (start, end)
            if start:
                constraints.append(Constraint(f.field, "gte", parse_date(start)))
                query.append((f"{f.id}_from", start))
            if end:
                constraints.append(Constraint(f.field, "lt", parse_date(end) + timedelta(days=1)))
                query.append((f"{f.id}_to", end))
        elif f.type == "multiselect":
            values = [v for v in args.getlist(f.id) if v][:200]
            raw[f.id] = values
            if values:
                constraints.append(Constraint(f.field, "in", values))
                query.extend((f.id, v) for v in values)
        elif f.type == "number_range":
            low, high = args.get(f"{f.id}_min", ""), args.get(f"{f.id}_max", "")
            raw[f.id] = (low, high)
            if low:
                constraints.append(Constraint(f.field, "gte", low))
                query.append((f"{f.id}_min", low))
            if high:
                constraints.append(Constraint(f.field, "lte", high))
                query.append((f"{f.id}_max", high))
        else:
            value = args.get(f.id, "")[:200]
            raw[f.id] = value
            if value:
                constraints.append(Constraint(f.field, "contains" if f.type == "text" else "eq",
                                              value))
                query.append((f.id, value))
    return Filters(tuple(constraints), raw, tuple(query))


def applicable(widget: Widget, filters: Filters) -> tuple[list[Constraint], tuple[str, ...]]:
    """The board constraints this widget's dataset can take, and the fields it cannot."""
    dataset = get_dataset(widget.dataset)
    keep, skipped = [], []
    for c in filters.constraints:
        (keep if dataset.has_field(c.field) else skipped).append(c)
    return keep, tuple(sorted({c.field for c in skipped}))


def run_widget(widget: Widget, filters: Filters, path: tuple[str, ...] = ()) -> WidgetView:
    dataset = get_dataset(widget.dataset)
    dialect = dialect_name()
    constraints, skipped = applicable(widget, filters)
    constraints += drill_constraints(widget, path)
    depth = len(path)
    dims = widget.level_dimensions(depth) or ()
    rows = db.session.execute(compile_widget(widget, dataset, constraints, dialect, depth)).all()
    frame = shape.to_frame(rows, widget, dims)
    view = WidgetView(widget, depth, dims, frame, skipped_filters=skipped)
    if widget.chart == "kpi" and depth == 0:
        previous = None
        shifted = shift_back(constraints, dataset.time_field or "")
        if shifted is not None:
            before = db.session.execute(compile_widget(widget, dataset, shifted, dialect)).all()
            previous = shape.to_frame(before, widget, dims)
        view.kpi = shape.kpi(frame, previous, widget.measures[0].id)
        view.figure = figures.kpi_figure(view.kpi, widget)
    elif widget.chart != "table" or depth > 0:
        chart = widget.chart if depth == 0 or widget.chart not in ("kpi", "table") else "bar"
        if depth > 0 and chart in ("stacked_bar", "heatmap"):
            chart = "bar"  # deeper levels have one dimension
        view.figure = figures.build_figure(frame, widget, dims, chart)
    return view


def run_board(spec: DashboardSpec, filters: Filters, workers: int = 1) -> list[WidgetView]:
    """Every widget; one with a definition problem shows its reason instead of failing
    the board.

    With `workers` > 1 (PostgreSQL only) the widgets run on that many threads, each with
    its own app context, session and connection, so their queries use several cores.
    Each widget then reads its own snapshot, a few milliseconds apart.
    """
    if workers > 1 and len(spec.widgets) > 1 and dialect_name() == "postgresql":
        app = current_app._get_current_object()

        def one(widget: Widget) -> WidgetView:
            with app.app_context():
                try:
                    return _safe_widget(widget, filters)
                finally:
                    db.session.remove()

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, spec.widgets))
    return [_safe_widget(w, filters) for w in spec.widgets]


def _safe_widget(widget: Widget, filters: Filters) -> WidgetView:
    try:
        return run_widget(widget, filters)
    except DefinitionError as err:
        return WidgetView(widget, 0, (), pd.DataFrame(), error=err.reason)


def run_rows(widget: Widget, filters: Filters, path: tuple[str, ...], page: int = 1,
             page_size: int = ROWS_PAGE) -> RowsView:
    dataset = get_dataset(widget.dataset)
    constraints, _ = applicable(widget, filters)
    constraints += drill_constraints(widget, path)
    rows_q, total_q = compile_rows(widget, dataset, constraints, page, page_size)
    total = db.session.execute(total_q).scalar_one()
    result = db.session.execute(rows_q)
    names = list(result.keys())
    frame = pd.DataFrame([tuple(r) for r in result.all()], columns=names)
    columns = [(n, dataset.field(n).title) for n in names]
    pages = max((total + page_size - 1) // page_size, 1)
    return RowsView(widget, frame, columns, total, page, pages, dataset.case_field)


def export_frame(widget: Widget, filters: Filters, path: tuple[str, ...]) -> pd.DataFrame:
    """What a widget shows at this drill level, with readable column titles."""
    if widget.level_dimensions(len(path)) is None:
        rows = run_rows(widget, filters, path, 1, EXPORT_ROWS)
        return rows.frame.rename(columns=dict(rows.columns))
    view = run_widget(widget, filters, path)
    return shape.readable(view.frame, widget, view.dims)
