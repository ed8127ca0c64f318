"""Excel files (openpyxl): every list exports with Chinese headers and the filters that produced it."""
from __future__ import annotations

import io
import unicodedata
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


# Where the table starts: title, filters, time, a blank line, then the header (row 5). pandas reads every
# export with pd.read_excel(file, header=HEADER_ROW - 1).
HEADER_ROW = 5
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MONEY_FORMAT = "#,##0.00"


def _cell(value: object) -> tuple[object, str | None]:
    """The value Excel should hold (dates and times as real dates in Nanjing time, money and counts as
    numbers) and its number format."""
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None, None
    if isinstance(value, datetime):
        return clock.to_local(value).replace(tzinfo=None) if value.tzinfo else value, DATETIME_FORMAT
    if isinstance(value, date):
        return value, DATE_FORMAT
    if isinstance(value, bool):
        return ("是" if value else "否"), None
    if isinstance(value, Decimal):
        return float(value), MONEY_FORMAT
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value), None
    if hasattr(value, "item"):  # a numpy number from a frame
        value = value.item()
    return value, None


def _width(value: object) -> int:
    """Display width of a cell's text: a Chinese (wide) character counts two."""
    if value is None:
        return 0
    text = value if isinstance(value, str) else "0000-00-00 00:00" if isinstance(value, datetime) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


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
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
    widths = [_width(header) for header in columns.values()]
    for row in frame[list(columns)].itertuples(index=False):
        cells = [_cell(v) for v in row]
        _append(sheet, [value for value, _ in cells])
        for index, (cell, (value, number_format)) in enumerate(zip(sheet[sheet.max_row], cells, strict=True)):
            if number_format:
                cell.number_format = number_format
            widths[index] = max(widths[index], _width(value))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(60, width + 2)
    last = get_column_letter(len(columns))
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(HEADER_ROW, sheet.max_row)}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
