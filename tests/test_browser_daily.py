"""A daily user's platform in Chromium at 1366×768 and 390×844: every page of every role fits the phone's
width and speaks only Chinese, and the home page's 待办 reaches the next task in one click."""
from __future__ import annotations

import re

import pytest

from lib import auth, clock, queries, todo
from lib.labels import Role
from tests.browser import BROWSER_MARKS, new_page, settle, shot
from tests.builders import account
from ui.nav import MENUS

pytestmark = BROWSER_MARKS

USERS = {"admin": Role.COMMISSION, "provider2": Role.PROVIDER, "qy1700008": Role.ENTERPRISE}
PHONE, DESK = {"width": 390, "height": 844}, {"width": 1366, "height": 768}
# Words that are names, not English: file formats, the systems SMEs buy, QQ, and the manual's own footer.
ALLOWED = {"Excel", "PDF", "ERP", "CRM", "OA", "MES", "PLM", "CAD", "QQ", "copyright"}
# The text a user can see: not hidden, not zero-sized, not a Material icon's ligature name.
VISIBLE_TEXT = """() => {
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest('[data-testid=stIconMaterial], script, style, noscript')) continue;
    const css = getComputedStyle(el);
    if (css.visibility === 'hidden' || parseFloat(css.fontSize) === 0 || el.getClientRects().length === 0) continue;
    parts.push(walker.currentNode.textContent);
  }
  return parts.join(' ');
}"""


def english_words(page) -> set[str]:
    text = re.sub(r"\S+@\S+", " ", page.evaluate(VISIBLE_TEXT))  # e-mail addresses are data
    text = re.sub(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])", " ", text)  # so are credit codes (…NXD12)
    for username in auth.accounts(account("admin").actor())["username"]:  # so are login names (登录账户)
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(username)}(?![A-Za-z0-9])", " ", text)
    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED


@pytest.mark.parametrize("username", list(USERS))
def test_every_page_fits_a_phone_and_speaks_chinese(streamlit_server, browser, username):
    url, _ = streamlit_server
    context, page = new_page(browser, url, username=username)
    page.set_viewport_size(PHONE)
    for item in MENUS[USERS[username]]:
        if not item.path:
            continue
        page.goto(f"{url}/{item.url}")
        settle(page)
        page.wait_for_timeout(300)  # charts and tables lay themselves out after the run
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{item.title}：页面宽{width}px，手机上需要左右滚动"
        assert not english_words(page), f"{item.title}：{sorted(english_words(page))}"
    context.close()


@pytest.mark.parametrize("size", [DESK, PHONE], ids=["1366", "390"])
def test_the_provider_reaches_the_voucher_waiting_for_confirmation_in_one_click(streamlit_server, browser, size):
    url, _ = streamlit_server
    context, page = new_page(browser, url, username="provider2")
    page.set_viewport_size(size)
    page.reload()
    settle(page)
    page.get_by_text("待办", exact=True).wait_for()
    shot(page, f"daily_provider_home_{size['width']}")
    page.locator(".st-key-todo_confirm").get_by_role("link", name="查看并处理").click()
    settle(page)
    page.get_by_text("待办：待购买确认").wait_for()
    expected = queries.voucher_page(account("provider2").actor(), queries.VoucherFilters(todo="confirm"))
    shown = [b.inner_text() for b in page.locator(".st-key-voucher_list button[kind=tertiary]").all()]
    assert shown == expected.rows["number"].tolist() and shown
    shot(page, f"daily_provider_todo_list_{size['width']}")
    context.close()


def test_the_commission_reaches_each_waiting_queue_in_one_click(streamlit_server, browser):
    url, _ = streamlit_server
    context, page = new_page(browser, url, username="admin")
    items = {i.todo.label: i for i in todo.items(account("admin").actor())}
    assert items["撤回待审核"].count and items["待兑付"].count  # the demo has both
    menu_link = page.get_by_role("link", name=f"撤回审核（{items['撤回待审核'].count}）")
    assert menu_link.count() == 1  # the menu says how many wait there
    shot(page, "daily_commission_home_1366")
    for key, heading in (("withdrawal", "撤回审核"), ("settle", "待兑付")):
        page.goto(url)
        settle(page)
        page.locator(f".st-key-todo_{key}").get_by_role("link", name="查看并处理").click()
        settle(page)
        assert heading in page.inner_text("[data-testid=stMain]")
    context.close()



def test_lists_become_cards_on_a_phone_and_tables_on_a_desk(streamlit_server, browser):
    """用户管理 (a table) and 人员管理 (a list with buttons): on a phone one card per record with every value
    after its label and phone numbers tappable; on a desk the table and the header row, and no cards."""
    url, _ = streamlit_server
    context, page = new_page(browser, url, username="admin")
    accounts = len(auth.accounts(account("admin").actor()))
    for size, cards_shown in ((PHONE, True), (DESK, False)):
        page.set_viewport_size(size)
        page.goto(f"{url}/users")
        settle(page)
        cards = page.locator(".st-key-cards_users .card")
        assert cards.count() == accounts
        assert cards.first.is_visible() is cards_shown
        assert page.locator(".st-key-wide_users [data-testid=stDataFrame]").is_visible() is not cards_shown
        if cards_shown:
            assert cards.filter(has_text="admin").first.inner_text().splitlines()[1:3] == ["名称：南京市经信委",
                                                                                     "角色：经信委"]
    context.close()
    context, page = new_page(browser, url, username="provider2")
    for size, cards_shown in ((PHONE, True), (DESK, False)):
        page.set_viewport_size(size)
        page.goto(f"{url}/engineers")
        settle(page)
        header = page.locator(".st-key-cardhead_engineers").get_by_text("姓名", exact=True)
        assert header.is_visible() is not cards_shown
        mobile = page.locator(".st-key-cardrows_engineers a[href^='tel:+86']").first
        assert mobile.is_visible()
        label = page.locator(".st-key-cardrows_engineers .cell-label").first
        assert label.is_visible() is cards_shown and label.inner_text() == "姓名："
        shot(page, f"daily_provider_engineers_{size['width']}")
    context.close()


def test_on_a_phone_the_detail_starts_with_the_next_step_and_the_confirmation_is_in_view(streamlit_server, browser):
    """The engineer on site: the voucher waiting for confirmation opens with 确认购买 and the customer's
    tappable number on the first screen, 企业信息 folded; after saving, the confirmation shows in view and
    the next step (合同签订) is first again."""
    url, _ = streamlit_server
    context, page = new_page(browser, url, username="provider2")
    page.set_viewport_size(PHONE)
    waiting = queries.voucher_page(account("provider2").actor(), queries.VoucherFilters(todo="confirm"))
    (number,) = waiting.rows["number"]
    page.goto(f"{url}/?voucher={number}")
    settle(page)
    confirm = page.get_by_role("button", name="确认购买")
    assert confirm.bounding_box()["y"] + confirm.bounding_box()["height"] <= PHONE["height"]
    assert page.locator("[data-testid=stMain] a[href^='tel:+86']").first.is_visible()
    info = page.locator("[data-testid=stExpander]").filter(has_text="企业信息")
    assert info.locator("details").get_attribute("open") is None  # folded
    shot(page, "daily_provider_detail_390")
    page.evaluate("window.scrollTo(0, 0)")
    confirm.click()
    settle(page)
    toast = page.locator("[data-testid=stToast]").filter(has_text="已确认购买。")
    toast.wait_for()
    box = toast.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"]
    contract = page.get_by_role("button", name="合同签订")
    assert contract.bounding_box()["y"] <= PHONE["height"]
    context.close()


def test_the_profile_form_marks_required_fields_brings_the_right_keypad_and_survives_f5(streamlit_server, browser):
    url, _ = streamlit_server
    year = clock.local_date().year
    context, page = new_page(browser, url, username=f"qy{year % 100:02d}00001")
    page.set_viewport_size(PHONE)
    page.goto(f"{url}/profile")
    settle(page)
    def field(label):
        return page.get_by_role("textbox", name=label, exact=True)
    assert field(f"{year - 1}年总产值").get_attribute("inputmode") == "decimal"
    assert field("联系电话").get_attribute("inputmode") == "tel"
    assert field("从业人数").get_attribute("inputmode") == "numeric"
    assert field("法定代表人").get_attribute("inputmode") is None
    mark = """label => [...document.querySelectorAll('label p')].filter(p => p.textContent === label)
                        .map(p => getComputedStyle(p, '::after').content)[0]"""
    assert page.evaluate(mark, "法定代表人") == '" *"' and page.evaluate(mark, "QQ号") in ("none", "normal")
    field("法定代表人").fill("王伟")
    field("地址").click()  # leaving the field commits it
    settle(page)
    page.reload()
    settle(page)
    page.get_by_text("填写但尚未提交的内容").wait_for()
    assert field("法定代表人").input_value() == "王伟"
    shot(page, "daily_enterprise_profile_390")
    context.close()


def test_the_password_eye_is_named_in_chinese(streamlit_server, browser):
    url, _ = streamlit_server
    context, page = new_page(browser, url)
    eye = page.get_by_role("button", name="显示密码")
    eye.click()
    page.get_by_role("button", name="隐藏密码").wait_for()
    assert page.get_by_role("textbox", name="密码").get_attribute("type") == "text"
    assert not page.locator("[aria-label='Show password'], [aria-label='Hide password']").count()
    context.close()


# Each role's home, a list, a voucher's detail and a form, as the daily user meets them (screenshots under
# tests/artifacts/walk_*): steps are (name, path, button to press first or None, text that shows it is there).
WALKS = {
    "admin": [("home", "", None, "待办"), ("list", "settlements", None, "已兑付"),
              ("detail", "?voucher={number}", None, "办理记录"), ("form", "providers", "新增服务商", "新增服务商")],
    "provider2": [("home", "", None, "待办"), ("list", "engineers", None, "新增人员"),
                  ("detail", "?voucher={number}", None, "办理记录"), ("form", "products", "新增产品", "新增产品")],
    "qy1700008": [("home", "", None, "下一步"), ("list", "catalogue", None, "选择"),
                  ("detail", "?voucher={number}", None, "办理记录"), ("form", "evaluate", None, "服务评价")],
}


@pytest.mark.parametrize("size", [DESK, PHONE], ids=["1366", "390"])
@pytest.mark.parametrize("username", list(WALKS))
def test_each_roles_daily_walk_fits_the_screen(streamlit_server, browser, username, size):
    url, _ = streamlit_server
    number = queries.voucher_page(account(username).actor(), queries.VoucherFilters()).rows["number"].iloc[0]
    context, page = new_page(browser, url, username=username)
    page.set_viewport_size(size)
    for step, path, press, shows in WALKS[username]:
        page.goto(f"{url}/{path.format(number=number)}")
        settle(page)
        if press:
            page.get_by_role("button", name=press).click()
            settle(page)
        page.get_by_text(shows).first.wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"{step}：页面宽{width}px"
        assert not english_words(page), f"{step}：{sorted(english_words(page))}"
        shot(page, f"walk_{username}_{step}_{size['width']}")
    context.close()


@pytest.mark.parametrize("size", [DESK, PHONE], ids=["1366", "390"])
def test_a_new_enterprise_reaches_its_activation_form_in_one_click(streamlit_server, browser, size):
    url, _ = streamlit_server
    year = clock.local_date().year
    context, page = new_page(browser, url, username=f"qy{year % 100:02d}00001")
    page.set_viewport_size(size)
    page.reload()
    settle(page)
    page.get_by_role("link", name="去完善企业信息并激活").click()
    settle(page)
    page.get_by_role("button", name=re.compile(r"^提交并激活服务券\d+$")).wait_for()
    context.close()
