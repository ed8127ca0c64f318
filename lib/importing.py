"""The 批量发放 file as clerks make it: the data sheet and its header row found, headers and values read the
way offices write them, and every problem named by its Excel row with the change that fixes it."""
from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from lib import db, exports, queries
from lib import validation as v
from lib.errors import ValidationError
from lib.issuing import COLUMNS, EXAMPLE_ROW, MAX_ROWS, REQUIRED, batch_of, clean_row, live_numbers
from lib.labels import ENTERPRISE_SIZES, REGION_ALIASES

HEADER_SCAN = 20  # rows of each sheet searched for the header row
MAX_COLUMNS = 50
# What the file's parts may expand to: 5,000 rows written cell by cell as inline strings expand to ~2.8 MB.
MAX_EXPANDED_BYTES = 25 * 1024 * 1024
_ROW_SLACK = 100  # blank or note rows tolerated beyond MAX_ROWS before a file counts as oversize
TEXT_FORMAT = "请将该列设置为文本格式后重新填写"
DAMAGED = "无法读取：文件不是Excel（.xlsx）文件或已损坏，请使用下载的模板填写。"

# Headers as offices write them → the template's column. Matched after `header_key` folds them.
HEADER_ALIASES = {
    "统一社会信用代码": ("信用代码", "社会信用代码", "统一信用代码", "统一社会信用代码证号", "纳税人识别号"),
    "企业名称": ("单位名称", "企业全称", "公司名称", "企业名", "名称"),
    "所属区": ("所属区域", "区域", "所在区", "所在区域", "区县", "所属区县", "辖区", "所属地区"),
    "企业规模": ("规模", "企业规模类型", "规模类型"),
    "法定代表人": ("法人", "法人代表", "法定代表人姓名"),
    "地址": ("企业地址", "注册地址", "经营地址", "通讯地址", "详细地址", "办公地址"),
    "联系人": ("联系人姓名",),
    "联系电话": ("电话", "联系方式", "手机", "手机号", "手机号码", "联系人电话", "联系人手机", "电话号码"),
    "邮箱": ("电子邮箱", "电子邮件", "email", "e-mail", "邮件", "联系邮箱"),
}
_HEADERS = {key: column for column, aliases in HEADER_ALIASES.items() for key in (column, *aliases)}
IGNORED_HEADERS = {"序号", "编号", "备注", "说明", "no", "no."}
_NOTE = re.compile(r"[(（][^()（）]*[)）]$")  # 企业规模（大型/中型/小型/微型）, 联系电话(手机)


def header_key(value: object) -> str:
    """A header cell as compared: full-width folded, every space and line break, `*` marks and a trailing
    note in brackets removed."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or ""))).replace("*", "").lower()
    return _NOTE.sub("", text) or text


@dataclass
class RowError:
    row: int  # the Excel row number, as the officer sees it
    column: str
    message: str


@dataclass
class ImportPreview:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_error: str | None = None
    notes: list[str] = field(default_factory=list)  # what was understood or ignored, said to the clerk

    @property
    def ok(self) -> bool:
        return self.file_error is None and not self.errors and bool(self.rows)

    def errors_excel(self, file_name: str) -> bytes:
        """Every problem, by Excel row, as a file the clerk can work through beside the original."""
        frame = pd.DataFrame([(e.row, e.column, e.message) for e in self.errors], columns=["row", "column", "message"])
        return exports.to_excel(frame, {"row": "行号", "column": "列", "message": "问题"}, title="批量发放文件的错误",
                                filters={"文件": file_name})


# ---------------------------------------------------------------- the file

def _open(content: bytes):
    """The workbook (read-only), or why the file is refused: empty, old .xls, not Excel, or a bomb."""
    if not content:
        return None, "文件是空的，请选择填写好的Excel文件。"
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return None, "这是旧版Excel（.xls）文件：请在Excel或WPS中“另存为”Excel工作簿（.xlsx）后重新上传。"
    try:
        # openpyxl scans a whole sheet that declares no size before the first row: check what the zip says
        # its parts expand to first (zipfile never reads past the declared size).
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            expanded = sum(item.file_size for item in archive.infolist())
        if expanded > MAX_EXPANDED_BYTES:
            return None, f"文件展开后约{expanded // 1024 // 1024}MB，远超{MAX_ROWS}行数据的大小，请拆分后分批导入。"
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True), None
    except Exception:  # noqa: BLE001 - a damaged or crafted file fails inside openpyxl in many ways
        return None, DAMAGED


def _bounded_rows(sheet) -> tuple[list[tuple], str | None]:
    """The sheet's rows (index + 1 is the Excel row: openpyxl yields blank rows too), or why it is refused,
    never holding more than the limit: the size the sheet declares is checked first, then rows as they
    stream (a file may declare nothing, or lie). A 147 KB file that expands to a million rows costs nothing."""
    too_many = f"文件行数超过每次最多{MAX_ROWS}行的限制，请拆分后分批导入。"
    if (sheet.max_row or 0) > MAX_ROWS + _ROW_SLACK:
        return [], f"文件共有约{sheet.max_row - 1}行，{too_many}"
    if (sheet.max_column or 0) > MAX_COLUMNS:
        return [], f"文件共有{sheet.max_column}列，超过模板的列数太多，请使用下载的模板。"
    rows = []
    for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
        rows.append(row)
        if len(rows) > MAX_ROWS + _ROW_SLACK:
            return [], too_many
    return rows, None


@dataclass
class Header:
    sheet: object
    row: int  # Excel row of the header
    columns: dict[int, str]  # cell index → template column
    ignored: list[str]
    renamed: list[str]
    unnamed: list[int]  # cell indexes with no header (their content is not read)
    first_sheet: bool = True


def _header_in(cells: tuple) -> Header | None:
    columns, ignored, renamed, unnamed = {}, [], [], []
    for index, cell in enumerate(cells):
        key, shown = header_key(cell), re.sub(r"\s+", "", str(cell))
        column = _HEADERS.get(key)
        if column is not None and column not in columns.values():
            columns[index] = column
            if shown != column:
                renamed.append(f"“{shown}”按“{column}”读取")
        elif key:
            ignored.append(shown)
        else:
            unnamed.append(index)
    return Header(None, 0, columns, ignored, renamed, unnamed) if len(columns) >= 2 else None


def _find_header(book) -> Header | None:
    """The visible sheet and row (within the first HEADER_SCAN) that name the most template columns: past a
    merged title, a 填写说明 sheet or notes above the table."""
    best = None
    for sheet in book.worksheets:
        if getattr(sheet, "sheet_state", "visible") != "visible":
            continue
        for number, cells in enumerate(sheet.iter_rows(values_only=True, max_row=HEADER_SCAN, max_col=MAX_COLUMNS),
                                       start=1):
            found = _header_in(cells)
            if found and (best is None or len(found.columns) > len(best.columns)):
                best = Header(sheet, number, found.columns, found.ignored, found.renamed, found.unnamed)
    return best


# ---------------------------------------------------------------- values as people type them

def match_region(value: str, names: list[str]) -> str | None:
    """所属区 as written (南京市江宁区, 江宁, 江北, 高新区) → the region's name, when only one region fits."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).removeprefix("江苏省")
    bare = text.removeprefix("南京市").removeprefix("南京")
    for written in dict.fromkeys((text, bare)):
        for candidate in (written, written + "区", "南京" + written, REGION_ALIASES.get(written)):
            if written and candidate in names:
                return candidate
    starting = [name for name in names if len(bare) >= 2 and name.startswith(bare)]
    return starting[0] if len(starting) == 1 else None


def match_size(value: str) -> str | None:
    """企业规模 as written (小型企业, 小, 微型) → the label; None for what is not one size (小微, 中小)."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).removesuffix("企业")
    for candidate in (text, text + "型"):
        if candidate in ENTERPRISE_SIZES:
            return candidate
    return None


def _text_column(value: object, column: str) -> str:
    """A code cell stored as a number has lost its digits past the 15th (and any leading 0): say so."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        shown = f"{value:.15g}" if isinstance(value, float) else str(value)
        raise ValidationError(column, f"Excel把“{shown}”存成了数字，末尾的数字已经丢失：{TEXT_FORMAT}")
    return "" if value is None else str(value).strip()


def _phone_cell(value: object) -> tuple[str, str | None]:
    """联系电话 as text, and the number as read when Excel dropped a landline's leading 0 (2583123456 is
    025 8312 3456: no number starts with 2–9 and has 9–11 digits once its area code's 0 is gone)."""
    whole = isinstance(value, int) or isinstance(value, float) and math.isfinite(value) and value.is_integer()
    text = str(int(value)) if whole and not isinstance(value, bool) else ("" if value is None else str(value).strip())
    if text.isdigit() and text[0] in "23456789" and 9 <= len(text) <= 11 and v.is_landline("0" + text):
        return "0" + text, v.display_phone(v.phone("0" + text, "联系电话"))
    return text, None


WHY = {"联系电话": "开头的0被Excel去掉了（请把该列设置为文本格式），"}


class _Mapped:
    """What was read under another name, by column: “江宁”→江宁区 (rows), said to the clerk once per spelling."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str, str], list[int]] = {}

    def add(self, column: str, raw: str, value: str, row: int) -> None:
        if raw != value:
            self.seen.setdefault((column, raw, value), []).append(row)

    def notes(self) -> list[str]:
        return [f"{column}“{raw}”{WHY.get(column, '')}按“{value}”读取（第{'、'.join(map(str, rows[:5]))}行"
                + (f"等{len(rows)}行）" if len(rows) > 5 else "）") for (column, raw, value), rows in self.seen.items()]


def _row_values(cells: tuple, header: Header, regions: list[str], mapped: _Mapped, row: int) -> dict:
    """One row as header → text, with the office spellings mapped; raises ValidationError naming the column."""
    raw = {column: (cells[index] if index < len(cells) else None) for index, column in header.columns.items()}
    out = {column: ("" if value is None else str(value).strip()) for column, value in raw.items()}
    out["统一社会信用代码"] = _text_column(raw.get("统一社会信用代码"), "统一社会信用代码")
    if "联系电话" in raw:
        out["联系电话"], restored = _phone_cell(raw["联系电话"])
        if restored:
            mapped.add("联系电话", out["联系电话"][1:], restored, row)
    if out["统一社会信用代码"].upper() == EXAMPLE_ROW[0] or out.get("企业名称") == EXAMPLE_ROW[1]:
        raise ValidationError("企业名称", "这是模板中的示例行：请删除示例行后重新上传")
    if out.get("所属区"):
        region = match_region(out["所属区"], regions)
        if region is None:
            raise ValidationError("所属区", f"“{out['所属区']}”不是南京市的行政区或开发区，"
                                         f"请填写：{'、'.join(regions)}")
        mapped.add("所属区", out["所属区"], region, row)
        out["所属区"] = region
    if out.get("企业规模"):
        size = match_size(out["企业规模"])
        if size is None:
            unsure = "可能是小型也可能是微型，" if "小" in out["企业规模"] and "微" in out["企业规模"] else ""
            raise ValidationError("企业规模", f"“{out['企业规模']}”{unsure or '不是一种企业规模，'}"
                                          f"请填写：{'、'.join(ENTERPRISE_SIZES)}之一，或留空")
        mapped.add("企业规模", out["企业规模"], size, row)
        out["企业规模"] = size
    return out


# ---------------------------------------------------------------- the whole check

def _header_notes(header: Header, body: list[tuple[int, tuple]]) -> list[str]:
    notes = []
    if not header.first_sheet or header.row != 1:
        notes.append(f"企业名单读自工作表“{header.sheet.title}”，表头在第{header.row}行。")
    if header.renamed:
        notes.append("按模板的列读取：" + "、".join(header.renamed) + "。")
    if header.ignored:
        notes.append("以下列不是模板的列，未导入：" + "、".join(header.ignored) + "。")
    absent = [c for c in COLUMNS if c not in header.columns.values()]
    if absent:
        notes.append("文件中没有这些列，留空，由企业激活时补全：" + "、".join(absent) + "。")
    filled = [get_column_letter(i + 1) for i in header.unnamed
              if any(i < len(cells) and cells[i] not in (None, "") for _, cells in body)]
    if filled:
        notes.append(f"第{'、'.join(filled)}列没有列名，其中的内容未导入。")
    return notes


def _table_of(book) -> tuple[Header | None, list[tuple], str | None]:
    """The header and every row of the sheet that holds the table, or why there is none."""
    header = _find_header(book)
    if header is None:
        return None, [], ("没有找到表头：各工作表的前20行中，没有一行含有“统一社会信用代码”“企业名称”“所属区”"
                          "这些列名。请使用下载的模板填写。")
    missing = [c for c in REQUIRED if c not in header.columns.values()]
    if missing:
        return header, [], (f"工作表“{header.sheet.title}”第{header.row}行的表头缺少必填列："
                            f"{'、'.join(missing)}。请使用下载的模板填写。")
    header.first_sheet = header.sheet is book.worksheets[0]
    rows, error = _bounded_rows(header.sheet)
    return header, rows, error


def read_import(content: bytes, *, batch_year: int) -> ImportPreview:
    """Check an uploaded file completely, writing nothing: file-level problems first, then each row."""
    preview = ImportPreview()
    book, preview.file_error = _open(content)
    if book is None:
        return preview
    try:
        header, rows, preview.file_error = _table_of(book)
    except Exception:  # noqa: BLE001 - a damaged sheet fails inside openpyxl only when its rows are read
        header, preview.file_error = None, DAMAGED
    finally:
        book.close()
    if preview.file_error:
        return preview
    body = [(number, cells) for number, cells in enumerate(rows, start=1)
            if number > header.row and any(c not in (None, "") and str(c).strip() for c in cells)]
    preview.notes = _header_notes(header, body)
    if not body:
        preview.file_error = "文件中没有企业数据（只有表头）。"
    elif len(body) > MAX_ROWS:
        preview.file_error = f"文件共有{len(body)}行企业数据，超过每次最多{MAX_ROWS}行的限制，请拆分后分批导入。"
    else:
        _check_rows(preview, body, header, batch_year)
    return preview


def _check_rows(preview: ImportPreview, body: list[tuple[int, tuple]], header: Header, batch_year: int) -> None:
    mapped = _Mapped()
    with db.read_session() as session:
        batch = batch_of(session, batch_year)
        options = queries.regions()  # 行政区 first, then 开发区: the order the messages list them in
        region_ids = dict(zip(options["name"], options["id"].astype(int), strict=True))
        regions = list(region_ids)
        seen: dict[str, int] = {}
        for number, cells in body:
            try:
                row = clean_row(session, _row_values(cells, header, regions, mapped, number), region_ids)
            except ValidationError as exc:
                preview.errors.append(RowError(number, exc.field or "", exc.reason))
                continue
            if row["credit_code"] in seen:
                preview.errors.append(RowError(number, "统一社会信用代码", f"与第{seen[row['credit_code']]}行重复"))
                continue
            seen[row["credit_code"]] = number
            preview.rows.append({**row, "row": number})
        live = live_numbers(session, list(seen), batch.id)
    for row in [r for r in preview.rows if r["credit_code"] in live]:
        held = live[row["credit_code"]]
        preview.errors.append(RowError(row["row"], "统一社会信用代码", f"该企业已持有本批次有效服务券{held}"))
        preview.rows.remove(row)
    preview.errors.sort(key=lambda error: error.row)
    preview.notes += mapped.notes()
    unchecked = [str(r["row"]) for r in preview.rows if v.credit_code_warning(r["credit_code"])]
    if unchecked:
        preview.notes.append(f"第{'、'.join(unchecked[:10])}行{'等' if len(unchecked) > 10 else ''}"
                             f"的统一社会信用代码{v.ORG_CODE_WARNING}。")
