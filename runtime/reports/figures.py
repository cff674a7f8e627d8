"""Plotly figures, one builder per chart type (a registry keyed by type, STYLE §9).

Each builder turns the shaped frame (`_d0`, `_d1`, measure columns) into Plotly traces
and layout as plain dicts; `build_figure` hands them to `plotly.graph_objects.Figure`
once, which validates every attribute, and returns the JSON plotly.js draws. (Building
trace by trace with `add_*`/`update_*` validated the same things several times over:
five times slower, and it showed in the drill-down benchmark.) Every mark carries the raw
first-dimension value in `customdata`: the browser sends it back as the drill value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from runtime.reports.shape import Kpi, pivot
from runtime.reports.spec import Dimension, Widget

PALETTE = ["#2563eb", "#0d9488", "#f59e0b", "#db2777", "#7c3aed", "#16a34a",
           "#ea580c", "#0891b2", "#64748b", "#be123c", "#4f46e5", "#65a30d"]
FONT = {"family": "Inter, system-ui, -apple-system, Segoe UI, sans-serif", "size": 12,
        "color": "#1e293b"}
AXIS = {"gridcolor": "#e2e8f0", "zeroline": False, "automargin": True}

Traces = tuple[list[dict[str, Any]], dict[str, Any]]
Builder = Callable[[pd.DataFrame, Widget, Sequence[Dimension]], Traces]
BUILDERS: dict[str, Builder] = {}


def builder(chart: str) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        BUILDERS[chart] = fn
        return fn

    return register


def build_figure(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension],
                 chart: str | None = None) -> dict[str, Any]:
    """The figure as plain JSON (what plotly.js takes), with the house layout applied."""
    traces, extra = BUILDERS[chart or widget.chart](frame, widget, dims)
    layout: dict[str, Any] = {
        "margin": {"l": 48, "r": 16, "t": 8, "b": 40}, "font": FONT, "colorway": PALETTE,
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "closest", "legend": {"orientation": "h", "y": -0.18}, "height": 300,
        "clickmode": "event", "xaxis": dict(AXIS), "yaxis": dict(AXIS),
    }
    if (chart or widget.chart) in _VALUE_AXIS_Y and all(m.format == "percent"
                                                        for m in widget.measures):
        layout["yaxis"]["tickformat"] = ".0%"  # rates read as 20 %, not 0.2
    for key, value in extra.items():
        layout[key] = {**layout.get(key, {}), **value} if isinstance(value, dict) else value
    return _plain(go.Figure(data=traces, layout=layout).to_plotly_json())


_VALUE_AXIS_Y = ("bar", "stacked_bar", "line", "area")


def kpi_figure(result: Kpi, widget: Widget) -> dict[str, Any]:
    """A number with its change against the previous period (for exports and embeds)."""
    measure = widget.measures[0]
    indicator: dict[str, Any] = {
        "type": "indicator", "mode": "number", "value": result.value or 0,
        "number": {"valueformat": _format(measure.format), "font": {"size": 40}},
    }
    if result.previous is not None:
        indicator.update(mode="number+delta", delta={"reference": result.previous,
                                                     "relative": True, "valueformat": ".1%"})
    layout = {"margin": {"l": 8, "r": 8, "t": 8, "b": 8}, "height": 120, "font": FONT,
              "paper_bgcolor": "rgba(0,0,0,0)"}
    return _plain(go.Figure(data=[indicator], layout=layout).to_plotly_json())


def _plain(value: Any) -> Any:
    """JSON-safe values: numpy arrays and scalars become Python values, NaN becomes null
    (the browser's JSON.parse refuses NaN)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, str | int | bool) or value is None:
        return value
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _format(kind: str) -> str:
    return {"percent": ".1%", "money": ",.2f", "duration": ",.1f"}.get(kind, ",.4~g")


def _values(series: pd.Series) -> list[Any]:
    return [None if isinstance(v, float) and math.isnan(v) else v for v in series.tolist()]


def _hover(widget: Widget, name: str) -> str:
    measure = widget.measures[0]
    return f"%{{x}}<br>{name}: %{{y:{_format(measure.format)}}}<extra></extra>"


@builder("bar")
def bar(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> Traces:
    labels = [str(v) for v in frame["_d0"]]
    traces = [{"type": "bar", "x": labels, "y": _values(frame[m.id]), "name": m.title,
               "customdata": labels, "marker": {"color": PALETTE[i % len(PALETTE)]},
               "hovertemplate": _hover(widget, m.title)}
              for i, m in enumerate(widget.measures)]
    return traces, {"showlegend": len(traces) > 1, "bargap": 0.25, "xaxis": {"type": "category"}}


@builder("stacked_bar")
def stacked_bar(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> Traces:
    matrix = pivot(frame, widget.measures[0].id)
    index = [str(x) for x in matrix.index]
    traces = [{"type": "bar", "x": index, "y": _values(matrix[series]), "name": str(series),
               "customdata": index, "marker": {"color": PALETTE[i % len(PALETTE)]}}
              for i, series in enumerate(matrix.columns)]
    return traces, {"barmode": "stack", "bargap": 0.25, "xaxis": {"type": "category"},
                    "legend": {"traceorder": "normal"}}


def _lines(frame: pd.DataFrame, widget: Widget, fill: bool) -> Traces:
    labels = [str(v) for v in frame["_d0"]]
    traces = [{"type": "scatter", "x": labels, "y": _values(frame[m.id]), "name": m.title,
               "mode": "lines+markers", "customdata": labels,
               "fill": "tozeroy" if fill else "none",
               "line": {"color": PALETTE[i % len(PALETTE)], "width": 2.5},
               "hovertemplate": _hover(widget, m.title)}
              for i, m in enumerate(widget.measures)]
    return traces, {"showlegend": len(traces) > 1}


@builder("line")
def line(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> Traces:
    return _lines(frame, widget, fill=False)


@builder("area")
def area(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> Traces:
    return _lines(frame, widget, fill=True)


@builder("pie")
def pie(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> Traces:
    labels = [str(v) for v in frame["_d0"]]
    return [{"type": "pie", "labels": labels, "values": _values(frame[widget.measures[0].id]),
             "hole": 0.55, "customdata": labels, "sort": False, "textinfo": "percent",
             "marker": {"colors": PALETTE}}], {}


@builder("funnel")
def funnel(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> Traces:
    """Stages are the dimension's values, or, without a dimension, the measures in order
    (e.g. cases created → approved → received → refunded)."""
    if not dims:
        row = frame.iloc[0] if not frame.empty else None
        stages = [m.title for m in widget.measures]
        values = [None if row is None else _values(pd.Series([row[m.id]]))[0]
                  for m in widget.measures]
        return [{"type": "funnel", "y": stages, "x": values,
                 "textinfo": "value+percent initial", "marker": {"color": PALETTE[0]}}], {}
    labels = [str(v) for v in frame["_d0"]]
    return [{"type": "funnel", "y": labels, "x": _values(frame[widget.measures[0].id]),
             "customdata": labels, "textinfo": "value+percent initial",
             "marker": {"color": PALETTE[0]}}], {}


@builder("heatmap")
def heatmap(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> Traces:
    matrix = pivot(frame, widget.measures[0].id)
    rows = [str(x) for x in matrix.index]
    z = [_values(matrix.loc[row]) for row in matrix.index] if len(matrix) else []
    return [{"type": "heatmap", "z": z, "y": rows, "x": [str(c) for c in matrix.columns],
             "customdata": [[row] * len(matrix.columns) for row in rows],
             "colorscale": [[0, "#eff6ff"], [1, "#1d4ed8"]],
             "hovertemplate": "%{y} · %{x}: %{z}<extra></extra>"}], \
        {"yaxis": {"type": "category", "autorange": "reversed"}, "xaxis": {"type": "category"}}


@builder("table")
def table(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> Traces:
    """Tables are drawn as HTML by the page; the figure exists for exports and embeds."""
    columns = [str(c) for c in frame.columns]
    return [{"type": "table", "header": {"values": columns},
             "cells": {"values": [_values(frame[c]) for c in frame.columns]}}], {}


@builder("kpi")
def kpi_as_chart(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> Traces:
    value = float(frame[widget.measures[0].id].iloc[0]) if not frame.empty else 0.0
    return [{"type": "indicator", "mode": "number", "value": value}], {}
