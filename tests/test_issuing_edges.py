"""批次设置 and single issuing at their edges: each bound of year, face value and deadlines with the exact
message, what is stored and logged, and that a refusal writes nothing."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lib import db, importing, issuing
from lib.errors import DomainError, PermissionDenied, ValidationError
from lib.labels import DEV_ZONES, DISTRICTS
from lib.models import Batch, Enterprise, History, User
from lib.seed import credit_code_for
from tests.builders import COMMISSION, NOW, history_count, make_provider, make_voucher
from tests.test_access_edges import user

GOOD = {"year": "2027", "face_value": "8000", "days_after_issue": "20", "days_after_activation": "40"}


def batch_2026() -> None:
    issuing.save_batch(actor=COMMISSION, year="2026", face_value="10000", days_after_issue="15",
                       days_after_activation="30", now=NOW)


def batch(year: int) -> Batch | None:
    with db.read_session() as s:
        return s.scalars(select(Batch).where(Batch.year == year)).one_or_none()


def last_history() -> History:
    with db.read_session() as s:
        return s.scalars(select(History).order_by(History.id.desc())).first()


def test_a_new_batch_is_stored_and_logged(database):
    issuing.save_batch(actor=COMMISSION, **GOOD, now=NOW)
    b = batch(2027)
    assert (b.face_value, b.expiry_days_after_issue, b.expiry_days_after_activation, b.next_serial) == (
        Decimal("8000.00"), 20, 40, 1)
    h = last_history()
    assert (h.username, h.action, h.at, h.voucher_id) == ("officer", "create_batch", NOW, None)
    assert h.changes == {"year": 2027, "face_value": "8000.00", "expiry_days_after_issue": 20,
                         "expiry_days_after_activation": 40}
    assert issuing.batches().values.tolist() == [[2027, Decimal("8000.00"), 20, 40, 1, 0]]


def test_changing_a_batch_keeps_its_numbering(database):
    issuing.save_batch(actor=COMMISSION, **GOOD, now=NOW)
    with db.transaction() as s:
        s.scalars(select(Batch).where(Batch.year == 2027)).one().next_serial = 8
    later = NOW + timedelta(days=1)
    issuing.save_batch(actor=COMMISSION, year="2027", face_value="10000", days_after_issue="15",
                       days_after_activation="30", now=later)
    b = batch(2027)
    assert (b.face_value, b.expiry_days_after_issue, b.expiry_days_after_activation, b.next_serial) == (
        Decimal("10000.00"), 15, 30, 8)
    h = last_history()
    assert (h.action, h.at, h.changes["face_value"]) == ("update_batch", later, "10000.00")
    assert issuing.batches()["issued"].tolist() == [7]
    issuing.save_batch(actor=COMMISSION, year="2026", face_value="10000", days_after_issue="15",
                       days_after_activation="30", now=later)
    assert issuing.batches()["year"].tolist() == [2027, 2026]  # newest year first
    assert batch(2026).next_serial == 1


@pytest.mark.parametrize("field,value", [("year", "2000"), ("year", "2099"), ("face_value", "0.01"),
                                         ("face_value", "1"), ("face_value", "1000000"), ("days_after_issue", "1"),
                                         ("days_after_issue", "365"), ("days_after_activation", "1"),
                                         ("days_after_activation", "365")])
def test_the_edges_that_are_allowed(database, field, value):
    issuing.save_batch(actor=COMMISSION, **{**GOOD, field: value}, now=NOW)
    assert len(issuing.batches()) == 1


@pytest.mark.parametrize("field,value,message", [
    ("year", "1999", "年度：应为2000到2099之间的年份"), ("year", "2100", "年度：不能超过2099"),
    ("year", "", "年度：不能为空"),
    ("face_value", "0", "面额（元）：应大于0"), ("face_value", "1000000.01", "面额（元）：不能超过1000000"),
    ("face_value", "", "面额（元）：不能为空"), ("face_value", "-1", "面额（元）：不能小于0"),
    ("days_after_issue", "0", "有效天数：至少1天"), ("days_after_issue", "366", "发放后有效天数：不能超过365"),
    ("days_after_issue", "", "发放后有效天数：不能为空"), ("days_after_activation", "0", "有效天数：至少1天"),
    ("days_after_activation", "366", "激活后有效天数：不能超过365"),
    ("days_after_activation", "", "激活后有效天数：不能为空"),
])
def test_each_bad_value_is_refused_with_its_message_and_nothing_saved(database, field, value, message):
    before = history_count()
    with pytest.raises(ValidationError) as err:
        issuing.save_batch(actor=COMMISSION, **{**GOOD, field: value}, now=NOW)
    assert err.value.message == message
    assert batch(2027) is None and history_count() == before


def test_only_the_commission_sets_batches_and_issues(database):
    v = make_voucher()
    for actor in (v["provider"], v["enterprise"]):
        with pytest.raises(PermissionDenied, match="^只有经信委可以设置批次$"):
            issuing.save_batch(actor=actor, **GOOD, now=NOW)
        with pytest.raises(PermissionDenied, match="^只有经信委可以发放服务券$"):
            issuing.issue_single(actor=actor, data={"credit_code": credit_code_for(1), "name": "x", "region": "玄武区"},
                                 batch_year=2026, now=NOW)
    assert batch(2027) is None


def test_issuing_to_a_new_enterprise_creates_it_with_a_login(database):
    batch_2026()
    data = {"credit_code": " 91320214745555318w ", "name": " 南京单发企业 ", "region": " 玄武区 ", "contact": "李四",
            "phone": "13912345678"}
    result = issuing.issue_single(actor=COMMISSION, data=data, batch_year=2026, now=NOW)
    assert (result["number"], result["credit_code"], result["name"], result["region"], result["username"]) == (
        "2600001", "91320214745555318W", "南京单发企业", "玄武区", "qy2600001")
    with db.read_session() as s:
        ent = s.scalars(select(Enterprise).where(Enterprise.credit_code == "91320214745555318W")).one()
        assert (ent.name, ent.region.name, ent.contact, ent.phone) == ("南京单发企业", "玄武区", "李四",
                                                                       "+8613912345678")
    login = user("qy2600001")
    assert (login.role, login.enterprise_id, login.must_change_password) == ("enterprise", ent.id, True)


def test_issuing_to_a_known_enterprise_reuses_it(database):
    batch_2026()
    v = make_voucher(status="voided", provider_id=make_provider())
    with db.read_session() as s:
        code = s.get(Enterprise, v["enterprise_id"]).credit_code
    result = issuing.issue_single(actor=COMMISSION,
                                  data={"credit_code": code, "name": "改过的名字", "region": "玄武区"},
                                  batch_year=2026, now=NOW)
    with db.read_session() as s:
        assert s.scalar(select(Enterprise.id).where(Enterprise.credit_code == code)) == v["enterprise_id"]
        assert s.scalar(select(User.enterprise_id).where(User.username == result["username"])) == v["enterprise_id"]
    with pytest.raises(DomainError, match=f"^该企业已持有本批次有效服务券{result['number']}$"):
        issuing.issue_single(actor=COMMISSION, data={"credit_code": code, "name": "x", "region": "玄武区"},
                             batch_year=2026, now=NOW)


@pytest.mark.parametrize("data,message", [
    ({"credit_code": credit_code_for(5), "name": "南京企业", "region": "上海市"},
     "所属区：“上海市”不是南京市的行政区或开发区"),
    ({"credit_code": credit_code_for(5), "name": "南京企业", "region": ""}, "所属区：不能为空"),
    ({"credit_code": credit_code_for(5), "name": "", "region": "玄武区"}, "企业名称：不能为空"),
    ({"credit_code": "91320214745555318X", "name": "南京企业", "region": "玄武区"},
     "统一社会信用代码：校验位不正确，请核对"),
])
def test_a_bad_single_issue_is_refused_and_nothing_written(database, data, message):
    batch_2026()
    before = history_count()
    with pytest.raises(DomainError) as err:
        issuing.issue_single(actor=COMMISSION, data=data, batch_year=2026, now=NOW)
    assert err.value.message == message
    assert history_count() == before and batch(2026).next_serial == 1


def test_the_template_explains_itself_and_its_example_row_is_valid(database):
    from io import BytesIO

    from openpyxl import Workbook, load_workbook
    book = load_workbook(BytesIO(issuing.template_excel()))
    sheet, notes, options = book.worksheets
    assert (sheet.title, notes.title, options.title, options.sheet_state) == ("企业名单", "填写说明", "选项", "hidden")
    assert [c.value for c in sheet[1]] == ["统一社会信用代码", "企业名称", "所属区", "企业规模", "法定代表人", "地址",
                                           "联系人", "联系电话", "邮箱"]
    assert [c.font.color.rgb[-6:] if c.font.color else None for c in sheet[1]][:4] == ["C00000"] * 3 + [None]
    assert all(c.font.bold for c in sheet[1]) and all(c.font.italic for c in sheet[2])  # the example is grey italic
    assert sheet.freeze_panes == "A2"
    lines = [r[0].value for r in notes.iter_rows()]
    assert lines[0] == "必填列（表头为红色）：统一社会信用代码、企业名称、所属区；其余列可留空，由企业激活时补全。"
    assert any("“小微”无法确定" in line for line in lines) and "请删除示例行后再上传" in lines[-1]
    # the example row, with another enterprise's code and name, passes every check: it shows a row that works
    example = Workbook()
    example.active.append([c.value for c in sheet[1]])
    example.active.append([credit_code_for(31), "南京真实科技有限公司"] + [c.value for c in sheet[2]][2:])
    out = BytesIO()
    example.save(out)
    issuing.save_batch(actor=COMMISSION, **GOOD, now=NOW)
    preview = importing.read_import(out.getvalue(), batch_year=2027)
    assert preview.ok and preview.rows[0]["region"] == "江宁区" and preview.rows[0]["size"] == "小型"
    assert (preview.rows[0]["phone"], preview.rows[0]["email"]) == ("+8613912345678", "contact@example.com")


def test_the_template_lists_regions_and_sizes_in_the_cells_and_keeps_codes_as_text(database):
    from io import BytesIO

    from openpyxl import load_workbook
    book = load_workbook(BytesIO(issuing.template_excel()))
    sheet, options = book["企业名单"], book["选项"]
    rules = {str(rule.sqref): rule for rule in sheet.data_validations.dataValidation}
    assert set(rules) == {"C2:C5001", "D2:D5001"}
    assert rules["C2:C5001"].type == "list" and rules["C2:C5001"].formula1 == "选项!$A$1:$A$16"
    assert [r[0].value for r in options.iter_rows()] == DISTRICTS + DEV_ZONES
    assert rules["D2:D5001"].formula1 == '"大型,中型,小型,微型"'
    assert rules["C2:C5001"].showErrorMessage and rules["C2:C5001"].error.startswith("请从下拉列表中选择")
    for column in ("A", "H"):  # 统一社会信用代码 and 联系电话: typed digits stay text
        assert sheet.column_dimensions[column].number_format == "@"
        assert {sheet[f"{column}{row}"].number_format for row in (2, 3, 5001)} == {"@"}
    assert sheet["B3"].number_format == "General"


def test_batches_newest_year_first_with_every_column(database):
    for year in ("2025", "2027", "2026"):
        issuing.save_batch(actor=COMMISSION, **{**GOOD, "year": year}, now=NOW)
    frame = issuing.batches()
    assert list(frame.columns) == ["year", "face_value", "days_after_issue", "days_after_activation", "next_serial",
                                   "issued"]
    assert frame["year"].tolist() == [2027, 2026, 2025]
    assert frame.iloc[0].tolist() == [2027, Decimal("8000.00"), 20, 40, 1, 0]


def test_the_import_errors_download_as_an_excel_list_by_row(database):
    import io

    import pandas as pd
    from openpyxl import load_workbook
    preview = importing.ImportPreview(errors=[importing.RowError(4, "企业名称", "不能为空"),
                                              importing.RowError(9, "所属区", "“=1+1”不是南京市的行政区或开发区")])
    content = preview.errors_excel("江宁区名单.xlsx")
    frame = pd.read_excel(io.BytesIO(content), header=4)
    assert frame.values.tolist() == [[4, "企业名称", "不能为空"], [9, "所属区", "“=1+1”不是南京市的行政区或开发区"]]
    sheet = load_workbook(io.BytesIO(content)).active
    assert (sheet["A1"].value, sheet["A2"].value) == ("批量发放文件的错误", "筛选条件：文件：江宁区名单.xlsx")


def test_a_batch_reuses_known_enterprises_and_their_logins(database):
    from tests.test_issuing import good_row, workbook
    batch_2026()
    old = make_voucher(status="voided", provider_id=make_provider())
    from lib import auth
    from lib.models import Enterprise as E
    with db.read_session() as s:
        known_code = s.get(E, old["enterprise_id"]).credit_code
    auth.create_user(actor=COMMISSION, username="qy_old", display_name="老企业", role="enterprise",
                     enterprise_id=old["enterprise_id"], now=NOW)
    rows = [good_row(1), [known_code, "老企业新名字", "玄武区"] + [None] * 6, good_row(3, region="江北新区")]
    preview = importing.read_import(workbook(rows), batch_year=2026)
    assert preview.ok and [r["row"] for r in preview.rows] == [2, 3, 4]
    seen = []
    results = issuing.issue_batch(actor=COMMISSION, preview=preview, batch_year=2026, now=NOW,
                                  progress=lambda done, total: seen.append((done, total)))
    assert seen == [(3, 3)]
    assert list(results.columns) == ["number", "credit_code", "name", "region", "username", "password"]
    assert results[["number", "region", "username"]].values.tolist() == [
        ["2600001", "江宁区", "qy2600001"], ["2600002", "玄武区", "qy_old"], ["2600003", "江北新区", "qy2600003"]]
    assert results["password"][1] == "（已有账户）" and len(results["password"][0]) == 12
    assert results["name"][1] != "老企业新名字"  # a known enterprise keeps its record; the file does not rename it
    with db.read_session() as s:
        new = s.scalars(select(E).where(E.credit_code == results["credit_code"][0])).one()
        assert (new.name, new.region.name, new.size, new.legal_rep, new.address, new.contact, new.phone, new.email,
                new.created_at) == ("南京导入企业1有限公司", "江宁区", "小型", "张三", "南京市某路1号", "李四",
                                    "+8613912345678",
                                    "e1@example.com", NOW)
    assert auth.verify_login("qy2600001", results["password"][0], now=NOW).must_change_password


@pytest.mark.parametrize("rows,reports", [(250, [(100, 250), (200, 250), (250, 250)]), (100, [(100, 100)])])
def test_progress_is_reported_every_100_rows_and_at_the_end(database, rows, reports):
    from tests.test_issuing import good_row, workbook
    batch_2026()
    preview = importing.read_import(workbook([good_row(i) for i in range(rows)]), batch_year=2026)
    seen = []
    issuing.issue_batch(actor=COMMISSION, preview=preview, batch_year=2026, now=NOW,
                        progress=lambda done, total: seen.append((done, total)))
    assert seen == reports


def test_a_batch_with_errors_or_by_another_role_issues_nothing(database):
    from tests.test_issuing import good_row, workbook
    batch_2026()
    bad = importing.read_import(workbook([good_row(1), good_row(1)]), batch_year=2026)
    with pytest.raises(DomainError) as err:
        issuing.issue_batch(actor=COMMISSION, preview=bad, batch_year=2026, now=NOW)
    assert err.value.message == "文件中有错误，未发放任何服务券。请按提示修改后重新上传。"
    good = importing.read_import(workbook([good_row(1)]), batch_year=2026)
    v = make_voucher()
    with pytest.raises(PermissionDenied) as err:
        issuing.issue_batch(actor=v["provider"], preview=good, batch_year=2026, now=NOW)
    assert err.value.message == "只有经信委可以批量发放服务券"
    assert batch(2026).next_serial == 1


@pytest.mark.parametrize("content,message", [
    (b"", "文件是空的，请选择填写好的Excel文件。"),
    (b"PK\x03\x04 not really a zip", "无法读取：文件不是Excel（.xlsx）文件或已损坏，请使用下载的模板填写。"),
])
def test_unreadable_files_are_refused_with_their_message(database, content, message):
    assert importing.read_import(content, batch_year=2026).file_error == message


def test_file_level_messages_in_full(database):
    from tests.test_issuing import HEADER, good_row, workbook
    batch_2026()
    blank = importing.read_import(workbook([], header=[]), batch_year=2026)
    assert blank.file_error == ("没有找到表头：各工作表的前20行中，没有一行含有“统一社会信用代码”“企业名称”“所属区”"
                                "这些列名。请使用下载的模板填写。")
    header_only = importing.read_import(workbook([]), batch_year=2026)
    assert header_only.file_error == "文件中没有企业数据（只有表头）。"
    odd = importing.read_import(workbook([good_row(1)[:8] + ["x", "12345"]], header=HEADER[:8] + ["", "QQ"]),
                                batch_year=2026)
    assert odd.ok and odd.notes == ["以下列不是模板的列，未导入：QQ。",
                                    "文件中没有这些列，留空，由企业激活时补全：邮箱。",
                                    "第I列没有列名，其中的内容未导入。"]
    padded = importing.read_import(workbook([good_row(1) + [None, None]], header=HEADER + [None, ""]), batch_year=2026)
    assert padded.file_error is None and padded.ok and padded.notes == []
    gaps = importing.read_import(workbook([good_row(1), [None] * 9, ["", None, ""] + [None] * 6, good_row(2)]),
                                 batch_year=2026)
    assert gaps.ok and [(r["row"], r["name"]) for r in gaps.rows] == [(2, "南京导入企业1有限公司"),
                                                                      (5, "南京导入企业2有限公司")]  # Excel rows


def test_a_single_issue_is_stamped_with_the_time_given(database):
    from tests.builders import voucher_row
    batch_2026()
    result = issuing.issue_single(actor=COMMISSION, data={"credit_code": credit_code_for(77), "name": "南京单发",
                                                          "region": "玄武区"}, batch_year=2026, now=NOW)
    row = voucher_row(result["number"])
    assert (row.issued_at, row.expires_at) == (NOW, NOW + timedelta(days=15))


def test_the_result_file_says_the_password_is_shown_once(database):
    from io import BytesIO

    import pandas as pd
    from openpyxl import load_workbook
    results = pd.DataFrame([{"number": "2600001", "credit_code": credit_code_for(1), "name": "南京企业",
                             "region": "玄武区",
                             "username": "qy2600001", "password": "Abc123def456"}])
    sheet = load_workbook(BytesIO(issuing.result_excel(results, 2026))).active
    assert sheet["A1"].value == "2026年度服务券发放结果"
    assert sheet["A2"].value == "筛选条件：说明：一次性密码仅显示一次，请妥善转交企业；企业首次登录须修改密码"
    assert [c.value for c in sheet[6]] == ["2600001", credit_code_for(1), "南京企业", "玄武区", "qy2600001",
                                           "Abc123def456"]


def test_a_live_voucher_of_another_year_does_not_stop_an_import(database):
    from tests.test_issuing import workbook
    issuing.save_batch(actor=COMMISSION, **{**GOOD, "year": "2025"}, now=NOW)
    issuing.save_batch(actor=COMMISSION, **{**GOOD, "year": "2026"}, now=NOW)
    code = credit_code_for(4242)
    issuing.issue_single(actor=COMMISSION, data={"credit_code": code, "name": "南京去年企业", "region": "玄武区"},
                         batch_year=2025, now=NOW)
    preview = importing.read_import(workbook([[code, "南京去年企业", "玄武区"] + [None] * 6]), batch_year=2026)
    assert preview.ok and preview.errors == []
    again = importing.read_import(workbook([[code, "南京去年企业", "玄武区"] + [None] * 6]), batch_year=2025)
    assert [(e.row, e.message) for e in again.errors] == [(2, "该企业已持有本批次有效服务券2500001")]


def test_every_bad_row_is_reported_with_its_column(database):
    from tests.test_issuing import good_row, workbook
    batch_2026()
    holder = issuing.issue_single(actor=COMMISSION, data={"credit_code": credit_code_for(9001), "name": "已有券",
                                                          "region": "玄武区"}, batch_year=2026, now=NOW)
    rows = [[credit_code_for(9001), "已有券", "玄武区"] + [None] * 6, good_row(1),
            ["", "缺代码", "江宁区"] + [None] * 6, good_row(1), good_row(2, region="上海市")]
    preview = importing.read_import(workbook(rows), batch_year=2026)
    assert [(e.row, e.column, e.message) for e in preview.errors] == [
        (2, "统一社会信用代码", f"该企业已持有本批次有效服务券{holder['number']}"),
        (4, "统一社会信用代码", "不能为空"),
        (5, "统一社会信用代码", "与第3行重复"),
        (6, "所属区", "“上海市”不是南京市的行政区或开发区，请填写：" + "、".join(DISTRICTS + DEV_ZONES)),
    ]
