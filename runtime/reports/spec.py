"""Dashboard definitions parsed once into frozen specs (STYLE §4).

The meta-schema (`builder/schemas/dashboard.json`) has already checked the shape; this
module turns the body into dataclasses the compiler and the web layer read, and checks
the rules a schema cannot express (unique ids, a sort key that names a measure or a
dimension). Errors are `DefinitionError(pointer, reason)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.exceptions import DefinitionError

CHARTS = ("kpi", "bar", "stacked_bar", "line", "area", "pie", "table", "funnel", "heatmap")
AGGREGATES = ("count", "sum", "avg", "median", "p90", "min", "max", "rate")
BUCKETS = ("day", "week", "month")


@dataclass(frozen=True)
class Measure:
    id: str
    agg: str
    field: str | None = None
    where: Any = None
    label: str | None = None
    format: str = "number"
    #: Which way a change is good news ("lower" for cycle times and breach rates).
    better: str = "higher"

    @property
    def title(self) -> str:
        return self.label or self.id.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Dimension:
    field: str
    bucket: str | None = None
    label: str | None = None
    limit: int | None = None

    @property
    def title(self) -> str:
        return self.label or self.field.rsplit(".", 1)[-1].replace("_", " ").capitalize()


@dataclass(frozen=True)
class Drill:
    """Level 0 is the widget's own first dimension; `levels` follow; then the rows."""

    levels: tuple[Dimension, ...] = ()
    columns: tuple[str, ...] = ()
    rows_limit: int = 50
    open_case: bool = True


@dataclass(frozen=True)
class Widget:
    id: str
    title: str
    dataset: str
    chart: str
    measures: tuple[Measure, ...]
    dimensions: tuple[Dimension, ...] = ()
    where: Any = None
    drill: Drill | None = None
    sort_by: str | None = None
    sort_desc: bool = True
    limit: int | None = None
    width: int = 6
    description: str = ""

    def level_dimensions(self, depth: int) -> tuple[Dimension, ...] | None:
        """The dimensions shown after `depth` drill clicks; None once only rows are left."""
        if depth == 0:
            return self.dimensions
        levels = self.drill.levels if self.drill else ()
        if depth <= len(levels):
            return (levels[depth - 1],)
        return None

    def drill_field(self, depth: int) -> Dimension | None:
        """The dimension a click at `depth` filters on (None: that level cannot be clicked)."""
        dims = self.level_dimensions(depth)
        if not dims or self.drill is None:
            return None
        return dims[0]


@dataclass(frozen=True)
class BoardFilter:
    id: str
    field: str
    type: str
    label: str
    default: Any = None
    options: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Schedule:
    """E-mail the board to `to` every day or week (UTC), from `hour` on."""

    id: str
    every: str
    to: tuple[str, ...]
    formats: tuple[str, ...] = ("xlsx",)
    weekday: int = 0
    hour: int = 6


@dataclass(frozen=True)
class DashboardSpec:
    title: str
    widgets: tuple[Widget, ...]
    filters: tuple[BoardFilter, ...] = ()
    roles: tuple[str, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    description: str = ""

    def widget(self, widget_id: str) -> Widget | None:
        return next((w for w in self.widgets if w.id == widget_id), None)


def parse_dashboard(title: str, body: dict[str, Any]) -> DashboardSpec:
    """A validated dashboard body as a frozen spec; `DefinitionError` names the bad spot."""
    widgets = tuple(_widget(w, f"/widgets/{i}") for i, w in enumerate(body.get("widgets", [])))
    _unique([w.id for w in widgets], "/widgets", "widget")
    filters = tuple(_filter(f, f"/filters/{i}") for i, f in enumerate(body.get("filters", [])))
    _unique([f.id for f in filters], "/filters", "filter")
    schedules = tuple(
        Schedule(id=s["id"], every=s["every"], to=tuple(s["to"]),
                 formats=tuple(s.get("formats", ["xlsx"])), weekday=s.get("weekday", 0),
                 hour=s.get("hour", 6))
        for s in body.get("schedules", [])
    )
    _unique([s.id for s in schedules], "/schedules", "schedule")
    return DashboardSpec(title=title, widgets=widgets, filters=filters,
                         roles=tuple(body.get("roles", [])), schedules=schedules,
                         description=body.get("description", ""))


def _widget(doc: dict[str, Any], pointer: str) -> Widget:
    if doc.get("chart") not in CHARTS:
        raise DefinitionError(f"{pointer}/chart", f"must be one of {', '.join(CHARTS)}")
    measures = tuple(_measure(m, f"{pointer}/measures/{i}") for i, m in enumerate(doc["measures"]))
    _unique([m.id for m in measures], f"{pointer}/measures", "measure")
    dims = tuple(_dimension(d) for d in doc.get("dimensions", []))
    drill = None
    if "drill" in doc:
        raw = doc["drill"]
        rows = raw.get("rows", {})
        drill = Drill(levels=tuple(_dimension(d) for d in raw.get("levels", [])),
                      columns=tuple(rows.get("columns", [])), rows_limit=rows.get("limit", 50),
                      open_case=raw.get("open_case", True))
        if not dims:
            raise DefinitionError(f"{pointer}/drill", "a widget needs a dimension to drill from")
    sort = doc.get("sort", {})
    sort_by = sort.get("by")
    names = {m.id for m in measures} | {d.field for d in dims}
    if sort_by is not None and sort_by not in names:
        raise DefinitionError(f"{pointer}/sort/by", "must name a measure or a dimension")
    if doc["chart"] in ("stacked_bar", "heatmap") and len(dims) < 2:
        raise DefinitionError(f"{pointer}/dimensions", f"a {doc['chart']} needs two dimensions")
    stages = doc["chart"] == "funnel" and len(measures) >= 2
    if doc["chart"] not in ("kpi", "table") and not dims and not stages:
        raise DefinitionError(f"{pointer}/dimensions", f"a {doc['chart']} needs a dimension")
    return Widget(id=doc["id"], title=doc["title"], dataset=doc["dataset"], chart=doc["chart"],
                  measures=measures, dimensions=dims, where=doc.get("where"), drill=drill,
                  sort_by=sort_by, sort_desc=sort.get("desc", True), limit=doc.get("limit"),
                  width=doc.get("width", 12 if doc["chart"] == "table" else 6),
                  description=doc.get("description", ""))


def _measure(doc: dict[str, Any], pointer: str) -> Measure:
    if doc["agg"] not in AGGREGATES:
        raise DefinitionError(f"{pointer}/agg", f"must be one of {', '.join(AGGREGATES)}")
    if doc["agg"] not in ("count", "rate") and not doc.get("field"):
        raise DefinitionError(f"{pointer}/field", f"{doc['agg']} needs a field")
    if doc["agg"] == "rate" and doc.get("where") is None:
        raise DefinitionError(f"{pointer}/where", "rate needs a condition")
    return Measure(id=doc["id"], agg=doc["agg"], field=doc.get("field"), where=doc.get("where"),
                   label=doc.get("label"), format=doc.get("format", "number"),
                   better=doc.get("better", "higher"))


def _dimension(doc: dict[str, Any]) -> Dimension:
    return Dimension(field=doc["field"], bucket=doc.get("bucket"), label=doc.get("label"),
                     limit=doc.get("limit"))


def _filter(doc: dict[str, Any], pointer: str) -> BoardFilter:
    label = doc.get("label") or doc["field"].rsplit(".", 1)[-1].replace("_", " ").capitalize()
    return BoardFilter(id=doc["id"], field=doc["field"], type=doc["type"], label=label,
                       default=doc.get("default"), options=tuple(doc.get("options", [])))


def _unique(ids: list[str], pointer: str, what: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(ids):
        if item in seen:
            raise DefinitionError(f"{pointer}/{i}/id", f"another {what} uses the id {item!r}")
        seen.add(item)
