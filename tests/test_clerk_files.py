"""批量发放 files the way an office makes them (openpyxl writing what a clerk's Excel writes, and a file that
LibreOffice saved): found, understood, or refused with the change that fixes them, by Excel row."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.styles import Alignment

from lib import importing, issuing
from lib.labels import DEV_ZONES, DISTRICTS
from lib.seed import credit_code_for
from tests.builders import COMMISSION, NOW, make_batch

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = list(issuing.COLUMNS)


def row(n: int, region: str = "江宁区", size: object = "小型", phone: object = "13912345678") -> list:
    return [credit_code_for(800000 + n), f"南京办公室企业{n}有限公司", region, size, "张三", "南京市某路1号", "李四",
            phone, f"e{n}@example.com"]


def save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_with(lines: list[list], title: str = "Sheet1") -> Workbook:
    book = Workbook()
    book.active.title = title
    for line in lines:
        book.active.append(line)
    return book


def check(content: bytes) -> importing.ImportPreview:
    return importing.read_import(content, batch_year=2026)


def problems(preview: importing.ImportPreview) -> list[tuple]:
    return [(e.row, e.column, e.message) for e in preview.errors]


def test_a_merged_title_and_an_instructions_sheet_before_the_data_are_passed_over(database):
    make_batch(2026)
    book = Workbook()
    notes = book.active
    notes.title = "填写说明"
    notes.append(["1. 统一社会信用代码必须为18位"])
    notes.append(["2. 企业名称与营业执照一致"])
    data = book.create_sheet("2026年第一批")
    data.append(["2026年度南京市中小企业信息化服务券发放名单"])
    data.merge_cells("A1:I1")
    data.append(["填报单位：江宁区工信局", None, None, None, None, None, "填报日期：2026年11月"])
    data.append(HEADER)
    data.append(row(1))
    data.append(row(2))
    preview = check(save(book))
    assert preview.ok, (preview.file_error, problems(preview))
    assert [r["row"] for r in preview.rows] == [4, 5]
    assert preview.notes == ["企业名单读自工作表“2026年第一批”，表头在第3行。"]
    vouchers = issuing.issue_batch(actor=COMMISSION, preview=preview, batch_year=2026, now=NOW)
    assert vouchers["name"].tolist() == ["南京办公室企业1有限公司", "南京办公室企业2有限公司"]


def test_errors_name_the_excel_row_past_blank_rows_and_the_title(database):
    make_batch(2026)
    bad = credit_code_for(9)[:17] + ("0" if credit_code_for(9)[17] != "0" else "1")
    book = sheet_with([["服务券发放名单"], HEADER, row(1), [], [], [bad, "坏企业", "江宁区"]])
    assert problems(check(save(book))) == [(6, "统一社会信用代码", "校验位不正确，请核对")]


def test_serial_numbers_notes_starred_and_wrapped_headers_are_understood_and_said(database):
    make_batch(2026)
    header = ["序号", "统一社会信用代码*", "企业名称\n（全称）", "所属区域", "企业规模（大型/中型/小型/微型）",
              "法人代表", "注册地址", "联系人", "联系电话", "电子邮箱", "备注"]
    book = sheet_with([header, [1, *row(1), "首批"], [2, *row(2), None]])
    book.active["C1"].alignment = Alignment(wrap_text=True)
    preview = check(save(book))
    assert preview.ok and [r["name"] for r in preview.rows] == ["南京办公室企业1有限公司", "南京办公室企业2有限公司"]
    assert preview.notes == [
        "按模板的列读取：“统一社会信用代码*”按“统一社会信用代码”读取、“企业名称（全称）”按“企业名称”读取、"
        "“所属区域”按“所属区”读取、“企业规模（大型/中型/小型/微型）”按“企业规模”读取、“法人代表”按“法定代表人”读取、"
        "“注册地址”按“地址”读取、“电子邮箱”按“邮箱”读取。",
        "以下列不是模板的列，未导入：序号、备注。",
    ]


def test_a_credit_code_excel_turned_into_a_number_is_explained(database):
    make_batch(2026)
    book = sheet_with([HEADER, row(1)])
    book.active["A2"] = 913205056082348768  # all digits, typed into a General cell: Excel keeps 15 of them
    assert problems(check(save(book))) == [
        (2, "统一社会信用代码",
         "Excel把“9.13205056082349e+17”存成了数字，末尾的数字已经丢失：请将该列设置为文本格式后重新填写")]


def test_a_landline_that_lost_its_leading_zero_is_read_and_said_and_a_mobile_stored_as_a_number_is_kept(database):
    make_batch(2026)
    book = sheet_with([HEADER, row(1, phone=2583123456), row(2, phone=13912345678), row(3, phone="51287654321"),
                       row(4, phone=4008001234), row(5, phone=1234567890), row(6, phone=1.5e308),
                       row(7, phone=25831234.5)])
    preview = check(save(book))
    assert [(r, c) for r, c, _ in problems(preview)] == [(6, "联系电话"), (7, "联系电话"), (8, "联系电话")]
    assert problems(preview)[0][2] == "号码无效，请输入手机号码或带区号的固定电话（如025-8312 3456，分机写“转801”）"
    assert [r["phone"] for r in preview.rows] == ["+862583123456", "+8613912345678", "+8651287654321", "+864008001234"]
    assert preview.notes == [
        "联系电话“2583123456”开头的0被Excel去掉了（请把该列设置为文本格式），按“025 8312 3456”读取（第2行）",
        "联系电话“51287654321”开头的0被Excel去掉了（请把该列设置为文本格式），按“0512 8765 4321”读取（第4行）"]


@pytest.mark.parametrize("written,region", [
    ("南京市江宁区", "江宁区"), ("江宁", "江宁区"), ("江苏省南京市玄武区", "玄武区"), (" 雨花台 ", "雨花台区"),
    ("江北", "江北新区"), ("高新区", "南京高新技术产业开发区"), ("江宁开发区", "江宁经济技术开发区"),
    ("南京经济技术开发区", "南京经济技术开发区"), ("栖霞区", "栖霞区"),
])
def test_regions_as_people_write_them_are_mapped_and_said(database, written, region):
    make_batch(2026)
    preview = check(save(sheet_with([HEADER, row(1, region=written)])))
    assert preview.ok and preview.rows[0]["region"] == region
    assert preview.notes == ([] if written == region else [f"所属区“{written.strip()}”按“{region}”读取（第2行）"])


@pytest.mark.parametrize("name", DISTRICTS + DEV_ZONES)
def test_every_region_maps_to_itself_and_from_its_city_prefixed_name(name):
    names = DISTRICTS + DEV_ZONES
    assert importing.match_region(name, names) == name
    assert importing.match_region("南京市" + name.removeprefix("南京"), names) == name


@pytest.mark.parametrize("written", ["江", "南京", "南京市", "上海市浦东新区", "开发区", ""])
def test_what_fits_no_region_or_several_is_not_guessed(written):
    assert importing.match_region(written, DISTRICTS + DEV_ZONES) is None


@pytest.mark.parametrize("written,size", [("小型企业", "小型"), ("微型", "微型"), ("中", "中型"), ("大型企业", "大型"),
                                          ("小型 ", "小型"), ("小微", None), ("中小微", None), ("中小", None)])
def test_sizes_as_people_write_them(written, size):
    assert importing.match_size(written) == size


def test_many_rows_with_one_spelling_are_said_once(database):
    make_batch(2026)
    preview = check(save(sheet_with([HEADER] + [row(n, region="江宁", size="小型企业") for n in range(7)])))
    assert preview.ok and {r["region"] for r in preview.rows} == {"江宁区"}
    assert preview.notes == ["所属区“江宁”按“江宁区”读取（第2、3、4、5、6行等7行）",
                             "企业规模“小型企业”按“小型”读取（第2、3、4、5、6行等7行）"]


def test_the_templates_example_row_left_in_is_refused(database):
    make_batch(2026)
    template = issuing.template_excel()
    preview = check(template)
    assert problems(preview) == [(2, "企业名称", "这是模板中的示例行：请删除示例行后重新上传")]
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(template))
    sheet = book["企业名单"]
    for column, value in enumerate(row(1), start=1):
        sheet.cell(3, column, value)
    assert problems(check(save(book))) == [(2, "企业名称", "这是模板中的示例行：请删除示例行后重新上传")]
    for column in range(1, 10):  # the clerk clears the example's cells
        sheet.cell(2, column).value = None
    filled = check(save(book))
    assert filled.ok and [r["row"] for r in filled.rows] == [3]


def test_an_old_xls_file_is_asked_to_be_saved_as_xlsx(database):
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    assert check(ole2).file_error == (
        "这是旧版Excel（.xls）文件：请在Excel或WPS中“另存为”Excel工作簿（.xlsx）后重新上传。")


def test_a_header_without_a_required_column_names_the_sheet_row_and_column(database):
    make_batch(2026)
    book = sheet_with([["名单"], ["统一社会信用代码", "企业名称", "联系电话"], row(1)[:2] + ["13912345678"]], "名单")
    assert check(save(book)).file_error == "工作表“名单”第2行的表头缺少必填列：所属区。请使用下载的模板填写。"


def test_a_file_libreoffice_saved_is_read_like_excels(database):
    """tests/fixtures/clerk_libreoffice.xlsx: a clerk's file (title row, 序号, a blank row, 江宁, 小型企业, a
    number-typed mobile) opened and saved again by LibreOffice Calc 7.4 (`soffice --convert-to xlsx`)."""
    make_batch(2026)
    preview = check((FIXTURES / "clerk_libreoffice.xlsx").read_bytes())
    assert preview.ok, (preview.file_error, problems(preview))
    assert [(r["row"], r["region"], r["size"], r["phone"]) for r in preview.rows] == [
        (3, "江宁区", "小型", "+8613912345678"), (5, "玄武区", None, "+862583123456")]
    assert "以下列不是模板的列，未导入：序号。" in preview.notes


def test_the_template_filled_in_and_saved_by_libreoffice_keeps_its_lists_and_text_columns(database):
    """tests/fixtures/template_libreoffice.xlsx: our template with the example row overwritten by two
    enterprises, saved again by LibreOffice Calc 7.4."""
    from openpyxl import load_workbook
    make_batch(2026)
    content = (FIXTURES / "template_libreoffice.xlsx").read_bytes()
    preview = check(content)
    assert preview.ok and preview.notes == []
    assert [(r["row"], r["region"], r["size"], r["phone"]) for r in preview.rows] == [
        (2, "江宁区", "小型", "+862583123456"), (3, "江北新区", "微型", "+8613912345678")]
    sheet = load_workbook(io.BytesIO(content))["企业名单"]
    assert {str(rule.sqref).split(":")[0]: rule.formula1 for rule in sheet.data_validations.dataValidation} == {
        "C2": "选项!$A$1:$A$16", "D2": '"大型,中型,小型,微型"'}
    assert (sheet.column_dimensions["A"].number_format, sheet.column_dimensions["H"].number_format) == ("@", "@")


# GB 11714-1997 附录B (D2143569 → X) and the organization codes inside GB 32100-2015 附录B's example
# (91350100M000100Y43) and in codes published by other implementations of the standard.
ORG_CODES = ["D2143569X", "M000100Y4", "743719761", "L18322123", "768225469", "MA1FL0LY9", "600037341"]


@pytest.mark.parametrize("org", ORG_CODES)
def test_gb_11714_check_characters_of_published_codes(org):
    from lib import validation
    assert validation.org_code_check_char(org[:8]) == org[8]
    wrong = org[:8] + ("0" if org[8] != "0" else "1")
    assert validation.org_code_check_char(wrong[:8]) != wrong[8]


def test_a_credit_code_failing_gb_11714_is_a_warning_never_a_refusal(database):
    from lib import validation
    make_batch(2026)
    assert validation.credit_code_warning("91350100M000100Y43") is None  # GB 32100-2015 附录B
    assert validation.credit_code_warning("91110000600037341L") is None
    body = "91320100" + "12345678" + "0"  # 12345678's GB 11714 check character is 8, not 0
    failing = body + validation.credit_check_char(body)
    assert validation.credit_code(failing) == failing  # a valid credit code all the same
    assert validation.credit_code_warning(failing).startswith("第9至17位（组织机构代码）未通过GB 11714校验")
    content = save(sheet_with([HEADER, row(1), [failing, "南京老企业有限公司", "鼓楼区"]]))
    preview = check(content)
    assert preview.ok and [r["credit_code"] for r in preview.rows] == [credit_code_for(800001), failing]
    assert preview.notes == ["第3行的统一社会信用代码第9至17位（组织机构代码）未通过GB 11714校验。"
                             "2015年以前赋码的部分企业确实如此，不影响发放；请与营业执照核对。"]


def test_a_sheet_damaged_inside_a_sound_zip_is_refused_in_chinese(database):
    """The zip opens and the workbook loads; the sheet's XML breaks only when its rows are read."""
    import zipfile
    make_batch(2026)
    sound = save(sheet_with([HEADER, row(1)]))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(sound)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
    assert check(out.getvalue()).file_error == importing.DAMAGED
