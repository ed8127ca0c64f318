"""Screenshots of the statistics pages with the demo data in headless Chromium: charts drawn, Chinese rendered."""
from __future__ import annotations

import pytest

from tests.browser import BROWSER_MARKS, new_page, settle, shot

pytestmark = BROWSER_MARKS


@pytest.fixture
def server(streamlit_server):
    return streamlit_server[0]


@pytest.mark.parametrize("username,path,title", [
    ("admin", "voucher_stats", "服务券统计"), ("admin", "evaluation_stats", "评价统计"), ("admin", "risk", "风险预警"),
    ("langkun", "voucher_stats", "服务券统计"), ("langkun", "evaluation_stats", "评价统计"),
])
def test_statistics_pages_draw_their_charts(server, browser, username, path, title):
    context, page = new_page(browser, server, username=username)
    page.goto(f"{server}/{path}")
    settle(page)
    page.get_by_role("heading", name=title).wait_for()
    if (username, path) == ("langkun", "evaluation_stats"):  # no evaluation yet: says so instead of empty axes
        page.get_by_text("暂无数据").first.wait_for()
    elif path != "risk":
        # at least four charts (they arrive one by one while the page runs)
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 4")
        assert "Jan" not in page.inner_text("[data-testid=stMain]")  # month labels stay Chinese/numeric
    # every chart drawn before the screenshot
    page.wait_for_function("[...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'))")
    shot(page, f"stats_{username}_{path}")
    context.close()
