"""Widget → SQLAlchemy Core SELECT, aggregated in the database (DESIGN §7).

Everything that comes from a definition or a URL reaches SQL as a column object picked
from the dataset's field map or as a bound parameter; the only literal SQL text is the
compiler's own constants (bucket names, SQLite date modifiers) chosen from fixed tables.
A SELECT is all this module builds, so no widget can change data (CHECKLIST 25).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from runtime.exceptions import DefinitionError, ErrorDetail, ValidationFailed
from runtime.reports.datasets import Dataset, Field
from runtime.reports.spec import Dimension, Measure, Widget

#: Result column labels for dimensions; measures use their own ids.
DIM_LABELS = ("_d0", "_d1", "_d2")
#: How a missing dimension value is shown; clicking it filters on "no value" (IS NULL).
NONE_LABEL = "(none)"
_PG_BUCKET = {"day": "'day'", "week": "'week'", "month": "'month'"}
_SQLITE_BUCKET = {"day": ("date", ()), "week": ("date", ("'weekday 0'", "'-6 days'")),
                  "month": ("strftime", ("'%Y-%m-01'",))}
_COMPARISONS = {"==": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__",
                ">": "__gt__", ">=": "__ge__"}


@dataclass(frozen=True)
class Constraint:
    """One filter on a field: `eq`, `in`, `gte`, `lt`, `lte` or `contains`, a plain value."""

    field: str
    op: str
    value: Any


def compile_widget(widget: Widget, dataset: Dataset, constraints: Sequence[Constraint],
                   dialect: str, depth: int = 0) -> sa.Select:
    """The aggregate query for `widget` at drill `depth` (0 = the widget itself)."""
    dims = widget.level_dimensions(depth)
    if dims is None:
        raise DefinitionError(f"/widgets/{widget.id}/drill", "this level shows rows, not a chart")
    columns = [bucket_expr(dataset.field(d.field), d.bucket, dialect).label(DIM_LABELS[i])
               for i, d in enumerate(dims)]
    columns += [measure_expr(m, dataset, dialect).label(m.id) for m in widget.measures]
    query = sa.select(*columns).select_from(dataset.source)
    query = query.where(*_where(widget, dataset, constraints, dialect))
    if dims:
        query = query.group_by(*[sa.literal_column(DIM_LABELS[i]) for i in range(len(dims))])
        query = _order_and_limit(query, widget, dims, dataset, constraints, dialect)
    return query


def compile_rows(widget: Widget, dataset: Dataset, constraints: Sequence[Constraint],
                 page: int = 1, page_size: int = 50) -> tuple[sa.Select, sa.Select]:
    """The last drill level: (a page of rows, the total count) for the widget's filters."""
    columns = list(widget.drill.columns if widget.drill else ())
    if not columns:
        columns = [d.field for d in widget.dimensions]
    if dataset.case_field and dataset.case_field not in columns:
        columns.append(dataset.case_field)
    selected = [dataset.field(name).expr.label(name) for name in columns]
    where = _where(widget, dataset, constraints, "any")
    order = dataset.field(dataset.time_field).expr.desc() if dataset.time_field else selected[0]
    rows = (sa.select(*selected).select_from(dataset.source).where(*where)
            .order_by(order).limit(page_size).offset(max(page - 1, 0) * page_size))
    total = sa.select(sa.func.count()).select_from(dataset.source).where(*where)
    return rows, total


def bucket_expr(field: Field, bucket: str | None, dialect: str) -> Any:
    """A date bucket: its first day (week = Monday), an ISO string on SQLite and a UTC
    timestamp on PostgreSQL; `shape.to_frame` turns both into `YYYY-MM-DD`."""
    if bucket is None:
        return field.expr
    if field.kind != "datetime":
        raise DefinitionError("/", f"{field.name!r} is not a date: no {bucket} buckets")
    if dialect == "postgresql":
        # A timestamp, formatted by pandas after grouping: to_char on every row cost more
        # than the grouping itself (~40 % of a weekly widget at a million cases).
        return sa.func.date_trunc(sa.literal_column(_PG_BUCKET[bucket]),
                                  sa.func.timezone(sa.literal_column("'UTC'"), field.expr))
    name, modifiers = _SQLITE_BUCKET[bucket]
    if name == "strftime":
        return sa.func.strftime(sa.literal_column(modifiers[0]), field.expr)
    return sa.func.date(field.expr, *[sa.literal_column(m) for m in modifiers])


def measure_expr(measure: Measure, dataset: Dataset, dialect: str) -> Any:
    condition = compile_condition(measure.where, dataset) if measure.where is not None else None
    if measure.agg == "rate":
        return sa.func.avg(sa.case((condition, 1.0), else_=0.0))
    if measure.agg == "count":
        counted = sa.func.count()
        return counted.filter(condition) if condition is not None else counted
    value = dataset.number(measure.field or "")
    if measure.agg in ("median", "p90"):
        q = 0.5 if measure.agg == "median" else 0.9
        if dialect == "postgresql":
            result = sa.func.percentile_cont(q).within_group(value)
        else:
            result = sa.func.fl_percentile(value, q)
    else:
        result = getattr(sa.func, measure.agg)(value)
    return result.filter(condition) if condition is not None else result


def compile_condition(doc: Any, dataset: Dataset) -> Any:
    """A JSON condition (DESIGN §6) as a SQL expression with bound values."""
    if doc is True:
        return sa.true()
    if doc is False:
        return sa.false()
    if not isinstance(doc, dict):
        raise DefinitionError("/", "a condition must be an object")
    if "all" in doc:
        return sa.and_(sa.true(), *[compile_condition(c, dataset) for c in doc["all"]])
    if "any" in doc:
        return sa.or_(sa.false(), *[compile_condition(c, dataset) for c in doc["any"]])
    if "not" in doc:
        return sa.not_(compile_condition(doc["not"], dataset))
    field = dataset.field(str(doc.get("var", "")))
    op, value = doc.get("op"), doc.get("value")
    if op in _COMPARISONS:
        return getattr(field.expr, _COMPARISONS[op])(_coerce(field, value))
    if op in ("in", "not_in"):
        values = [_coerce(field, v) for v in (value if isinstance(value, list) else [value])]
        test = field.expr.in_(values)
        return test if op == "in" else sa.not_(test)
    if op == "is_null":
        return field.expr.is_(None)
    if op in ("is_not_null", "not_null"):
        return field.expr.is_not(None)
    raise DefinitionError("/", f"the operator {str(op)[:20]!r} is not available in reports")


def drill_constraints(widget: Widget, path: Sequence[str]) -> list[Constraint]:
    """The filters that the clicked values `path` add (one per level clicked)."""
    out: list[Constraint] = []
    for depth, value in enumerate(path):
        dim = widget.drill_field(depth)
        if dim is None:
            raise ValidationFailed([ErrorDetail("/drill", "this widget has no such drill level")])
        out.extend(dimension_constraints(dim, value))
    return out


def dimension_constraints(dim: Dimension, value: str) -> list[Constraint]:
    if dim.bucket is None:
        return [Constraint(dim.field, "eq", None if value == NONE_LABEL else value)]
    start = parse_date(value)
    end = bucket_end(start, dim.bucket)
    return [Constraint(dim.field, "gte", start), Constraint(dim.field, "lt", end)]


def bucket_end(start: datetime, bucket: str) -> datetime:
    if bucket == "day":
        return start + timedelta(days=1)
    if bucket == "week":
        return start + timedelta(days=7)
    month = start.month % 12 + 1
    return start.replace(year=start.year + (start.month == 12), month=month)


def parse_date(value: Any) -> datetime:
    """`YYYY-MM-DD` (or a full ISO timestamp) as an aware UTC datetime; 422 when it is not one."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value)[:32])
    except ValueError:
        detail = ErrorDetail("/filters", "expected a date like 2026-01-31")
        raise ValidationFailed([detail]) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def shift_back(constraints: Sequence[Constraint], field: str) -> list[Constraint] | None:
    """The same filters over the previous period of equal length (for KPI trends)."""
    lower = next((c for c in constraints if c.field == field and c.op == "gte"), None)
    upper = next((c for c in constraints if c.field == field and c.op == "lt"), None)
    if lower is None or upper is None:
        return None
    length = upper.value - lower.value
    shifted = []
    for c in constraints:
        if c is lower:
            shifted.append(Constraint(field, "gte", lower.value - length))
        elif c is upper:
            shifted.append(Constraint(field, "lt", lower.value))
        else:
            shifted.append(c)
    return shifted


def _where(widget: Widget, dataset: Dataset, constraints: Sequence[Constraint],
           dialect: str) -> list:
    clauses = list(dataset.base_where)
    if widget.where is not None:
        clauses.append(compile_condition(widget.where, dataset))
    for c in constraints:
        field = dataset.field(c.field)
        if c.op == "eq":
            clauses.append(field.expr == _coerce(field, c.value))
        elif c.op == "in":
            clauses.append(field.expr.in_([_coerce(field, v) for v in c.value]))
        elif c.op == "gte":
            clauses.append(field.expr >= _coerce(field, c.value))
        elif c.op == "lt":
            clauses.append(field.expr < _coerce(field, c.value))
        elif c.op == "lte":
            clauses.append(field.expr <= _coerce(field, c.value))
        elif c.op == "contains":
            clauses.append(field.expr.contains(str(c.value), autoescape=True))
        else:
            raise ValueError(f"unknown constraint {c.op!r}")
    return clauses


def _order_and_limit(query: sa.Select, widget: Widget, dims: tuple[Dimension, ...],
                     dataset: Dataset, constraints: Sequence[Constraint],
                     dialect: str) -> sa.Select:
    by = widget.sort_by
    if by is None:
        by = "_d0" if dims[0].bucket else widget.measures[0].id
        desc = not dims[0].bucket
    else:
        desc = widget.sort_desc
        for i, d in enumerate(dims):
            if d.field == by:
                by = DIM_LABELS[i]
    order = sa.literal_column(by) if by.startswith("_d") else sa.column(by)
    ordering = [order.desc() if desc else order.asc()]
    ordering += [sa.literal_column(DIM_LABELS[i]) for i in range(len(dims))]
    query = query.order_by(*ordering)
    if len(dims) >= 2 and dims[0].limit:
        query = query.where(_top_values(dims[0], widget, dataset, constraints, dialect))
        return query.limit(widget.limit or 5000)
    limit = widget.limit or dims[0].limit
    return query.limit(limit) if limit else query


def _top_values(dim: Dimension, widget: Widget, dataset: Dataset,
                constraints: Sequence[Constraint], dialect: str) -> Any:
    """`first dimension IN (its top N by the first measure)`, for stacked and heatmap charts."""
    expr = bucket_expr(dataset.field(dim.field), dim.bucket, dialect)
    measure = measure_expr(widget.measures[0], dataset, dialect)
    top = (sa.select(expr).select_from(dataset.source)
           .where(*_where(widget, dataset, constraints, dialect))
           .group_by(expr).order_by(measure.desc()).limit(dim.limit))
    return expr.in_(top)


def _coerce(field: Field, value: Any) -> Any:
    """A filter value in the field's type; a value that is not one is a 422, never SQL."""
    if value is None:
        return None
    if field.kind == "number":
        try:
            return float(value)
        except (TypeError, ValueError):
            detail = ErrorDetail("/filters", f"{field.title} must be a number")
            raise ValidationFailed([detail]) from None
    if field.kind == "datetime":
        return parse_date(value)
    if field.kind == "bool":
        return str(value).lower() in ("1", "true", "yes") if not isinstance(value, bool) else value
    return str(value)
