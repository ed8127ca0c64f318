"""批量发放 and the other commission services, against a real database and real Excel files."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from lib import auth, db, importing, issuing, providers, review, settlement, vouchers
from lib.audit import AuditFilters, search
from lib.errors import DomainError, NotFound, PermissionDenied, ValidationError
from lib.labels import DEV_ZONES, DISTRICTS
from lib.models import Enterprise, History, Product, User, Voucher
from lib.seed import credit_code_for
from lib.workflow import VoucherStatus as S
from tests.builders import COMMISSION, NOW, TODAY, account, make_batch, make_provider, make_voucher, provider_actor

HEADER = list(issuing.COLUMNS)


def workbook(rows: list[list], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_row(n: int, region: str = "江宁区") -> list:
    return [credit_code_for(700000 + n), f"南京导入企业{n}有限公司", region, "小型", "张三", "南京市某路1号", "李四",
            "13912345678", f"e{n}@example.com"]


def count(model) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_the_template_has_the_columns_and_rules(database):
    book = load_workbook(io.BytesIO(issuing.template_excel()))
    assert [c.value for c in book["企业名单"][1]] == HEADER
    assert "每个文件最多5000行" in "".join(str(c.value) for c in book["填写说明"]["A"])


def test_a_bad_row_in_the_middle_means_nothing_is_written(database):
    make_batch(2026)
    rows = [good_row(1), good_row(2), [credit_code_for(9)[:17] + "0", "坏企业", "江宁区"] + [None] * 6, good_row(4)]
    preview = importing.read_import(workbook(rows), batch_year=2026)
    assert [(e.row, e.column, e.message) for e in preview.errors] == [(4, "统一社会信用代码", "校验位不正确，请核对")]
    assert not preview.ok
    with pytest.raises(DomainError, match="未发放任何服务券"):
        issuing.issue_batch(actor=COMMISSION, preview=preview, batch_year=2026, now=NOW)
    assert (count(Voucher), count(Enterprise), count(User), count(History)) == (0, 0, 0, 0)


@pytest.mark.parametrize("row,column,message", [
    (["", "企业", "江宁区"] + [None] * 6, "统一社会信用代码", "不能为空"),
    ([credit_code_for(5), "", "江宁区"] + [None] * 6, "企业名称", "不能为空"),
    ([credit_code_for(5), "企业", "上海市"] + [None] * 6, "所属区",
     "“上海市”不是南京市的行政区或开发区，请填写：" + "、".join(DISTRICTS + DEV_ZONES)),
    ([credit_code_for(5), "企业", "江宁区", "超大型"] + [None] * 5, "企业规模",
     "“超大型”不是一种企业规模，请填写：大型、中型、小型、微型之一，或留空"),
    ([credit_code_for(5), "企业", "江宁区", "小微"] + [None] * 5, "企业规模",
     "“小微”可能是小型也可能是微型，请填写：大型、中型、小型、微型之一，或留空"),
    ([credit_code_for(5), "企业", "江宁区", None, None, None, None, "123"], "联系电话",
     "号码无效，请输入手机号码或带区号的固定电话（如025-8312 3456，分机写“转801”）"),
])
def test_each_bad_row_is_reported_in_chinese(database, row, column, message):
    make_batch(2026)
    preview = importing.read_import(workbook([good_row(1), row]), batch_year=2026)
    assert [(e.row, e.column, e.message) for e in preview.errors] == [(3, column, message)]


def test_duplicates_in_the_file_and_live_vouchers_are_refused(database):
    make_batch(2026)
    holder = make_voucher(S.ISSUED)
    with db.read_session() as s:
        held_code = s.get(Enterprise, holder["enterprise_id"]).credit_code
    rows = [good_row(1), good_row(1), [held_code, "已有券企业", "江宁区"] + [None] * 6]
    preview = importing.read_import(workbook(rows), batch_year=2026)
    assert [(e.row, e.message) for e in preview.errors] == [
        (3, "与第2行重复"), (4, f"该企业已持有本批次有效服务券{holder['number']}")]


@pytest.mark.parametrize("content,message", [
    (b"", "文件是空的"),
    (b"not an excel file at all", "文件不是Excel"),
    (b"csv", "文件不是Excel"),
])
def test_files_that_are_not_excel_are_refused(database, content, message):
    make_batch(2026)
    assert message in importing.read_import(content, batch_year=2026).file_error


def test_missing_and_extra_columns_are_said_and_too_many_rows_refused(database):
    make_batch(2026)
    required_only = importing.read_import(workbook([good_row(1)[:3]], header=HEADER[:3]), batch_year=2026)
    assert required_only.ok and required_only.notes == [
        "文件中没有这些列，留空，由企业激活时补全：企业规模、法定代表人、地址、联系人、联系电话、邮箱。"]
    no_region = importing.read_import(workbook([good_row(1)[:2]], header=HEADER[:2]), batch_year=2026)
    assert no_region.file_error == "工作表“Sheet”第1行的表头缺少必填列：所属区。请使用下载的模板填写。"
    extra = importing.read_import(workbook([good_row(1) + ["x"]], header=HEADER + ["备注"]), batch_year=2026)
    assert extra.ok and extra.notes == ["以下列不是模板的列，未导入：备注。"]
    only_header = importing.read_import(workbook([]), batch_year=2026)
    assert "只有表头" in only_header.file_error
    too_many = importing.read_import(workbook([good_row(i) for i in range(10_000)]), batch_year=2026)
    assert too_many.file_error == "文件共有约10000行，文件行数超过每次最多5000行的限制，请拆分后分批导入。"
    just_over = importing.read_import(workbook([good_row(i) for i in range(5001)]), batch_year=2026)
    assert "共有5001行企业数据，超过每次最多5000行的限制" in just_over.file_error
    assert count(Voucher) == 0


def test_a_5000_row_import_issues_every_voucher_with_a_login_and_one_history_row_each(database):
    make_batch(2026)
    preview = importing.read_import(workbook([good_row(i) for i in range(5000)]), batch_year=2026)
    assert preview.ok and len(preview.rows) == 5000
    seen = []
    results = issuing.issue_batch(actor=COMMISSION, preview=preview, batch_year=2026, now=NOW,
                                  progress=lambda done, total: seen.append(done))
    assert len(results) == 5000 and results["number"].iloc[0] == "2600001" and results["number"].iloc[-1] == "2605000"
    assert seen[-1] == 5000
    with db.read_session() as s:
        issues = s.scalar(select(func.count()).select_from(History).where(History.action == "issue"))
        logins = s.scalar(select(func.count()).select_from(User).where(User.role == "enterprise"))
    assert (count(Voucher), issues, logins) == (5000, 5000, 5000)
    first = results.iloc[0]
    account = auth.verify_login(first["username"], first["password"])
    assert account.must_change_password
    book = load_workbook(io.BytesIO(issuing.result_excel(results.head(3), 2026)))
    sheet = book.active
    assert [c.value for c in sheet[5]] == list(issuing.RESULT_COLUMNS.values())
    assert sheet["A6"].value == "2600001"


def test_issue_one_voucher_to_a_new_enterprise(database):
    make_batch(2026)
    data = {"credit_code": credit_code_for(424242), "name": "南京单发企业", "region": "玄武区"}
    result = issuing.issue_single(actor=COMMISSION, data=data, batch_year=2026, now=NOW)
    assert result["number"] == "2600001" and result["username"] == "qy2600001"
    with pytest.raises(DomainError, match="已持有本批次有效服务券2600001"):
        issuing.issue_single(actor=COMMISSION, data=data, batch_year=2026, now=NOW)
    with pytest.raises(PermissionDenied):
        issuing.issue_single(actor=provider_actor(make_provider()), data=data, batch_year=2026, now=NOW)


def test_batch_settings(database):
    issuing.save_batch(actor=COMMISSION, year="2027", face_value="8000", days_after_issue="20",
                       days_after_activation="40", now=NOW)
    row = issuing.batches().iloc[0]
    assert (row["year"], row["face_value"], row["days_after_issue"]) == (2027, Decimal("8000.00"), 20)
    with pytest.raises(ValidationError, match="面额（元）：应大于0"):
        issuing.save_batch(actor=COMMISSION, year="2027", face_value="0", days_after_issue="20",
                           days_after_activation="40")


def test_suspending_a_provider_hides_its_products_and_blocks_its_logins(database):
    pid, username, password = providers.create_provider(
        actor=COMMISSION, data={"name": "南京新服务商", "credit_code": credit_code_for(31, "320104"),
                                "phone": "025-84561234", "contact": "赵六"}, username="xinfws", now=NOW)
    assert auth.verify_login(username, password).must_change_password
    make_voucher(S.CONFIRMED, provider_id=pid)
    with pytest.raises(ValidationError, match="暂停原因：不能为空"):
        providers.set_status(actor=COMMISSION, provider_id=pid, suspended=True, reason="")
    providers.set_status(actor=COMMISSION, provider_id=pid, suspended=True, reason="弄虚作假", now=NOW)
    assert account(username) is None
    assert len(providers.live_vouchers(COMMISSION, pid)) == 1
    with pytest.raises(NotFound, match="服务商不存在"):
        providers.set_status(actor=COMMISSION, provider_id=999999, suspended=True, reason="x")
    with pytest.raises(ValidationError, match="统一社会信用代码：校验位不正确"):
        providers.create_provider(actor=COMMISSION, data={"name": "x", "credit_code": "913200001347633910",
                                                          "phone": "025-84561234", "contact": "y"})


def test_product_review_approves_or_rejects_with_a_reason(database):
    pid = make_provider()
    from lib import products
    actor = provider_actor(pid)
    product_id = products.create_product(actor=actor, data={"name": "新品", "category": "信息安全", "price": "9000",
                                                           "problems": "防护"}, now=NOW)
    products.update_product(actor=actor, product_id=product_id, data={"name": "新品", "category": "信息安全",
                                                                      "price": "9500", "problems": "防护"}, now=NOW)
    assert review.last_change(COMMISSION, product_id) == [("价格（元）", "9000.00", "9500.00")]
    with pytest.raises(ValidationError, match="审核意见：不通过时必填"):
        review.decide(actor=COMMISSION, product_id=product_id, approve=False)
    review.decide(actor=COMMISSION, product_id=product_id, approve=True, now=NOW)
    with db.read_session() as s:
        assert s.get(Product, product_id).status == "on_sale"
    with pytest.raises(ValidationError, match="不在待审核中"):
        review.decide(actor=COMMISSION, product_id=product_id, approve=True)
    review.set_on_sale(actor=COMMISSION, product_id=product_id, on_sale=False, reason="投诉较多", now=NOW)
    review.set_on_sale(actor=COMMISSION, product_id=product_id, on_sale=True, now=NOW)


def test_settling_several_is_all_or_nothing(database):
    good = make_voucher(S.EVALUATED)
    bad = make_voucher(S.EVALUATED, service_records=0)
    ready = settlement.awaiting_settlement(COMMISSION)
    assert dict(zip(ready["number"], ready["missing"], strict=True)) == {good["number"]: "",
                                                                         bad["number"]: "至少一条服务信息"}
    with pytest.raises(DomainError, match=f"服务券{bad['number']}：材料不齐.*本次未兑付任何服务券"):
        vouchers.settle_many(actor=COMMISSION, numbers=[good["number"], bad["number"]], amount=None, settled_on=TODAY,
                             now=NOW)
    with db.read_session() as s:
        assert s.scalar(select(Voucher.status).where(Voucher.number == good["number"])) == S.EVALUATED
    assert vouchers.settle_many(actor=COMMISSION, numbers=[good["number"]], amount=None, settled_on=TODAY,
                                now=NOW) == [good["number"]]
    with db.read_session() as s:
        assert s.scalar(select(Voucher.settled_amount).where(Voucher.number == good["number"])) == Decimal("10000.00")


def test_the_audit_log_filters_by_user_voucher_action_and_date(database):
    v = make_voucher(S.PENDING_CONFIRM)
    vouchers.confirm_purchase(actor=v["provider"], number=v["number"], now=NOW)
    vouchers.void(actor=COMMISSION, number=make_voucher(S.ISSUED)["number"], reason="不符合条件",
                  now=NOW - timedelta(days=3))
    result = search(COMMISSION, AuditFilters(number=v["number"]))
    rows, total = result.rows, result.total
    assert total == 1 and rows["action"].tolist() == ["确认购买"]
    assert search(COMMISSION, AuditFilters(action="void")).total == 1
    assert search(COMMISSION, AuditFilters(username="officer")).total == 1
    assert search(COMMISSION, AuditFilters(start=TODAY, end=TODAY)).total == 1
    assert search(COMMISSION, AuditFilters(start=TODAY - timedelta(days=3),
                               end=TODAY - timedelta(days=3))).rows["action"].tolist() == ["作废"]


def test_a_voucher_issued_between_check_and_issue_stops_the_whole_batch(database):
    make_batch(2026)
    preview = importing.read_import(workbook([good_row(1), good_row(2)]), batch_year=2026)
    assert preview.ok
    issuing.issue_single(actor=COMMISSION, data={"credit_code": credit_code_for(700002), "name": "抢先发放企业",
                                                 "region": "江宁区"}, batch_year=2026, now=NOW)
    with pytest.raises(DomainError, match="第3行：该企业已持有本批次有效服务券2600001，未发放任何服务券"):
        issuing.issue_batch(actor=COMMISSION, preview=preview, batch_year=2026, now=NOW)
    assert count(Voucher) == 1
