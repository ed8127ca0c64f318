"""Helpers for Playwright tests in headless Debian Chromium (see STREAMLIT-NOTES.md)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
PASSWORD = "Demo@2026"
COOKIE_NAME = "njfwq_auth"
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="需要 Debian chromium（.ci/run 会安装）"),
]


def settle(page) -> None:
    """Wait the way Streamlit's own suite does after each action."""
    page.wait_for_timeout(200)
    page.wait_for_selector("[data-testid=stApp][data-test-connection-state=CONNECTED]", timeout=20_000)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=20_000)
    page.wait_for_function("!document.querySelector('[data-testid=stSkeleton]')", timeout=20_000)
    page.wait_for_timeout(200)


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_for_login_cookie(page, *, present: bool = True, timeout: int = 10_000) -> None:
    """Wait until the browser holds (or no longer holds) the login cookie, which the cookie component
    writes or deletes from JavaScript a moment after the run."""
    has = f"document.cookie.split('; ').some(c => c.startsWith('{COOKIE_NAME}='))"
    page.wait_for_function(has if present else f"!({has})", timeout=timeout)


def login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the real form and wait until the browser holds the login cookie; fails the test
    with what the page says when the login does not go through."""
    for attempt in range(2):
        page.get_by_role("textbox", name="账户名").fill(username)
        page.get_by_role("textbox", name="密码").fill(password)
        page.get_by_role("button", name="登录").click()
        settle(page)
        try:
            wait_for_login_cookie(page, timeout=20_000)
            return
        except PlaywrightTimeout:
            # On a busy machine (tests run two at a time) a click can be lost while the page load's second run (the
            # cookie component's) redraws the form: the form is still there, with no message. A person clicks
            # again; any other outcome (a message such as a wrong password's) fails at once.
            form = page.get_by_role("button", name="登录").count()
            if attempt or not form or page.locator("[data-testid^=stAlert]").count():
                pytest.fail(f"无法以{username}登录：" + page.inner_text("[data-testid=stApp]")[:500])


def new_page(browser, url: str, *, username: str | None = None, path: str = "", password: str = PASSWORD,
             **context_args):
    """A fresh browser context on `url` (logged in as `username` if given); returns (context, page)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, **context_args)
    page = context.new_page()
    page.goto(url + path)
    settle(page)
    if username:
        login(page, username, password)
    return context, page


def choose(page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox (a react-aria combobox)."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    if page.get_by_role("option").count() == 0:  # a click during a rerun may only focus it
        box.press("ArrowDown")
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def pick_date(page, label: str, day) -> None:
    """Type a date into Streamlit's date input (year, month and day segments that auto-advance)."""
    page.get_by_role("spinbutton", name=f"year, {label}", exact=True).click()
    page.keyboard.type(day.strftime("%Y%m%d"))
    page.keyboard.press("Tab")
    settle(page)


def menu(page, name: str) -> None:
    """Open a menu item by its name, whatever count of waiting work stands beside it (撤回审核（3）)."""
    escaped = re.escape(name).replace("/", r"\/")  # Playwright sends the pattern as /…/: a bare / ends it
    page.get_by_role("link", name=re.compile(rf"^{escaped}(（\d+）)?$")).click()
    settle(page)


def unfold(page, label: str) -> None:
    """Open a folded section (st.expander) by its label."""
    page.locator("[data-testid=stExpander] summary").filter(has_text=label).click()
    page.wait_for_timeout(300)
