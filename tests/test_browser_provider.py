"""The provider manual (§1–5) step by step in headless Chromium as `langkun`, with a screenshot
of each step under tests/artifacts/."""
from __future__ import annotations

import pytest

from lib import clock
from tests.browser import BROWSER_MARKS, choose, login, pick_date, settle, shot

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def app(streamlit_server, browser):
    url, _ = streamlit_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    settle(page)
    yield page
    context.close()


def main_text(page) -> str:
    return page.inner_text("[data-testid=stMain]")


def listed(page) -> list[str]:
    rows = page.locator("[data-testid=stMain] button").all_inner_texts()
    return [r.strip() for r in rows if r.strip().isdigit() and len(r.strip()) == 7]


def fill(page, label: str, value: str) -> None:
    page.get_by_role("textbox", name=label, exact=True).fill(value)




def test_1_login(app):
    assert app.get_by_role("button", name="登录").is_visible()
    login(app, "langkun")
    app.get_by_role("button", name="1700008").wait_for()
    for menu in ["服务券", "产品管理", "人员管理", "服务券统计", "评价统计", "修改密码", "退出"]:
        assert app.get_by_role("link", name=menu, exact=True).count() == 1, menu
    shot(app, "provider_01_logged_in")


def test_5_1_search_by_number(app):
    fill(app, "服务券号", "1700008")
    app.get_by_role("button", name="搜索").click()
    settle(app)
    assert listed(app) == ["1700008"]
    body = main_text(app)
    assert "测试11" in body and "江宁区" in body and "第1到第1条 共1条" in body and "测试1212" not in body
    shot(app, "provider_02_search_number")


def test_5_2_multi_condition_search(app):
    fill(app, "服务券号", "")
    fill(app, "企业名称", "测试")
    choose(app, "区域", "江宁区")
    app.get_by_role("button", name="搜索").click()
    settle(app)
    assert listed(app) == ["1700008"]
    assert "region=" in app.url and "name=" in app.url  # the search survives a reload
    app.reload()
    settle(app)
    assert listed(app) == ["1700008"]
    shot(app, "provider_03_search_multi")


def test_2_open_the_detail(app):
    app.get_by_role("button", name="1700008").click()
    settle(app)
    app.get_by_text("服务券号: 1700008").wait_for()
    body = main_text(app)
    for expected in ["已确认", "测试11", "江宁区", "中型", "14444444444", "12@qq.com", "2016年总产值", "123万",
                     "2017年预计利润", "42万", "12人", "朗坤智慧科技股份有限公司", "谢晓江", "“由你飞”运营管控平台-企业版",
                     "中小版管理软件应用", "销售、合同、人力资源、办公、供应链、项目、", "19,800.00元", "9,800.00元"]:
        assert expected in body, expected
    shot(app, "provider_04_detail")


def test_4_sign_the_contract_and_add_a_service_record(app):
    today = clock.local_date()
    pick_date(app, "合同签订日期", today)
    app.get_by_role("button", name="合同签订").click()
    settle(app)
    app.get_by_text("合同签订日期已保存。").wait_for()
    app.get_by_role("button", name="添加服务信息").click()
    settle(app)
    app.get_by_text("添加服务记录").wait_for()
    shot(app, "provider_05_add_service_form")
    choose(app, "服务工程师", "张伟（实施工程师）")
    pick_date(app, "日期", today)
    app.get_by_role("textbox", name="服务描述").fill("上门部署“由你飞”平台并培训操作人员")
    fill(app, "备注", "客户满意")
    app.get_by_role("button", name="确定").click()
    settle(app)
    app.get_by_text(f"张伟 在 {today.isoformat()} 提供了服务").wait_for()
    assert "服务描述：上门部署“由你飞”平台并培训操作人员" in main_text(app)
    shot(app, "provider_06_service_added")


def test_4_5_edit_the_service_record(app):
    app.get_by_role("button", name="修改").click()
    settle(app)
    app.get_by_role("textbox", name="服务描述").fill("上门部署平台，培训三名操作人员")
    app.get_by_role("button", name="确定").click()
    settle(app)
    app.get_by_text("服务信息已修改。").wait_for()
    assert "服务描述：上门部署平台，培训三名操作人员" in main_text(app)
    shot(app, "provider_07_service_edited")


def test_record_the_delivery(app):
    today = clock.local_date()
    app.get_by_role("button", name="编辑交付记录").click()
    settle(app)
    pick_date(app, "交付日期", today)
    app.get_by_role("textbox", name="交付内容").fill("平台上线运行，交付操作手册和培训记录")
    app.get_by_role("button", name="确定").click()
    settle(app)
    app.get_by_text("交付记录已保存。").wait_for()
    body = main_text(app)
    assert "服务券状态: 已交付" in body and "交付内容：平台上线运行，交付操作手册和培训记录" in body
    shot(app, "provider_08_delivered")
    app.get_by_role("button", name="← 返回列表").click()
    settle(app)
    shot(app, "provider_09_list_after")
