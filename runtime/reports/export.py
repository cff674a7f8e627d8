"""CSV and XLSX exports of a widget's frame or a rows table, safe to open in a spreadsheet.

A text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return would be read
as a formula by Excel, LibreOffice or Google Sheets (CHECKLIST 26); such cells get a
leading apostrophe, the OWASP-recommended neutraliser. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A cell value that no spreadsheet will evaluate as a formula."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _cells(frame: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    header = [str(neutralise(str(c))) for c in frame.columns]
    rows = []
    for record in frame.itertuples(index=False, name=None):
        row = []
        for value in record:
            if value is None or (isinstance(value, float) and pd.isna(value)):
                row.append(None)
            elif isinstance(value, pd.Timestamp):
                row.append(value.to_pydatetime())
            elif hasattr(value, "item") and not isinstance(value, str):
                row.append(value.item())  # numpy scalar → Python
            else:
                row.append(neutralise(value) if isinstance(value, str) else value)
        rows.append(row)
    return header, rows


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads accents and CJK text correctly."""
    header, rows = _cells(frame)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One worksheet per frame (a board exports every widget), header row in bold."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for title, frame in sheets.items():
        sheet = book.create_sheet(_sheet_title(title, used))
        header, rows = _cells(frame)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1F3A5F")
        for row in rows:
            sheet.append([_xlsx_value(v) for v in row])
        for i, name in enumerate(header, start=1):
            sample = [len(_text(r[i - 1])) for r in rows[:200] if r[i - 1] is not None]
            width = min(max([len(name), *sample]) + 2, 60)
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(width, 8)
    if not book.sheetnames:
        book.create_sheet("Empty")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; values are UTC
    return value


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else str(value)
    return str(value)


def _sheet_title(title: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique (never evaluated)."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip().strip("'")
    clean = clean[:31] or "Sheet"
    name, n = clean, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name
