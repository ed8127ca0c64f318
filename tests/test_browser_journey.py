"""A voucher's whole life in headless Chromium across two roles: the enterprise activates and
chooses, the provider confirms, signs, serves and delivers, the enterprise evaluates and prints."""
from __future__ import annotations

import pytest

from lib import clock, enterprises, products, queries, vouchers
from lib.labels import CRITERIA
from tests.browser import BROWSER_MARKS, choose, login, menu, new_page, pick_date, settle, shot
from tests.builders import account

pytestmark = BROWSER_MARKS
YY = clock.utcnow().year % 100
ENTERPRISE = f"qy{YY:02d}00001"
NUMBER = f"{YY:02d}00001"
PRODUCT = "“由你飞”运营管控平台-企业版"


@pytest.fixture
def app(streamlit_server, browser):
    """A fresh demo server and browser for each step; the steps before it are done through lib."""
    url, _ = streamlit_server
    context, page = new_page(browser, url, accept_downloads=True)
    yield url, page
    context.close()


def actor(username: str):
    return account(username).actor()


def enterprise_activates_and_chooses() -> None:
    ent = actor(ENTERPRISE)
    profile = enterprises.enterprise_profile(ent)
    profile.update(size="小型", legal_rep="王伟", address="南京市栖霞区仙林大道1号", contact="李娜",
                   phone="13912345678",
                   email="li@example.com", founded_on="2015-06-01", employees="45", output_prev="800",
                   output_plan="900", revenue_prev="760", revenue_plan="850", profit_prev="60", profit_plan="70")
    vouchers.activate(actor=ent, number=NUMBER, profile=profile)
    offered = products.offered_products(search="由你飞").rows
    vouchers.choose_product(actor=ent, number=NUMBER, product_id=int(offered["id"].iloc[0]))


def provider_serves_and_delivers() -> None:
    provider, today = actor("langkun"), clock.local_date()
    vouchers.confirm_purchase(actor=provider, number=NUMBER)
    vouchers.sign_contract(actor=provider, number=NUMBER, contract_date=today)
    engineer = next(i for i, name in queries.engineer_options(provider).items() if name.startswith("李娜"))
    vouchers.add_service_record(actor=provider, number=NUMBER, engineer_id=engineer, service_date=today,
                                description="上门安装部署并培训")
    vouchers.record_delivery(actor=provider, number=NUMBER, delivered_on=today, content="系统上线，交付使用手册")


def enterprise_evaluates() -> None:
    scores = {field: score for (field, _l, _m), score in zip(CRITERIA, [9, 9, 10, 14, 14, 13, 9, 14], strict=True)}
    vouchers.evaluate(actor=actor(ENTERPRISE), number=NUMBER, scores=scores, solved=True, improvements=["提高生产效率"],
                      next_focus=["电子商务"])


def text_of(page) -> str:
    return page.inner_text("[data-testid=stMain]")


def type_in(page, label: str, value: str) -> None:
    box = page.get_by_role("textbox", name=label, exact=True)
    box.fill(value)
    box.press("Tab")
    settle(page)




def logout(page) -> None:
    menu(page, "退出")
    page.get_by_text("您已安全退出").wait_for()
    page.get_by_role("link", name="重新登录").click()  # a fresh page load, a fresh session
    settle(page)
    page.get_by_role("button", name="登录").wait_for()


def open_voucher(url, page) -> None:
    page.goto(f"{url}/?voucher={NUMBER}")
    settle(page)
    page.get_by_text(f"服务券号：{NUMBER}").wait_for()


def test_1_enterprise_activates_and_chooses_a_product(app):
    url, page = app
    login(page, ENTERPRISE)
    page.get_by_text("请在15天内完善企业信息并激活").wait_for()
    menu(page, "企业信息")
    year = 2000 + YY
    for label, value in [("法定代表人", "王伟"), ("地址", "南京市栖霞区仙林大道1号"), ("联系人", "李娜"),
                         ("联系电话", "13912345678"), ("邮箱", "li@example.com"), (f"{year - 1}年总产值", "800"),
                         (f"{year}年预计总产值", "900"), (f"{year - 1}年营业收入", "760"),
                         (f"{year}年预计营业收入", "850"),
                         (f"{year - 1}年利润", "60"), (f"{year}年预计利润", "70"), ("从业人数", "45")]:
        type_in(page, label, value)
    pick_date(page, "成立日期", clock.local_date().replace(year=2015, month=6, day=1))
    page.get_by_text("测算为：小型企业").wait_for()
    shot(page, "journey_01_profile")
    page.get_by_role("button", name=f"提交并激活服务券{NUMBER}").click()
    settle(page)
    page.get_by_test_id("stAlertContentSuccess").get_by_text(f"服务券{NUMBER}已激活").wait_for()
    menu(page, "选择服务商/产品")
    type_in(page, "搜索产品或服务商名称", "由你飞")
    page.get_by_role("button", name="选择", exact=True).click()
    settle(page)
    shot(page, "journey_02_choose")
    page.get_by_role("button", name="确认选择").click()
    settle(page)
    page.get_by_test_id("stAlertContentSuccess").get_by_text("请等待服务商确认").wait_for()
    menu(page, "我的服务券")
    assert "等待服务商确认" in text_of(page) and PRODUCT in text_of(page)
    logout(page)


def test_2_provider_confirms_signs_serves_and_delivers(app):
    url, page = app
    enterprise_activates_and_chooses()
    today = clock.local_date()
    login(page, "langkun")
    open_voucher(url, page)
    assert "已购买产品，待购买确认" in text_of(page)
    page.get_by_role("button", name="确认购买").click()
    settle(page)
    page.get_by_test_id("stAlertContentSuccess").get_by_text("已确认购买。").wait_for()
    pick_date(page, "合同签订日期", today)
    page.get_by_role("button", name="合同签订").click()
    settle(page)
    page.get_by_role("button", name="添加服务信息").click()
    settle(page)
    choose(page, "服务工程师", "李娜（售后工程师）")
    pick_date(page, "日期", today)
    page.get_by_role("textbox", name="服务描述").fill("上门安装部署并培训")
    page.get_by_role("button", name="确定").click()
    settle(page)
    page.get_by_text(f"李娜 在 {today.isoformat()} 提供了服务").wait_for()
    page.get_by_role("button", name="编辑交付记录").click()
    settle(page)
    pick_date(page, "交付日期", today)
    page.get_by_role("textbox", name="交付内容").fill("系统上线，交付使用手册")
    page.get_by_role("button", name="确定").click()
    settle(page)
    page.get_by_test_id("stAlertContentSuccess").get_by_text("交付记录已保存。").wait_for()
    assert "服务券状态：已交付" in text_of(page)
    shot(page, "journey_03_delivered")
    logout(page)


def test_3_enterprise_evaluates_and_prints(app):
    url, page = app
    enterprise_activates_and_chooses()
    provider_serves_and_delivers()
    login(page, ENTERPRISE)
    menu(page, "服务评价")
    for (_field, label, maximum), score in zip(CRITERIA, [9, 9, 10, 14, 14, 13, 9, 14], strict=True):
        box = page.get_by_role("spinbutton", name=f"{label}（满分{maximum}分）", exact=True)
        box.fill(str(score))
        box.press("Tab")
        settle(page)
    body = text_of(page)
    assert "92 / 100" in body and "优秀" in body
    page.get_by_text("已解决", exact=True).click()
    settle(page)
    choose(page, "实施信息化后对企业有哪些改善（必选，可多选）", "提高生产效率")
    page.keyboard.press("Escape")
    choose(page, "企业下一步信息化建设的重点（必选，可多选）", "电子商务")
    page.keyboard.press("Escape")
    shot(page, "journey_04_evaluation_form")
    page.get_by_role("button", name="提交评价").click()
    settle(page)
    page.get_by_test_id("stAlertContentSuccess").get_by_text("评价已提交：总分92（优秀）").wait_for()
    open_voucher(url, page)
    body = text_of(page)
    assert "评价信息" in body and "总分：92（优秀）" in body.replace("**", "")
    assert page.get_by_role("button", name="修改").count() == 0
    with page.expect_download() as download:
        page.get_by_role("button", name="打印服务券（PDF）").click()
    pdf = download.value
    assert pdf.suggested_filename == f"服务券{NUMBER}.pdf"
    assert open(pdf.path(), "rb").read(4) == b"%PDF"
    shot(page, "journey_05_evaluated")
    logout(page)


def test_4_provider_sees_the_records_read_only(app):
    url, page = app
    enterprise_activates_and_chooses()
    provider_serves_and_delivers()
    enterprise_evaluates()
    login(page, "langkun")
    open_voucher(url, page)
    body = text_of(page)
    assert "已评价" in body and "企业已评价，服务信息和交付记录已锁定，不能再修改。" in body
    for button in ["添加服务信息", "编辑交付记录", "修改"]:
        assert page.get_by_role("button", name=button, exact=True).count() == 0
    shot(page, "journey_06_provider_read_only")
