"""AppTest runs of Home.py for each role: the menus of DESIGN.md §1, no exception, real screens."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from lib import auth, seed
from tests.apptest import HOME, logged_in, texts
from tests.builders import COMMISSION, account
from ui.nav import MENUS

pytestmark = [pytest.mark.page, pytest.mark.usefixtures("fresh_streamlit_caches")]
EXPECTED_MENUS = {
    "admin": ["服务券", "企业管理", "服务商管理", "产品审核", "撤回审核", "兑付管理", "服务券统计", "评价统计",
              "风险预警",
              "用户管理", "操作日志", "业务流程", "修改密码", "退出"],
    "langkun": ["服务券", "产品管理", "人员管理", "服务券统计", "评价统计", "业务流程", "修改密码", "退出"],
    "qy1700008": ["我的服务券", "选择服务商/产品", "服务评价", "企业信息", "业务流程", "修改密码", "退出"],
}


def menu(at: AppTest, *, counts: bool = False) -> list[str]:
    pages = list(at._registered_pages.values())
    # the last page is the first one's hidden alias at its own path (Home.py): not a menu item
    assert pages[-1]["page_name"] == pages[0]["page_name"] and pages[0]["url_pathname"] == ""
    names = [info["page_name"] for info in pages[:-1]]
    return names if counts else [re.sub(r"（\d+）$", "", name) for name in names]


def test_menu_items_show_how_much_waits_there_as_the_pages_themselves_count_it(demo):
    from lib import queries, review, settlement
    admin = account("admin").actor()
    shown = dict(zip(EXPECTED_MENUS["admin"], menu(logged_in("admin"), counts=True), strict=True))
    assert shown["撤回审核"] == f"撤回审核（{len(queries.open_withdrawals(admin))}）"
    assert shown["兑付管理"] == f"兑付管理（{len(settlement.awaiting_settlement(admin))}）"
    pending = len(review.products_in(admin))
    assert shown["产品审核"] == (f"产品审核（{pending}）" if pending else "产品审核")
    assert shown["用户管理"] == "用户管理" and shown["退出"] == "退出"


@pytest.mark.parametrize("username", list(EXPECTED_MENUS))
def test_each_role_gets_its_menus_and_no_exception(demo, username):
    at = logged_in(username)
    assert not at.exception
    assert menu(at) == EXPECTED_MENUS[username]
    assert [i.title for i in MENUS[account(username).role]] == EXPECTED_MENUS[username]


def test_every_page_of_every_role_renders_without_exception(demo):
    for username in EXPECTED_MENUS:
        at = logged_in(username)
        for item in MENUS[account(username).role]:
            if not item.path:
                continue
            at.switch_page(item.path).run()
            assert not at.exception, (username, item.title, at.exception)


def test_the_login_form_is_in_chinese_and_logs_in(demo):
    at = AppTest.from_file(HOME, default_timeout=20).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["账户名", "密码"]
    assert any(b.label == "登录" for b in at.button)
    at.text_input[0].input("LangKun")
    at.text_input[1].input(seed.DEMO_PASSWORD)
    at.button[0].click().run()
    at.run()  # the browser-side rerun of the cookie component does not happen in AppTest
    assert not at.exception
    assert at.session_state["username"] == "langkun"
    assert "1700008" in [b.label for b in at.button]


def test_a_wrong_password_shows_the_reason_at_the_form(demo):
    at = AppTest.from_file(HOME, default_timeout=20).run()
    at.text_input[0].input("langkun")
    at.text_input[1].input("wrong-password1")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["账户名或密码错误（再错4次将锁定15分钟）"]


def test_the_provider_list_shows_its_own_vouchers_with_the_manuals_columns(demo):
    at = logged_in("langkun")
    labels = [b.label for b in at.button]
    assert "1700008" in labels and "1700009" in labels and "1700010" not in labels
    body = texts(at)
    for column in ["服务券号", "公司名称", "区域", "状态", "服务商", "操作"]:
        assert f"**{column}**" in body or f"<b>{column}</b>" in body  # the text columns are one element
    assert "第1页 共1页" in body and "第1到第2条 共2条" in body


def test_each_card_table_shows_its_own_rows_though_an_earlier_one_had_the_same_title():
    """card_table keeps its drawn forms per data: two tables with the same columns and title in one run (or
    one table before and after a write) must not share them."""
    def script():
        import pandas as pd

        from ui.cards import card_table
        for key, names in (("first", ["甲公司"]), ("second", ["乙公司", "丙公司"])):
            card_table(pd.DataFrame({"服务券号": ["1700008"] * len(names), "企业名称": names}), key=key,
                       title="企业名称", voucher="服务券号")

    at = AppTest.from_function(script, default_timeout=20).run()
    cards = [h.proto.body for h in at.get("html")]
    assert len(cards) == 2 and "甲公司" in cards[0] and "甲公司" not in cards[1] and "丙公司" in cards[1]


def test_a_cards_whole_number_of_days_reads_as_the_wide_table_shows_it():
    """服务商排行's medians are floats: 36.0 days is “36” on a phone's card as in the wide table, 2.5 stays 2.5."""
    def script():
        import pandas as pd

        from ui.cards import card_table
        card_table(pd.DataFrame({"服务商": ["甲公司", "乙公司"], "中位天数": [36.0, 2.5]}, dtype=object), key="league",
                   title="服务商")

    at = AppTest.from_function(script, default_timeout=20).run()
    card = at.get("html")[0].proto.body
    assert "中位天数：</span>36</div>" in card and "中位天数：</span>2.5</div>" in card and "36.0" not in card


def test_a_deep_link_opens_the_voucher_for_whoever_may_see_it(demo):
    at = logged_in("langkun", voucher="1700008")
    body = texts(at)
    assert "服务券号：1700008" in body and "测试11" in body and "2016年总产值" in body and "已确认" in body
    other = logged_in("provider2", voucher="1700008")
    assert [e.value for e in other.error] == ["无权查看该服务券"]
    assert "测试11" not in texts(other)


def test_a_one_time_password_forces_change_password_first(demo):
    auth.reset_password(actor=COMMISSION, username="langkun")
    at = logged_in("langkun")
    assert menu(at) == ["修改密码", "退出"]
    assert any("请先修改密码" in w.value for w in at.warning)


def test_a_disabled_account_is_logged_out_on_its_next_click(demo):
    at = logged_in("langkun")
    auth.set_active(actor=COMMISSION, username="langkun", active=False)
    at.run()
    assert at.session_state["authentication_status"] is None
    assert any("请重新登录" in w.value for w in at.warning)
