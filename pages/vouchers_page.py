"""服务券: the list of vouchers the user may see, or one voucher's detail (?voucher=…)."""
import streamlit as st

from ui.auth_gate import current_actor
from ui.voucher_detail import render_detail
from ui.voucher_views import render_list

actor = current_actor()
number = st.query_params.get("voucher")
if number:
    render_detail(actor, number)
else:
    render_list(actor)
