"""Small display helpers shared by pages: running an action and showing its refusal, Excel
downloads, money, the pager."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

import pandas as pd
import streamlit as st

from lib import exports
from lib.errors import DomainError
from lib.paging import Page

FLASH = "flash"
T = TypeVar("T")


def attempt(action: Callable[[], T], done: str | None = None, *, close: str | None = None,
            on_done: Callable[[T], object] | None = None) -> None:
    """Run one service call: the one way a page acts. A refusal shows here, next to the form that
    asked for it. Success hands the result to `on_done` (to keep what the next run shows, such as a
    one-time password), closes the form (`close` is its session key), remembers `done` for
    show_flash, and reruns."""
    try:
        result = action()
    except DomainError as exc:
        st.error(exc.message)
        return
    if on_done is not None:
        on_done(result)
    if close:
        st.session_state.pop(close, None)
    if done:
        st.session_state[FLASH] = done
    st.rerun()


def keep(key: str, shape: Callable[[T], object] = lambda result: result) -> Callable[[T], None]:
    """An `on_done` that stores the (shaped) result under `key` for the next run."""
    return lambda result: st.session_state.__setitem__(key, shape(result))


def answer(read: Callable[[], T]) -> T | None:
    """A read that may be refused (无权查看…, a file that cannot be read): its result, or None after
    showing why in the same place an action's refusal shows."""
    try:
        return read()
    except DomainError as exc:
        st.error(exc.message)
        return None


def download_excel(label: str, data: Callable[[], bytes] | bytes, file_name: str, **kwargs) -> None:
    """Every Excel download button: a callable builds the file only when clicked; the page does not rerun."""
    st.download_button(label, data=data, file_name=file_name, mime=exports.XLSX_MIME, icon=":material/download:",
                       on_click="ignore", **kwargs)


def export_button(rows: pd.DataFrame | Callable[[], pd.DataFrame], columns: dict[str, str], *, title: str,
                  filters: dict[str, object] | None = None, label: str = "导出Excel", file_name: str | None = None,
                  **kwargs) -> None:
    """导出Excel of a list: its columns in Chinese under a title line and the filters used. `rows` may be a
    callable, so a long export is read from the database only when the button is clicked."""
    def build() -> bytes:
        return exports.to_excel(rows() if callable(rows) else rows, columns, title=title, filters=filters)
    download_excel(label, build, file_name or f"{title}.xlsx", **kwargs)


def show_flash() -> None:
    if message := st.session_state.pop(FLASH, None):
        st.success(message)


def ok_cancel() -> tuple[bool, bool]:
    """The 确定 / 取消 pair at the bottom of a form."""
    left, right, _ = st.columns([1, 1, 6])
    return left.form_submit_button("确定", type="primary"), right.form_submit_button("取消")


def form_buttons(form_key: str, save: Callable[[], T], done: str, **kwargs) -> None:
    """确定 / 取消 at the bottom of an add/edit form: 取消 closes it, 确定 saves through `attempt` (which
    closes it on success and shows a refusal next to it)."""
    ok, cancel = ok_cancel()
    if cancel:
        st.session_state.pop(form_key, None)
        st.rerun()
    if ok:
        attempt(save, done, close=form_key, **kwargs)


def column_headers(widths: list[float], labels: list[str]) -> None:
    """The bold header row of a list drawn as columns (a blank label leaves its column empty)."""
    for col, label in zip(st.columns(widths), labels, strict=True):
        if label:
            col.markdown(f"**{label}**")


def wan(value: Decimal | None) -> str:
    """123.00 → '123万' as the manual prints amounts in 万元."""
    if value is None:
        return ""
    return f"{value.normalize():f}万"


def yuan(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}元"


def pager(state_key: str, result: Page) -> None:
    """首页/上一页/下一页/末页 with the manual's "第1页 共N页" and "第1到第20条 共M条", for any paged selector."""
    page, pages, total = result.page, result.pages, result.total
    cols = st.columns([1, 1, 1, 1, 2, 3])
    targets = [("首页", 1), ("上一页", max(1, page - 1)), ("下一页", min(max(pages, 1), page + 1)),
               ("末页", max(pages, 1))]
    for col, (label, target) in zip(cols[:4], targets, strict=True):
        disabled = total == 0 or target == page
        if col.button(label, key=f"{state_key}_{label}", disabled=disabled):
            st.session_state[state_key] = target
            st.query_params["page"] = str(target)
            st.rerun()
    cols[4].markdown(f"第{page if total else 1}页 共{pages}页")
    cols[5].markdown(f"第{result.first_row}到第{result.last_row}条 共{total}条")
