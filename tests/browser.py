"""Helpers for Playwright tests in headless Debian Chromium (see STREAMLIT-NOTES.md)."""
from __future__ import annotations

from pathlib import Path

import pytest

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


def login(page, username: str) -> None:
    """Log in through the real form and wait until the browser holds the login cookie."""
    page.get_by_role("textbox", name="账户名").fill(username)
    page.get_by_role("textbox", name="密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    settle(page)
    for _ in range(50):  # the cookie component writes it from JavaScript, a moment after the run
        if any(c["name"] == COOKIE_NAME for c in page.context.cookies()):
            return
        page.wait_for_timeout(100)



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
    page.get_by_role("link", name=name, exact=True).click()
    settle(page)
