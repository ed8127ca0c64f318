"""发放: batch settings, issuing one voucher, and the Excel batch import (all rows or none)."""
from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lib import auth, clock, db, exports, queries
from lib import validation as v
from lib.actors import Actor
from lib.enterprises import clean_basic
from lib.errors import DomainError, NotFound, ValidationError
from lib.history import AdminAction, record
from lib.labels import ENTERPRISE_SIZES
from lib.models import Batch, Enterprise, User, Voucher
from lib.workflow import LIVE, Action, VoucherStatus, in_order, require_commission

if TYPE_CHECKING:
    from lib.importing import ImportPreview

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

def clean_row(session: Session, raw: dict, region_ids: dict[str, int] | None = None) -> dict:
    """One Excel row (header → value) checked as enterprise basics; errors name the column."""
    data = {COLUMNS[h]: ("" if raw.get(h) is None else str(raw.get(h)).strip()) for h in COLUMNS}
    return {**clean_basic(session, data, region_ids), "region": data["region"]}


def live_numbers(session: Session, credit_codes: list[str], batch_id: int) -> dict[str, str]:
    """Credit code → the number of its live voucher of the batch, for those that hold one (500 codes a query)."""
    found: dict[str, str] = {}
    for start in range(0, len(credit_codes), 500):
        found.update(session.execute(select(Enterprise.credit_code, Voucher.number)
                                     .join(Enterprise, Voucher.enterprise_id == Enterprise.id)
                                     .where(Enterprise.credit_code.in_(credit_codes[start:start + 500]),
                                            Voucher.batch_id == batch_id, Voucher.status.in_(in_order(LIVE)))).all())
    return found


EXAMPLE_ROW = ["91320000134763391X", "南京示例科技有限公司", "江宁区", "小型", "张三", "南京市江宁区某路1号", "李四",
               "13912345678", "contact@example.com"]
# Typed as numbers, Excel would round the one and drop the leading 0 of the other.
TEXT_COLUMNS = ("统一社会信用代码", "联系电话")
TEMPLATE_NOTES = [
    f"必填列（表头为红色）：{'、'.join(REQUIRED)}；其余列可留空，由企业激活时补全。",
    "统一社会信用代码：18位，系统会核对校验位。本列已设为文本格式；从其他表格粘贴时请用“选择性粘贴—数值”，"
    "不要让Excel把代码变成数字（如9.13205E+17）。",
    "所属区：从下拉列表选择南京市的行政区或开发区；写“南京市江宁区”“江宁”等也可以，只对应一个区时按该区读取。",
    f"企业规模：从下拉列表选择{'、'.join(ENTERPRISE_SIZES)}，可留空；“小型企业”按“小型”读取，“小微”无法确定，请写明。",
    "联系电话：手机号码或带区号的固定电话，如 139 1234 5678、025-8312 3456、025-83123456转801；"
    "本列已设为文本格式，以免开头的0被去掉。",
    "邮箱：如 contact@example.com，可以使用中文域名。",
    f"每个文件最多{MAX_ROWS}行；同一文件中统一社会信用代码不能重复。标题行、空行和序号、备注等列都可以保留，"
    "系统会找到表头，并告诉您忽略了哪些列。",
    "第2行（灰色）是示例，请删除示例行后再上传。任何一行有错误时，整个文件都不会发放，请按提示修改后重新上传。",
]


def _drop_down(sheet, column: str, source: str, title: str, message: str) -> None:
    rule = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True,
                          showInputMessage=True, errorTitle=title, error=message, promptTitle=title, prompt=message)
    rule.add(f"{column}2:{column}{MAX_ROWS + 1}")
    sheet.add_data_validation(rule)


def template_excel() -> bytes:
    """The import template: the header row (required columns in red), a grey example row to delete,
    drop-down lists for 所属区 and 企业规模, the code and phone columns as text, and a 填写说明 sheet."""
    regions = queries.regions()["name"].tolist()
    book = Workbook()
    sheet = book.active
    sheet.title = "企业名单"
    sheet.append(list(COLUMNS))
    sheet.append(EXAMPLE_ROW)
    for index, header in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = Font(bold=True, color="C00000" if header in REQUIRED else None)
        sheet[f"{letter}2"].font = Font(italic=True, color="808080")
        sheet.column_dimensions[letter].width = 22
        if header in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
            for (cell,) in sheet.iter_rows(min_row=2, max_row=MAX_ROWS + 1, min_col=index, max_col=index):
                cell.number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    for line in TEMPLATE_NOTES:
        notes.append([line])
    notes.column_dimensions["A"].width = 120
    options = book.create_sheet("选项")
    options.sheet_state = "hidden"
    for name in regions:
        options.append([name])
    if regions:
        _drop_down(sheet, "C", f"选项!$A$1:$A${len(regions)}", "所属区", "请从下拉列表中选择南京市的行政区或开发区")
    _drop_down(sheet, "D", '"' + ",".join(ENTERPRISE_SIZES) + '"', "企业规模", "请选择大型、中型、小型或微型，可留空")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
