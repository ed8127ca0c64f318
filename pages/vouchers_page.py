"""服务券: the vouchers the user may see, one voucher's detail (?voucher=…), and for the commission
the 发放 / 批量发放 / 批次设置 tabs."""
import streamlit as st

from lib.labels import Role
from ui import commission_views
from ui.auth_gate import current_actor
from ui.todo_views import render_panel
from ui.voucher_detail import render_detail
from ui.voucher_views import render_list

TABS = {"服务券列表": render_list, "发放": commission_views.issue_one, "批量发放": commission_views.batch_import,
        "批次设置": commission_views.batches}

actor = current_actor()
number = st.query_params.get("voucher")
if number:
    render_detail(actor, number)
elif actor.role == Role.COMMISSION:
    render_panel(actor)
    # Only the open tab is drawn (choosing another reruns the page): the forms of the other three were a sixth
    # of every run of the list.
    tabs = st.tabs(list(TABS), key="voucher_tabs", on_change="rerun")
    for tab, draw in zip(tabs, TABS.values(), strict=True):
        if tab.open:
            with tab:
                draw(actor)
else:
    render_panel(actor)
    render_list(actor)
