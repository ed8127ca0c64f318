"""The enterprise's own list of vouchers (我的服务券) with deadlines and next steps."""
from __future__ import annotations

import streamlit as st

from lib import clock, queries, todo
from lib.actors import Actor
from ui.nav import MENUS
from ui.voucher_views import expiry_sweep, open_voucher
from ui.widgets import plain


def render_my_vouchers(actor: Actor) -> None:
    expiry_sweep()
    st.subheader("我的服务券")
    mine = queries.enterprise_vouchers(actor)
    if not mine:
        st.markdown("没有记录!")
        st.caption("服务券由南京市经济和信息化委员会发放，发放后会显示在这里。")
        return
    pages = {item.url: item.path for item in MENUS[actor.role]}
    for v in mine:
        with st.container(border=True):
            top = st.columns([2, 3, 3], vertical_alignment="center")
            top[0].button(v.number, key=f"open_{v.number}", type="tertiary", on_click=open_voucher, args=(v.number,))
            top[1].markdown(f"**状态**：{v.status_label}")
            if v.days_left is not None:
                top[2].markdown(f"**办理期限**：{clock.fmt_datetime(v.expires_at)}（剩余{v.days_left}天）")
            elif v.expired and v.expires_at:
                top[2].markdown(f"**已于** {clock.fmt_datetime(v.expires_at)} 过期")
            if v.provider_name:
                st.markdown(f"**服务商**：{plain(v.provider_name)}　**产品**：{plain(v.product_name)}")
            st.markdown(f"**下一步**：{v.next_step}")
            left, right = st.columns(2)
            step = todo.NEXT_PAGE.get(v.status)
            if step and step[0] in pages:
                left.page_link(pages[step[0]], label=step[1], icon=":material/arrow_forward:")
            right.button("查看详情", key=f"view_{v.number}", on_click=open_voucher, args=(v.number,))
