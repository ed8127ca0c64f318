"""服务券: the vouchers the user may see, one voucher's detail (?voucher=…), and for the commission
the 发放 / 批量发放 / 批次设置 tabs."""
import streamlit as st

from lib.labels import Role
from ui import commission_views
from ui.auth_gate import current_actor
from ui.todo_views import render_panel
from ui.voucher_detail import render_detail
from ui.voucher_views import render_list

actor = current_actor()
number = st.query_params.get("voucher")
if number:
    render_detail(actor, number)
elif actor.role == Role.COMMISSION:
    render_panel(actor)
    listing, one, many, settings = st.tabs(["服务券列表", "发放", "批量发放", "批次设置"])
    with listing:
        render_list(actor)
    with one:
        commission_views.issue_one(actor)
    with many:
        commission_views.batch_import(actor)
    with settings:
        commission_views.batches(actor)
else:
    render_panel(actor)
    render_list(actor)
