"""The commission console in headless Chromium: batch-issue from Excel (a bad row, fixed, then
issued), approve a product, approve a withdrawal, settle a voucher, find each in 操作日志."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from lib import auth, clock, issuing, products, queries, review, settlement, vouchers
from lib.issuing import COLUMNS
from lib.seed import credit_code_for
from tests.browser import ARTIFACTS, BROWSER_MARKS, menu, new_page, settle, shot
from tests.builders import COMMISSION, account

pytestmark = BROWSER_MARKS


@pytest.fixture
def app(streamlit_server, browser):
    """A fresh demo server and a browser logged in as admin, for each test."""
    url, _ = streamlit_server
    context, page = new_page(browser, url, username="admin", accept_downloads=True)
    yield url, page
    context.close()


def admin():
    return account("admin").actor()


def product_status(name: str) -> str:
    return review.products_in(COMMISSION, None).set_index("name").loc[name, "status"]


def excel(rows: list[list]) -> bytes:
    book = Workbook()
    book.active.append(list(COLUMNS))
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def body(page) -> str:
    return page.inner_text("[data-testid=stMain]")



def upload(page, name: str, content: bytes) -> None:
    path = ARTIFACTS / name
    path.write_bytes(content)
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(path))
    settle(page)


def test_batch_issue_from_excel_with_a_bad_row_then_fixed(app):
    _, page = app
    page.get_by_role("tab", name="批量发放").click()
    settle(page)
    rows = [[credit_code_for(880000 + i), f"南京批量企业{i}有限公司", "江宁区", "小型", "张三", "南京市某路", "李四",
             "13912345678", f"b{i}@example.com"] for i in range(3)]
    broken = [list(r) for r in rows]
    broken[1][2] = "上海市"
    upload(page, "batch_bad.xlsx", excel(broken))
    page.get_by_text("发现1处错误").wait_for()
    assert page.get_by_role("button", name="发放全部3张").count() == 0
    shot(page, "commission_01_batch_error")
    upload(page, "batch_good.xlsx", excel(rows))
    page.get_by_text("检查通过：共3家企业").wait_for()
    page.get_by_role("button", name="发放全部3张").click()
    settle(page)
    page.get_by_text("已发放3张服务券").wait_for()
    shot(page, "commission_02_batch_issued")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载发放结果").click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert [c.value for c in sheet[5]][:2] == ["服务券号", "统一社会信用代码"]
    number, username, password = sheet["A6"].value, sheet["E6"].value, sheet["F6"].value
    assert auth.verify_login(username, password).must_change_password
    assert queries.voucher_detail(account("admin").actor(), number).status == "issued"


def test_batch_issue_from_a_clerks_own_file_says_what_it_understood(app):
    """tests/fixtures/clerk_libreoffice.xlsx: a title row, 序号, a blank row, 江宁 and 小型企业, saved by
    LibreOffice."""
    from tests.test_clerk_files import FIXTURES
    _, page = app
    page.get_by_role("tab", name="批量发放").click()
    settle(page)
    upload(page, "clerk_libreoffice.xlsx", (FIXTURES / "clerk_libreoffice.xlsx").read_bytes())
    page.get_by_text("检查通过：共2家企业").wait_for()
    text = body(page)
    for said in ("企业名单读自工作表“发放名单”，表头在第2行。", "以下列不是模板的列，未导入：序号。",
                 "所属区“江宁”按“江宁区”读取（第3行）", "企业规模“小型企业”按“小型”读取（第3行）"):
        assert said in text
    shot(page, "commission_02b_batch_clerk_file")
    page.get_by_role("button", name="发放全部2张").click()
    settle(page)
    page.get_by_text("已发放2张服务券").wait_for()


def test_approve_a_product(app):
    _, page = app
    products.create_product(actor=account("langkun").actor(),
                           data={"name": "朗坤安全网关", "category": "信息安全", "price": "16000",
                                 "problems": "边界防护"})
    menu(page, "产品审核")
    page.get_by_role("tabpanel", name="待审核").get_by_text("朗坤安全网关").wait_for()
    page.get_by_role("button", name="审核通过").first.click()
    settle(page)
    page.get_by_test_id("stAlertContentSuccess").get_by_text("“朗坤安全网关”已上架。").wait_for()
    assert product_status("朗坤安全网关") == "on_sale"
    shot(page, "commission_03_product_approved")


def test_approve_a_withdrawal(app):
    _, page = app
    vouchers.request_withdrawal(actor=account("qy1700008").actor(), number="1700008", reason="想换服务商")
    menu(page, "撤回审核")
    page.get_by_text("撤回原因：想换服务商").wait_for()
    request = page.locator("[data-testid=stForm]").filter(has_text="服务券1700008")
    request.get_by_role("button", name="批准").click()
    settle(page)
    page.get_by_test_id("stAlertContentSuccess").get_by_text("已批准服务券1700008的撤回。").wait_for()
    stored = queries.voucher_detail(admin(), "1700008")
    assert (stored.status, stored.withdrawal_pending, stored.product) == ("activated", False, None)
    assert queries.open_withdrawals(COMMISSION).query("number == '1700008'").empty
    shot(page, "commission_04_withdrawal_approved")


def test_settle_a_voucher(app):
    _, page = app
    ready = settlement.awaiting_settlement(COMMISSION)
    number = ready.loc[ready["ready"], "number"].iloc[0]
    menu(page, "兑付管理")
    box = page.get_by_role("combobox", name="选择要兑付的服务券（仅材料齐全的可选）")
    box.click()
    box.fill(number)
    page.get_by_role("option", name=number, exact=True).click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="兑付", exact=True).click()
    settle(page)
    page.get_by_test_id("stAlertContentSuccess").get_by_text("已兑付1张服务券。").wait_for()
    stored = queries.voucher_detail(admin(), number)
    assert (stored.status, stored.settled_amount, stored.settled_on) == ("settled", stored.face_value,
                                                                         clock.local_date())
    shot(page, "commission_05_settled")


def arrange(action: str) -> int:
    """Do `action` as admin through lib; returns how many rows it writes to the log."""
    match action:
        case "发放":
            for i in range(3):
                issuing.issue_single(actor=admin(),
                                     data={"credit_code": credit_code_for(870000 + i), "name": f"南京日志企业{i}",
                                                          "region": "鼓楼区"}, batch_year=clock.local_date().year)
            return 3
        case "产品审核通过":
            product = products.create_product(actor=account("langkun").actor(),
                                             data={"name": "朗坤日志产品", "category": "信息安全", "price": "9000",
                                                   "problems": "防护"})
            review.decide(actor=admin(), product_id=product, approve=True)
        case "批准撤回":
            vouchers.request_withdrawal(actor=account("qy1700008").actor(), number="1700008",
                                        reason="想换服务商")
            vouchers.decide_withdrawal(actor=admin(), number="1700008", approve=True)
        case "兑付":
            ready = settlement.awaiting_settlement(COMMISSION)
            vouchers.settle(actor=admin(), number=ready.loc[ready["ready"], "number"].iloc[0], amount=None,
                            settled_on=clock.local_date())
    return 1


@pytest.mark.parametrize("action", ["发放", "产品审核通过", "批准撤回", "兑付"])
def test_each_action_is_in_the_audit_log(app, action):
    _, page = app
    count = arrange(action)
    menu(page, "操作日志")
    user = page.get_by_role("textbox", name="账户名", exact=True)
    user.fill("admin")
    user.press("Tab")
    settle(page)
    box = page.get_by_role("combobox", name="操作")
    box.click()
    box.fill(action)  # the option list is virtualised: filter it rather than scroll
    page.get_by_role("option", name=action, exact=True).click()
    settle(page)
    page.get_by_text(f"共{count}条", exact=False).first.wait_for()
    assert f"第1到第{count}条 共{count}条" in body(page)
    shot(page, f"commission_06_log_{action}")
