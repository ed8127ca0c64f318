"""待办 on the home page and the counts beside the menu items (lib.todo decides what counts)."""
from __future__ import annotations

import streamlit as st

from lib import risk, stats, todo
from lib.actors import Actor
from lib.labels import Role
from ui.nav import MENUS


@st.cache_data(ttl=60, show_spinner=False, max_entries=512)
def _items(_actor: Actor, scope: tuple, version: tuple, risk_total: int | None) -> list[todo.Item]:
    # `scope` is whose work it is (every commission user shares one entry); `version` the tables' write counts:
    # any write renews the counts at once, and otherwise they are re-read at most once a minute (what expires
    # with time, 7天内到期, moves slowly).
    return todo.items(_actor, risk_total=risk_total)


@st.cache_data(ttl=300, show_spinner=False, max_entries=16)
def _risk_total(_actor: Actor, key: tuple) -> int:
    # keyed like 风险预警 itself (lib.stats.cache_key): a write that raises or clears no flag keeps it
    return sum(total for _, total, _ in risk.signals(_actor, stats.NO_FILTERS))


def items(actor: Actor, *, with_risk: bool = False) -> list[todo.Item]:
    scope = (str(actor.role), actor.provider_id, actor.enterprise_id)
    risk_total = (_risk_total(actor, stats.cache_key(risk.signals, actor))
                  if with_risk and actor.role == Role.COMMISSION else None)
    return _items(actor, scope, stats.data_version(), risk_total)


def menu_title(title: str, count: int) -> str:
    """A menu item with its waiting count, as 撤回审核（3）."""
    return f"{title}（{count}）" if count else title


def badges(actor: Actor) -> dict[str, int]:
    return todo.badges(items(actor))


def _page_of(actor: Actor, url: str) -> str:
    return next(item.path for item in MENUS[actor.role] if item.url == url)


def render_panel(actor: Actor) -> None:
    """The role's 待办: a card for each kind of waiting work (its count, what to do, a link to exactly those
    records), and one line naming the kinds with nothing waiting."""
    if st.query_params.get("todo"):
        return  # opened from the panel: the list of those vouchers comes first, with a way back to all
    found = items(actor, with_risk=True)
    if not found:
        return
    st.markdown("##### 待办")
    waiting = [item for item in found if item.count]
    if waiting:
        for column, item in zip(st.columns(max(len(waiting), 3)), waiting, strict=False):
            with column.container(border=True, key=f"todo_{item.todo.key}"):
                st.markdown(f"**{item.todo.label}：{item.count}**")
                st.caption("。".join(filter(None, [item.detail, item.todo.hint])))
                st.page_link(_page_of(actor, item.todo.page), label="查看并处理", icon=":material/arrow_forward:",
                             query_params=item.query)
    idle = [item.todo.label for item in found if not item.count]
    if not waiting:
        st.caption("暂无待办。")
    elif idle:
        st.caption("暂无：" + "、".join(idle))
