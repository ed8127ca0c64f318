"""An attacker in the browser: Markdown and HTML typed into every free-text field show as the characters
typed, and a login cookie copied before 退出 opens nothing in another browser."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lib import db, vouchers
from lib.models import Enterprise, Product, ServiceRecord, Voucher
from lib.seed import LANGKUN_PRODUCT
from tests.browser import BROWSER_MARKS, COOKIE_NAME, login, new_page, settle, shot
from tests.builders import account

pytestmark = BROWSER_MARKS

HOST = "hostile.invalid"
IMAGE = f"![x](http://{HOST}/a.png)"
LINK = f"[领取补贴](http://{HOST}/pay)"
HTML = f"<img src=http://{HOST}/b.png>"


def hostile(field: str) -> str:
    return f"{field}{IMAGE}{LINK}{HTML}**粗体**"


@pytest.fixture
def planted(streamlit_server):
    """Markdown and HTML in 服务描述, 备注, 交付内容, 地址, 目前最大困难, 适用对象, 应用案例 and 撤回原因."""
    with db.transaction() as s:
        v9 = s.scalars(select(Voucher).where(Voucher.number == "1700009")).one()
        v9.delivery_content = hostile("交付")
        ent = s.get(Enterprise, v9.enterprise_id)
        ent.address, ent.difficulty = hostile("地址"), hostile("困难")
        for record in s.scalars(select(ServiceRecord).where(ServiceRecord.voucher_id == v9.id)):
            record.description, record.remark = hostile("描述"), hostile("备注")
        product = s.scalars(select(Product).where(Product.name == LANGKUN_PRODUCT)).one()
        product.target, product.cases = hostile("对象"), hostile("案例")
    vouchers.request_withdrawal(actor=account("qy1700008").actor(), number="1700008", reason=hostile("撤回"))
    return streamlit_server


def assert_plain(page, *fields: str) -> None:
    body = page.inner_text("[data-testid=stMain]").replace("\u2060", "")  # the joiner that stops autolinks
    for field in fields:
        assert hostile(field) in body, (field, body[:1500])
    assert page.locator(f"img[src*='{HOST}']").count() == 0
    assert page.locator(f"a[href*='{HOST}']").count() == 0


def test_typed_markdown_and_html_show_as_text_on_every_page(planted, browser):
    url, _ = planted
    requested: list[str] = []
    context, page = new_page(browser, url)
    page.on("request", lambda request: requested.append(request.url))
    login(page, "admin")
    page.goto(f"{url}/?voucher=1700009")
    settle(page)
    page.get_by_text("服务券号：1700009").wait_for()
    assert_plain(page, "交付", "地址", "困难", "描述", "备注")
    shot(page, "hostile_detail")
    page.goto(f"{url}/withdrawals")
    settle(page)
    page.get_by_text("撤回原因").first.wait_for()
    assert_plain(page, "撤回")
    context.close()
    context, page = new_page(browser, url)
    page.on("request", lambda request: requested.append(request.url))
    login(page, "qy1700008")
    page.goto(f"{url}/catalogue")
    settle(page)
    page.get_by_text("适用对象").first.wait_for()
    assert_plain(page, "对象", "案例")
    shot(page, "hostile_catalogue")
    context.close()
    assert not [r for r in requested if HOST in r]  # no viewer's browser fetched the attacker's URL


def test_a_login_cookie_copied_before_logout_opens_nothing_in_another_browser(streamlit_server, browser):
    url, _ = streamlit_server
    context, page = new_page(browser, url)
    login(page, "admin")
    stolen = [c for c in context.cookies() if c["name"] == COOKIE_NAME]
    assert stolen and stolen[0]["sameSite"] == "Strict"
    page.get_by_role("link", name="退出").click()
    settle(page)
    page.get_by_text("您已安全退出").wait_for()
    context.close()
    thief = browser.new_context(viewport={"width": 1400, "height": 1000})
    thief.add_cookies(stolen)
    page = thief.new_page()
    page.goto(url)
    settle(page)
    page.get_by_role("button", name="登录").wait_for()
    assert page.get_by_role("link", name="退出").count() == 0
    assert page.get_by_role("button", name="1700008").count() == 0
    thief.close()


def test_behind_an_https_proxy_the_login_cookie_is_secure(streamlit_server, browser):
    url, _ = streamlit_server
    context, page = new_page(browser, url)
    login(page, "admin")
    assert [c["secure"] for c in context.cookies() if c["name"] == COOKIE_NAME] == [False]  # plain HTTP here
    context.close()
    context, page = new_page(browser, url, extra_http_headers={"X-Forwarded-Proto": "https"})
    login(page, "admin")
    assert [c["secure"] for c in context.cookies() if c["name"] == COOKIE_NAME] == [True]
    context.close()
