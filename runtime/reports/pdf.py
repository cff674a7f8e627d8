"""A board as a PDF: title, period, and each widget's numbers as a table (reportlab).

Charts are not drawn in the PDF: rendering Plotly figures to images needs a headless
browser (kaleido), which a mail job should not start. Every number a chart shows is in
its table, and the XLSX attachment carries the same data for further work.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

MAX_ROWS = 40


def board_pdf(title: str, subtitle: str, sections: dict[str, pd.DataFrame]) -> bytes:
    """PDF bytes; user-designed text is escaped (reportlab paragraphs read markup)."""
    styles = getSampleStyleSheet()
    story: list[Any] = [Paragraph(escape(title), styles["Title"]),
                        Paragraph(escape(subtitle), styles["Normal"]), Spacer(1, 6 * mm)]
    for name, frame in sections.items():
        story.append(Paragraph(escape(name), styles["Heading2"]))
        if frame.empty:
            story.append(Paragraph("No cases match.", styles["Normal"]))
            continue
        header = [str(c) for c in frame.columns]  # table cells are drawn as plain text
        rows = [[_cell(v) for v in record]
                for record in frame.head(MAX_ROWS).itertuples(index=False, name=None)]
        table = Table([header, *rows], repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f3a5f")),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f1f5f9")]),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#cbd5e1")),
        ]))
        story.extend([table, Spacer(1, 5 * mm)])
        if len(frame) > MAX_ROWS:
            story.append(Paragraph(f"First {MAX_ROWS} of {len(frame)} rows; the XLSX has all.",
                                   styles["Italic"]))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=landscape(A4), title=title, leftMargin=12 * mm,
                      rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm).build(story)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
