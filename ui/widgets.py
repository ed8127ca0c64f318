"""Small display helpers shared by pages: errors, money, placeholders, the pager."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import streamlit as st

from lib.errors import DomainError

FLASH = "flash"


def attempt(action: Callable[[], object], done: str, *, close: str | None = None) -> None:
    """Run one service call. A refusal shows here, next to the form that asked for it; success
    closes the form (`close` is its session key), remembers `done` for show_flash, and reruns."""
    try:
        action()
    except DomainError as exc:
        st.error(exc.message)
        return
    if close:
        st.session_state.pop(close, None)
    st.session_state[FLASH] = done
    st.rerun()


def show_flash() -> None:
    if message := st.session_state.pop(FLASH, None):
        st.success(message)


def ok_cancel() -> tuple[bool, bool]:
    """The 确定 / 取消 pair at the bottom of a form."""
    left, right, _ = st.columns([1, 1, 6])
    return left.form_submit_button("确定", type="primary"), right.form_submit_button("取消")


def wan(value: Decimal | None) -> str:
    """123.00 → '123万' as the manual prints amounts in 万元."""
    if value is None:
        return ""
    return f"{value.normalize():f}万"


def yuan(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}元"


def pager(state_key: str, page: int, pages: int, first: int, last: int, total: int) -> None:
    """首页/上一页/下一页/末页 with the manual's "第1页 共N页" and "第1到第20条 共M条"."""
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
    cols[5].markdown(f"第{first}到第{last}条 共{total}条")
