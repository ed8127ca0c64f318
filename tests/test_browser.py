"""Headless Chromium through Playwright against a real server: login, list, deep link, logout."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from lib import auth
from lib.actors import Actor
from tests.browser import (
    BROWSER_MARKS,
    COOKIE_NAME,
    ROOT,
    login,
    new_page,
    settle,
    shot,
    unfold,
    wait_for_login_cookie,
)

pytestmark = BROWSER_MARKS


@pytest.fixture
def server(streamlit_server):
    return streamlit_server


def test_provider_logs_in_sees_own_vouchers_logs_out_and_a_refresh_shows_the_login_form(server, page):
    server, _ = server
    page.goto(server)
    settle(page)
    assert page.get_by_role("button", name="登录").is_visible()
    shot(page, "01_login")
    login(page, "langkun")
    page.get_by_role("button", name="1700008").wait_for()
    shot(page, "02_provider_list")
    body = page.inner_text("[data-testid=stMain]")
    assert "测试11" in body and "江宁区" in body and "已确认" in body
    assert "测试1212" in body and "已交付" in body and "第1到第2条 共2条" in body
    assert page.get_by_role("button", name="1700010").count() == 0  # provider2's voucher

    page.reload()  # the login cookie brings the user back
    settle(page)
    page.get_by_role("button", name="1700008").wait_for()

    page.get_by_role("link", name="退出").click()
    settle(page)
    page.get_by_text("您已安全退出").wait_for()
    shot(page, "03_logged_out")
    wait_for_login_cookie(page, present=False)
    page.reload()
    settle(page)
    page.get_by_role("button", name="登录").wait_for()
    assert not any(c["name"] == COOKIE_NAME for c in page.context.cookies())
    assert page.get_by_role("button", name="1700008").count() == 0
    shot(page, "04_after_refresh")


def test_a_deep_link_survives_the_login_form_and_refuses_other_providers(server, browser):
    server, _ = server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{server}/?voucher=1700008")
    settle(page)
    login(page, "langkun")
    page.get_by_text("服务券号：1700008").wait_for()
    unfold(page, "企业信息")  # folded while the provider has a next step (合同签订)
    body = page.inner_text("[data-testid=stMain]")
    assert "测试11" in body and "2016年总产值" in body and "“由你飞”运营管控平台-企业版" in body
    shot(page, "05_deep_link_detail")
    context.close()

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{server}/?voucher=1700008")
    settle(page)
    login(page, "provider2")
    page.get_by_text("无权查看该服务券").wait_for()
    assert "测试11" not in page.inner_text("[data-testid=stMain]")
    shot(page, "06_deep_link_refused")
    context.close()


def test_the_lockout_message_shows_at_the_login_form(server, browser):
    server, _ = server
    context = browser.new_context()
    page = context.new_page()
    page.goto(server)
    settle(page)
    page.get_by_role("textbox", name="账户名").fill("qy1700008")
    for _ in range(5):
        page.get_by_role("textbox", name="密码").fill("wrong-pass1")
        page.get_by_role("button", name="登录").click()
        settle(page)
    page.get_by_text("账户已锁定，请15分钟后再试").wait_for()
    shot(page, "07_locked")
    context.close()


def test_artifacts_are_not_committed():
    ignored = subprocess.run(["git", "check-ignore", "tests/artifacts/x.png"], cwd=ROOT, capture_output=True)
    assert ignored.returncode == 0 or shutil.which("git") is None


OWN_PASSWORD = "Qzv7-kestrel"  # an account's own password (the demo's is refused as common)


def test_a_cookie_issued_before_a_password_reset_no_longer_logs_in(server, browser):
    auth.create_user(actor=Actor.system(), username="cookietest", display_name="测试经信委", role="commission",
                     password=OWN_PASSWORD, must_change_password=False)
    context, page = new_page(browser, server[0], username="cookietest", password=OWN_PASSWORD)
    page.get_by_role("link", name="用户管理").wait_for()
    page.reload()
    settle(page)
    page.get_by_role("link", name="用户管理").wait_for()  # the cookie logged us back in
    auth.reset_password(actor=Actor.system(), username="cookietest")
    page.reload()
    settle(page)
    page.get_by_role("button", name="登录").wait_for()
    assert page.get_by_role("link", name="用户管理").count() == 0
    shot(page, "08_cookie_refused_after_reset")
    context.close()


def test_changing_the_password_keeps_the_session_and_a_refresh_stays_logged_in(server, browser):
    auth.create_user(actor=Actor.system(), username="pwchange", display_name="改密码的经信委", role="commission",
                     password=OWN_PASSWORD, must_change_password=True)
    context, page = new_page(browser, server[0], username="pwchange", password=OWN_PASSWORD)
    page.get_by_text("请先修改密码").wait_for()
    page.get_by_role("textbox", name="原密码").fill(OWN_PASSWORD)
    page.get_by_role("textbox", name="新密码", exact=True).fill("NewPass2026")
    page.get_by_role("textbox", name="确认新密码").fill("NewPass2026")
    before = next(c["value"] for c in context.cookies() if c["name"] == COOKIE_NAME)
    page.get_by_role("button", name="确定").click()
    settle(page)
    page.get_by_role("link", name="用户管理").wait_for()  # the full menu once the password is changed
    # the first page, not the emptied form, with a confirmation that outlives the cookie's rerun
    page.get_by_text("待办", exact=True).wait_for()
    page.wait_for_timeout(1500)
    assert "欢迎使用。下次登录请使用新密码。" in page.inner_text("[data-testid=stMain]")
    assert page.get_by_role("textbox", name="原密码").count() == 0
    shot(page, "09_password_changed")
    # the fresh cookie, written by JavaScript, carries the new issue time: wait until it replaces the old one
    page.wait_for_function(f"!document.cookie.includes({before!r})")
    wait_for_login_cookie(page)
    page.reload()
    settle(page)
    page.get_by_role("link", name="用户管理").wait_for()
    assert auth.verify_login("pwchange", "NewPass2026").username == "pwchange"
    context.close()
