"""风险预警 (commission only): each signal with its count, why it matters and the vouchers behind it."""
import streamlit as st

from lib import risk
from ui.auth_gate import current_actor
from ui.cards import card_table
from ui.stats_views import fetch, filters, table
from ui.widgets import answer

actor = current_actor()
st.subheader("风险预警")
st.caption("以下信号不等于违规，只提示值得核查的服务券；点击服务券号打开详情。")
f, described = filters(actor, "risk")
found = answer(lambda: fetch(risk.signals, actor, f))
if found is None:
    st.stop()
for signal, total, frame in found:
    with st.container(border=True):
        st.markdown(f"**{signal.title}：{total}条**")
        st.caption(signal.why)
        if total:
            card_table(frame[["number", "enterprise_name", "provider", "detail"]].rename(
                columns={"number": "服务券号", "enterprise_name": "企业名称", "provider": "服务商", "detail": "情况"}),
                key=f"signal_{signal.key}", title="服务券号", voucher="服务券号")
            table(frame, {"number": "服务券号", "enterprise_name": "企业名称", "provider": "服务商", "detail": "情况"},
                  title=signal.title, described=described, key=f"risk_{signal.key}")
