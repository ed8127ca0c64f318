"""Every 导出Excel button of every commission page, clicked in Chromium on the demo data and the file read
back by openpyxl and pandas: one header row (5) for all, frozen and filtered, dates as dates, amounts and
counts as numbers."""
from __future__ import annotations

import io
import re
from datetime import datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from lib import exports
from tests.browser import BROWSER_MARKS, menu, new_page, settle

pytestmark = BROWSER_MARKS

PAGES = ["服务券", "企业管理", "服务商管理", "产品审核", "兑付管理", "服务券统计", "评价统计", "用户管理", "操作日志"]
DATED = re.compile(r"(日期|时间)$")
MONEY = re.compile(r"(元）|金额|面额|价格|应付)")
COUNTED = re.compile(r"(张数|家数|数量|次数|（张）|（次）|（家）)$")


def check_export(content: bytes, where: str) -> list[str]:
    """The sheet's headers, after asserting each typed column holds only values of its type."""
    sheet = load_workbook(io.BytesIO(content)).active
    header_row = exports.HEADER_ROW
    assert sheet.freeze_panes == f"A{header_row + 1}", where
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith(f"A{header_row}:"), where
    headers = [c.value for c in sheet[header_row]]
    table = pd.read_excel(io.BytesIO(content), header=header_row - 1)
    assert list(table.columns) == headers, where
    for index, header in enumerate(headers, start=1):
        values = [sheet.cell(row, index).value for row in range(header_row + 1, sheet.max_row + 1)]
        values = [v for v in values if v not in (None, "")]
        if DATED.search(header):
            assert all(isinstance(v, datetime) for v in values), (where, header, values[:3])
            assert all(sheet.cell(r, index).number_format.startswith("yyyy-mm-dd")
                       for r in range(header_row + 1, sheet.max_row + 1)
                       if sheet.cell(r, index).value not in (None, "")), (where, header)
        elif MONEY.search(header):
            assert all(isinstance(v, (int, float)) for v in values), (where, header, values[:3])
        elif COUNTED.search(header):
            assert all(isinstance(v, int) for v in values), (where, header, values[:3])
    return headers


@pytest.fixture
def admin_page(streamlit_server, browser):
    url, _ = streamlit_server
    context, page = new_page(browser, url, username="admin", accept_downloads=True)
    yield page
    context.close()


def test_every_export_of_every_commission_page_is_typed_and_reads_with_one_header_value(admin_page):
    page = admin_page
    seen: dict[str, list[str]] = {}
    for name in PAGES:
        menu(page, name)
        settle(page)
        tabs = page.get_by_role("tab")
        found = 0
        for tab in [tabs.nth(i) for i in range(tabs.count())] or [None]:
            if tab is not None:
                tab.click()
                settle(page)
            closed = page.locator("[data-testid=stExpander] details:not([open]) > summary").filter(visible=True)
            for _ in range(closed.count()):  # 查看数据 of each chart holds its export, drawn once it is open
                closed.first.click()
                settle(page)
            buttons = page.get_by_role("button", name=re.compile(r"^(导出|download\s*导出)")).filter(visible=True)
            for index in range(buttons.count()):
                with page.expect_download() as download:
                    buttons.nth(index).click()
                where = f"{name}{'/' + tab.inner_text() if tab else ''}#{index + 1}"
                seen[where] = check_export(open(download.value.path(), "rb").read(), where)
                found += 1
        assert found >= 1, f"{name}：没有导出按钮"
    typed = [h for headers in seen.values() for h in headers if DATED.search(h) or MONEY.search(h)]
    assert len(seen) >= len(PAGES) and len(typed) >= 10, seen  # the check above met real dates and amounts
