"""发放: batch settings, issuing one voucher, and the Excel batch import (all rows or none)."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lib import auth, clock, db, exports
from lib import validation as v
from lib.actors import Actor
from lib.enterprises import clean_basic
from lib.errors import DomainError, NotFound, ValidationError
from lib.history import AdminAction, record
from lib.labels import ENTERPRISE_SIZES
from lib.models import Batch, Enterprise, User, Voucher
from lib.workflow import LIVE, Action, VoucherStatus, in_order, require_commission

# Template columns: header → model field. The first three are required.
COLUMNS = {"统一社会信用代码": "credit_code", "企业名称": "name", "所属区": "region", "企业规模": "size",
           "法定代表人": "legal_rep", "地址": "address", "联系人": "contact", "联系电话": "phone", "邮箱": "email"}
REQUIRED = ["统一社会信用代码", "企业名称", "所属区"]
MAX_ROWS = 5000
RESULT_COLUMNS = {"number": "服务券号", "credit_code": "统一社会信用代码", "name": "企业名称", "region": "所属区",
                  "username": "企业登录账户名", "password": "一次性密码"}


# ---------------------------------------------------------------- batches

def save_batch(*, actor: Actor, year: object, face_value: object, days_after_issue: object,
               days_after_activation: object, now: datetime | None = None) -> None:
    """批次 settings: create the year's batch or change its face value and deadlines."""
    require_commission(actor, "设置批次")
    year = v.count(year, "年度", required_=True, maximum=2099)
    if year < 2000:
        raise ValidationError("年度", "应为2000到2099之间的年份")
    face = v.money(face_value, "面额（元）", required_=True, maximum=Decimal("1000000"))
    if face <= 0:
        raise ValidationError("面额（元）", "应大于0")
    issue_days = v.count(days_after_issue, "发放后有效天数", required_=True, maximum=365)
    activation_days = v.count(days_after_activation, "激活后有效天数", required_=True, maximum=365)
    if issue_days < 1 or activation_days < 1:
        raise ValidationError("有效天数", "至少1天")
    with db.transaction() as session:
        batch = session.scalars(select(Batch).where(Batch.year == year)).one_or_none()
        values = {"face_value": face, "expiry_days_after_issue": issue_days,
                  "expiry_days_after_activation": activation_days}
        if batch is None:
            batch = Batch(year=year, **values)  # numbering starts at the column default, 1
            session.add(batch)
            action = AdminAction.CREATE_BATCH
        else:
            for key, value in values.items():
                setattr(batch, key, value)
            action = AdminAction.UPDATE_BATCH
        record(session, actor, action, changes={"year": year, **values}, now=now or clock.utcnow())


def batches() -> pd.DataFrame:
    with db.read_session() as session:
        rows = session.execute(select(Batch.year, Batch.face_value, Batch.expiry_days_after_issue,
                                      Batch.expiry_days_after_activation, Batch.next_serial)
                               .order_by(Batch.year.desc())).all()
    frame = pd.DataFrame(rows,
                         columns=["year", "face_value", "days_after_issue", "days_after_activation", "next_serial"])
    frame["issued"] = frame["next_serial"] - 1
    return frame


# ---------------------------------------------------------------- numbers and one voucher

def next_numbers(session: Session, batch: Batch, count: int) -> list[str]:
    """Reserve `count` serials of the batch: number = 2-digit year + 5-digit serial."""
    session.execute(update(Batch).where(Batch.id == batch.id).values(next_serial=Batch.next_serial + count))
    session.refresh(batch)
    first = batch.next_serial - count
    if batch.next_serial - 1 > 99_999:
        raise DomainError(f"{batch.year}年度批次的服务券号已用完（最多99999张）")
    return [f"{batch.year % 100:02d}{serial:05d}" for serial in range(first, first + count)]


def issue_in(session: Session, *, actor: Actor, enterprise_id: int, batch: Batch, number: str,
             now: datetime) -> Voucher:
    """发放 inside the caller's transaction (single issue and batch import share it)."""
    live = session.scalar(select(Voucher.number).where(
        Voucher.enterprise_id == enterprise_id, Voucher.batch_id == batch.id, Voucher.status.in_(in_order(LIVE))))
    if live:
        raise DomainError(f"该企业已持有本批次有效服务券{live}")
    voucher = Voucher(number=number, batch_id=batch.id, enterprise_id=enterprise_id, face_value=batch.face_value,
                      status=VoucherStatus.ISSUED, issued_at=now,
                      expires_at=now + timedelta(days=batch.expiry_days_after_issue),
                      withdrawal_pending=False, updated_at=now)
    session.add(voucher)
    session.flush()
    record(session, actor, Action.ISSUE, voucher=voucher, to_status=VoucherStatus.ISSUED,
           changes={"face_value": batch.face_value, "expires_at": voucher.expires_at}, now=now)
    return voucher


def batch_of(session: Session, year: int) -> Batch:
    batch = session.scalars(select(Batch).where(Batch.year == year)).one_or_none()
    if batch is None:
        raise NotFound(f"{year}年度批次不存在，请先设置批次")
    return batch


# ---------------------------------------------------------------- rows

def clean_row(session: Session, raw: dict) -> dict:
    """One Excel row (header → value) checked as enterprise basics; errors name the column."""
    data = {COLUMNS[h]: ("" if raw.get(h) is None else str(raw.get(h)).strip()) for h in COLUMNS}
    return {**clean_basic(session, data), "region": data["region"]}


def _live_number(session: Session, credit_code: str, batch_id: int) -> str | None:
    return session.scalar(select(Voucher.number).join(Enterprise, Voucher.enterprise_id == Enterprise.id).where(
        Enterprise.credit_code == credit_code, Voucher.batch_id == batch_id,
        Voucher.status.in_(in_order(LIVE))))


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

    @property
    def ok(self) -> bool:
        return self.file_error is None and not self.errors and bool(self.rows)

    def errors_frame(self) -> pd.DataFrame:
        return pd.DataFrame([(e.row, e.column, e.message) for e in self.errors], columns=["行号", "列", "问题"])


def template_excel() -> bytes:
    """The import template: the header row, one example row, and a sheet of rules."""
    book = Workbook()
    sheet = book.active
    sheet.title = "企业名单"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(["91320000134763391X", "南京示例科技有限公司", "江宁区", "小型", "张三", "南京市江宁区某路1号", "李四",
                  "13912345678", "contact@example.com"])
    for column in "ABCDEFGHI":
        sheet.column_dimensions[column].width = 22
    notes = book.create_sheet("填写说明")
    for line in [f"必填列：{'、'.join(REQUIRED)}；其余列可留空，由企业激活时补全。",
                 "统一社会信用代码：18位，系统会核对校验位。",
                 "所属区：南京市行政区或开发区名称，如 江宁区、江北新区。",
                 f"企业规模：{'、'.join(ENTERPRISE_SIZES)}，可留空。",
                 f"每个文件最多{MAX_ROWS}行；同一文件中统一社会信用代码不能重复。",
                 "请删除示例行后再上传。任何一行有错误时，整个文件都不会发放，请修改后重新上传。"]:
        notes.append([line])
    notes.column_dimensions["A"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


MAX_COLUMNS = 50
# What the file's parts may expand to: 5,000 rows written cell by cell as inline strings expand to ~2.8 MB.
MAX_EXPANDED_BYTES = 25 * 1024 * 1024
_ROW_SLACK = 100  # blank or note rows tolerated beyond MAX_ROWS before a file counts as oversize


def _bounded_rows(sheet) -> tuple[list[tuple], str | None]:
    """The sheet's rows, or why it is refused, without ever holding more than the limit: the size the
    sheet declares (read-only mode reads it before any row) is checked first, then rows as they stream
    (a file may declare nothing, or lie). A 147 KB file that expands to a million rows costs nothing."""
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


def _read_rows(content: bytes) -> tuple[list[tuple], str | None]:
    """The first sheet's rows, or why the file is refused: not an Excel file, damaged, or too big."""
    try:
        # openpyxl scans a whole sheet that declares no size before the first row: check what the zip says
        # its parts expand to first (zipfile never reads past the declared size).
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            expanded = sum(item.file_size for item in archive.infolist())
        if expanded > MAX_EXPANDED_BYTES:
            return [], f"文件展开后约{expanded // 1024 // 1024}MB，远超{MAX_ROWS}行数据的大小，请拆分后分批导入。"
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        rows, error = _bounded_rows(book.worksheets[0])
        book.close()
        return rows, error
    except Exception:  # noqa: BLE001 - a damaged or crafted file fails inside openpyxl in many ways
        return [], "无法读取：文件不是Excel（.xlsx）文件或已损坏，请使用下载的模板填写。"


def read_import(content: bytes, *, batch_year: int) -> ImportPreview:
    """Check an uploaded file completely, writing nothing: file-level problems first, then each row."""
    preview = ImportPreview()
    if not content:
        preview.file_error = "文件是空的，请选择填写好的Excel文件。"
        return preview
    rows, preview.file_error = _read_rows(content)
    if preview.file_error:
        return preview
    rows = [r for r in rows if any(c not in (None, "") for c in r)]
    if not rows:
        preview.file_error = "文件是空的：没有表头，也没有企业数据。"
        return preview
    header = [str(c).strip() if c is not None else "" for c in rows[0]]
    while header and not header[-1]:
        header.pop()
    missing = [c for c in COLUMNS if c not in header]
    extra = [c or "（空白列名）" for c in header if c not in COLUMNS]
    if missing or extra:
        parts = (([f"缺少列：{'、'.join(missing)}"] if missing else [])
                 + ([f"多余的列：{'、'.join(extra)}"] if extra else []))
        preview.file_error = "表头与模板不一致（" + "；".join(parts) + "），请使用下载的模板。"
        return preview
    body = rows[1:]
    if not body:
        preview.file_error = "文件中没有企业数据（只有表头）。"
        return preview
    if len(body) > MAX_ROWS:
        preview.file_error = f"文件共有{len(body)}行企业数据，超过每次最多{MAX_ROWS}行的限制，请拆分后分批导入。"
        return preview
    with db.read_session() as session:
        batch = batch_of(session, batch_year)
        seen: dict[str, int] = {}
        for offset, values in enumerate(body, start=2):
            raw = dict(zip(header, values, strict=False))
            try:
                row = clean_row(session, raw)
            except ValidationError as exc:
                preview.errors.append(RowError(offset, exc.field or "", exc.reason))
                continue
            if row["credit_code"] in seen:
                preview.errors.append(RowError(offset, "统一社会信用代码", f"与第{seen[row['credit_code']]}行重复"))
                continue
            seen[row["credit_code"]] = offset
            live = _live_number(session, row["credit_code"], batch.id)
            if live:
                preview.errors.append(RowError(offset, "统一社会信用代码", f"该企业已持有本批次有效服务券{live}"))
                continue
            row["row"] = offset
            preview.rows.append(row)
    return preview


def _issue_rows(session: Session, actor: Actor, rows: list[dict], batch: Batch, now: datetime,
                progress: Callable[[int, int], None] | None = None) -> list[dict]:
    numbers = next_numbers(session, batch, len(rows))
    codes = [row["credit_code"] for row in rows]
    known: dict[str, Enterprise] = {}
    for start in range(0, len(codes), 500):  # enterprises and logins fetched in bulk, not once per row
        known.update((e.credit_code, e) for e in session.scalars(
            select(Enterprise).where(Enterprise.credit_code.in_(codes[start:start + 500]))))
    logins = dict(session.execute(select(User.enterprise_id, User.username).where(
        User.enterprise_id.in_([e.id for e in known.values()]))).all()) if known else {}
    results = []
    for done, (row, number) in enumerate(zip(rows, numbers, strict=True), start=1):
        enterprise = known.get(row["credit_code"])
        if enterprise is None:
            enterprise = Enterprise(**{k: row[k] for k in ("credit_code", "name", "region_id", "size", "legal_rep",
                                                           "address", "contact", "phone", "email")}, created_at=now)
            session.add(enterprise)
            session.flush()
        try:  # the live-voucher rule is checked here, inside the transaction: a refusal rolls back every row
            issue_in(session, actor=actor, enterprise_id=enterprise.id, batch=batch, number=number, now=now)
        except DomainError as exc:
            where = f"第{row['row']}行：" if "row" in row else ""
            raise DomainError(f"{where}{exc.message}" + ("，未发放任何服务券。" if where else "")) from exc
        username, password = logins.get(enterprise.id), "（已有账户）"
        if username is None:
            username, password = f"qy{number}", auth.generate_one_time_password()
            auth.add_user(session, actor=actor, username=username, display_name=enterprise.name, role="enterprise",
                          password_hash=auth.one_time_hash(password), enterprise_id=enterprise.id, now=now)
        results.append({"number": number, "credit_code": enterprise.credit_code, "name": enterprise.name,
                        "region": row["region"], "username": username, "password": password})
        if progress and (done % 100 == 0 or done == len(rows)):
            progress(done, len(rows))
    return results


def issue_batch(*, actor: Actor, preview: ImportPreview, batch_year: int,
                progress: Callable[[int, int], None] | None = None, now: datetime | None = None) -> pd.DataFrame:
    """Issue every row of a checked file in one transaction: all vouchers or none."""
    require_commission(actor, "批量发放服务券")
    if not preview.ok:
        raise DomainError("文件中有错误，未发放任何服务券。请按提示修改后重新上传。")
    now = now or clock.utcnow()
    with db.transaction() as session:
        results = _issue_rows(session, actor, preview.rows, batch_of(session, batch_year), now, progress)
    return pd.DataFrame(results, columns=list(RESULT_COLUMNS))


def issue_single(*, actor: Actor, data: dict, batch_year: int, now: datetime | None = None) -> dict:
    """发放 to one enterprise given by its basic fields (those of enterprises.clean_basic; found by
    统一社会信用代码 or created), with its login."""
    require_commission(actor, "发放服务券")
    now = now or clock.utcnow()
    with db.transaction() as session:
        row = {**clean_basic(session, data), "region": v.scrub(data.get("region"), fold=False)}
        (result,) = _issue_rows(session, actor, [row], batch_of(session, batch_year), now)
    return result


def result_excel(results: pd.DataFrame, batch_year: int) -> bytes:
    return exports.to_excel(results, RESULT_COLUMNS, title=f"{batch_year}年度服务券发放结果",
                            filters={"说明": "一次性密码仅显示一次，请妥善转交企业；企业首次登录须修改密码"})
