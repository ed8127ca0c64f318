"""我的服务券: the enterprise's vouchers with deadline and next step, or one voucher's detail."""
import streamlit as st

from ui.auth_gate import current_actor
from ui.enterprise_views import render_my_vouchers
from ui.voucher_detail import render_detail

actor = current_actor()
number = st.query_params.get("voucher")
if number:
    render_detail(actor, number)
else:
    render_my_vouchers(actor)
