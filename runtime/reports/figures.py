"""Plotly figures, one builder per chart type (a registry keyed by type, STYLE §9).

Each builder takes the shaped frame (`_d0`, `_d1`, measure columns) and returns a
`plotly.graph_objects.Figure`. Every mark carries the raw first-dimension value in
`customdata`, which the browser sends back as the drill-down value when it is clicked.
"""

from __future__ import annotations

import json
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

Builder = Callable[[pd.DataFrame, Widget, Sequence[Dimension]], go.Figure]
BUILDERS: dict[str, Builder] = {}


def builder(chart: str) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        BUILDERS[chart] = fn
        return fn

    return register


def build_figure(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension],
                 chart: str | None = None) -> dict[str, Any]:
    """The figure as plain JSON (what plotly.js takes), with the house layout applied."""
    figure = BUILDERS[chart or widget.chart](frame, widget, dims)
    figure.update_layout(
        margin={"l": 48, "r": 16, "t": 8, "b": 40}, font=FONT, colorway=PALETTE,
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", hovermode="closest",
        legend={"orientation": "h", "y": -0.18}, height=300, clickmode="event",
    )
    figure.update_xaxes(gridcolor="#e2e8f0", zeroline=False, automargin=True)
    figure.update_yaxes(gridcolor="#e2e8f0", zeroline=False, automargin=True)
    return json.loads(figure.to_json())


def kpi_figure(result: Kpi, widget: Widget) -> dict[str, Any]:
    """A number with its change against the previous period (delta in percent)."""
    measure = widget.measures[0]
    indicator = go.Indicator(
        mode="number+delta" if result.previous is not None else "number",
        value=result.value or 0,
        number={"valueformat": _format(measure.format), "font": {"size": 40}},
        delta={"reference": result.previous, "relative": True, "valueformat": ".1%"}
        if result.previous is not None else None,
    )
    figure = go.Figure(indicator)
    figure.update_layout(margin={"l": 8, "r": 8, "t": 8, "b": 8}, height=120, font=FONT,
                         paper_bgcolor="rgba(0,0,0,0)")
    return json.loads(figure.to_json())


def _format(kind: str) -> str:
    return {"percent": ".1%", "money": ",.2f", "duration": ",.1f"}.get(kind, ",.4~g")


def _hover(widget: Widget, name: str) -> str:
    measure = widget.measures[0]
    return f"%{{x}}<br>{name}: %{{y:{_format(measure.format)}}}<extra></extra>"


@builder("bar")
def bar(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> go.Figure:
    figure = go.Figure()
    for i, m in enumerate(widget.measures):
        figure.add_bar(x=frame["_d0"].astype(str), y=frame[m.id], name=m.title,
                       customdata=frame["_d0"], marker_color=PALETTE[i % len(PALETTE)],
                       hovertemplate=_hover(widget, m.title))
    figure.update_layout(showlegend=len(widget.measures) > 1, bargap=0.25)
    figure.update_xaxes(type="category")
    return figure


@builder("stacked_bar")
def stacked_bar(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> go.Figure:
    matrix = pivot(frame, widget.measures[0].id)
    figure = go.Figure()
    for i, series in enumerate(matrix.columns):
        figure.add_bar(x=[str(x) for x in matrix.index], y=matrix[series], name=str(series),
                       customdata=list(matrix.index), marker_color=PALETTE[i % len(PALETTE)])
    figure.update_layout(barmode="stack", bargap=0.25)
    figure.update_xaxes(type="category")
    return figure


def _lines(frame: pd.DataFrame, widget: Widget, fill: bool) -> go.Figure:
    figure = go.Figure()
    for i, m in enumerate(widget.measures):
        figure.add_scatter(x=frame["_d0"], y=frame[m.id], name=m.title, mode="lines+markers",
                           customdata=frame["_d0"], fill="tozeroy" if fill else None,
                           line={"color": PALETTE[i % len(PALETTE)], "width": 2.5},
                           hovertemplate=_hover(widget, m.title))
    figure.update_layout(showlegend=len(widget.measures) > 1)
    return figure


@builder("line")
def line(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> go.Figure:
    return _lines(frame, widget, fill=False)


@builder("area")
def area(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> go.Figure:
    return _lines(frame, widget, fill=True)


@builder("pie")
def pie(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> go.Figure:
    m = widget.measures[0]
    figure = go.Figure(go.Pie(labels=frame["_d0"].astype(str), values=frame[m.id], hole=0.55,
                              customdata=frame["_d0"], sort=False, textinfo="percent",
                              marker={"colors": PALETTE}))
    return figure


@builder("funnel")
def funnel(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> go.Figure:
    m = widget.measures[0]
    figure = go.Figure(go.Funnel(y=frame["_d0"].astype(str), x=frame[m.id],
                                 customdata=frame["_d0"], textinfo="value+percent initial",
                                 marker={"color": PALETTE[0]}))
    return figure


@builder("heatmap")
def heatmap(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> go.Figure:
    matrix = pivot(frame, widget.measures[0].id)
    rows = [str(x) for x in matrix.index]
    custom = [[row] * len(matrix.columns) for row in matrix.index]
    figure = go.Figure(go.Heatmap(z=matrix.values.tolist(), y=rows,
                                  x=[str(c) for c in matrix.columns], customdata=custom,
                                  colorscale=[[0, "#eff6ff"], [1, "#1d4ed8"]],
                                  hovertemplate="%{y} · %{x}: %{z}<extra></extra>"))
    figure.update_yaxes(type="category", autorange="reversed")
    figure.update_xaxes(type="category")
    return figure


@builder("table")
def table(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> go.Figure:
    """Tables are drawn as HTML by the page; the figure exists for exports and PDFs."""
    columns = list(frame.columns)
    figure = go.Figure(go.Table(header={"values": columns},
                                cells={"values": [frame[c].tolist() for c in columns]}))
    return figure


@builder("kpi")
def kpi_as_chart(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> go.Figure:
    value = float(frame[widget.measures[0].id].iloc[0]) if not frame.empty else 0.0
    return go.Figure(go.Indicator(mode="number", value=value))
