"""Query rows → pandas frames the figures and exports read (pandas shapes, SQL aggregates).

The database has already grouped; pandas only renames columns to what people read,
turns date buckets into strings, pivots two dimensions into a matrix (stacked bars,
heatmaps) and works out a KPI's change against the previous period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from runtime.reports.compiler import DIM_LABELS, NONE_LABEL
from runtime.reports.spec import Dimension, Widget


@dataclass(frozen=True)
class Kpi:
    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """Relative change against the previous period (0.12 = +12 %), None if not comparable."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / abs(self.previous)


def to_frame(rows: Sequence[Any], widget: Widget, dims: Sequence[Dimension]) -> pd.DataFrame:
    """Aggregate rows as a frame with `_d0…` and measure-id columns, clean values."""
    columns = [DIM_LABELS[i] for i in range(len(dims))] + [m.id for m in widget.measures]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    for i, _dim in enumerate(dims):
        frame[DIM_LABELS[i]] = frame[DIM_LABELS[i]].map(_label)
    for m in widget.measures:
        frame[m.id] = pd.to_numeric(frame[m.id], errors="coerce")
    return frame


def pivot(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Two dimensions as a matrix: rows = first dimension, columns = second."""
    if frame.empty:
        return pd.DataFrame()
    table = frame.pivot_table(index="_d0", columns="_d1", values=measure, aggfunc="sum",
                              fill_value=0, sort=False)
    series = sorted(table.columns, key=lambda c: (c == NONE_LABEL, str(c)))
    return table[series]


def readable(frame: pd.DataFrame, widget: Widget, dims: Sequence[Dimension]) -> pd.DataFrame:
    """The frame with the column titles people read (for tables and exports)."""
    names = {DIM_LABELS[i]: d.title for i, d in enumerate(dims)}
    names.update({m.id: m.title for m in widget.measures})
    return frame.rename(columns=names)


def kpi(current: pd.DataFrame, previous: pd.DataFrame | None, measure: str) -> Kpi:
    def first(frame: pd.DataFrame | None) -> float | None:
        if frame is None or frame.empty or pd.isna(frame[measure].iloc[0]):
            return None
        return float(frame[measure].iloc[0])

    return Kpi(first(current), first(previous))


def _label(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return NONE_LABEL
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value
