"""Excel files (openpyxl): every list exports with Chinese headers and the filters that produced it."""
from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lib import clock

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# OWASP "CSV injection": text starting with one of these may be run as a formula by a spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _append(sheet, values: list) -> None:
    """One row; every text cell stays text: control characters Excel cannot store are dropped, and text
    that a spreadsheet would run as a formula is stored as a string with Excel's quote prefix."""
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
            cell.data_type = "s"
            cell.quotePrefix = True


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        return clock.fmt_datetime(value)
    if isinstance(value, Decimal):
        return float(value) if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return value


def to_excel(frame: pd.DataFrame, columns: dict[str, str], *, title: str,
             filters: dict[str, str] | None = None) -> bytes:
    """`columns` maps the frame's ASCII columns to Chinese headers, in order. The first rows say
    what the sheet is and which filters were applied, so a printed copy explains itself."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    _append(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=13)
    applied = "；".join(f"{k}：{v}" for k, v in (filters or {}).items() if v) or "无（全部）"
    _append(sheet, [f"筛选条件：{applied}"])
    _append(sheet, [f"导出时间：{clock.fmt_datetime(clock.utcnow())}，共{len(frame)}条"])
    sheet.append([])
    _append(sheet, list(columns.values()))
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    for row in frame[list(columns)].itertuples(index=False):
        _append(sheet, [_cell(v) for v in row])
    for index, header in enumerate(columns.values(), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(header) * 2 + 4))
    sheet.freeze_panes = "A6"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
